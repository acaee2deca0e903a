// AudioWorklet processors for the WarzonePhone web page.
// Wire format both ways: 20 ms frames of 960 samples, signed 16-bit little-endian, mono, 48 kHz.

const FRAME = 960;

// Microphone -> 1920-byte int16 frames posted to the main thread (render quanta are 128 samples,
// so frames are assembled across quanta).
class WzpCaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.frame = new Int16Array(FRAME);
    this.fill = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true; // no input connected yet (or receive-only): keep the node alive
    for (let i = 0; i < channel.length; i++) {
      const x = channel[i];
      // Clamp before scaling: the capture graph may deliver values slightly outside [-1, 1].
      this.frame[this.fill++] = x >= 1 ? 32767 : x <= -1 ? -32768 : Math.round(x * 32767);
      if (this.fill === FRAME) {
        const buf = this.frame.buffer;
        this.port.postMessage(buf, [buf]);
        this.frame = new Int16Array(FRAME);
        this.fill = 0;
      }
    }
    return true;
  }
}

// Received int16 frames -> speaker, through a ring buffer bounded at 120 ms so latency cannot grow:
// a frame that would overflow pushes out the oldest samples; an underrun plays zeros. After an
// underrun, playback waits for 40 ms of audio so that network jitter does not chop every frame.
const CAPACITY = 5760;
const PRIME = 1920;

class WzpPlaybackProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ring = new Float32Array(CAPACITY);
    this.read = 0;
    this.count = 0;
    this.dropped = 0;
    this.underruns = 0;
    this.quanta = 0;
    this.priming = true;
    this.port.onmessage = (e) => this.push(e.data);
  }

  push(data) {
    if (!(data instanceof ArrayBuffer)) {
      if (data && data.type === 'clear') { this.read = 0; this.count = 0; this.priming = true; }
      return;
    }
    const pcm = new Int16Array(data, 0, Math.min(FRAME, data.byteLength >> 1));
    const overflow = this.count + pcm.length - CAPACITY;
    if (overflow > 0) {
      this.read = (this.read + overflow) % CAPACITY;
      this.count -= overflow;
      this.dropped += overflow;
    }
    let write = (this.read + this.count) % CAPACITY;
    for (let i = 0; i < pcm.length; i++) {
      this.ring[write] = pcm[i] / 32768;
      write = write + 1 === CAPACITY ? 0 : write + 1;
    }
    this.count += pcm.length;
  }

  process(_inputs, outputs) {
    const out = outputs[0];
    const n = out[0].length;
    if (this.priming && this.count >= PRIME) this.priming = false;
    const take = this.priming ? 0 : Math.min(n, this.count);
    for (let i = 0; i < take; i++) {
      out[0][i] = this.ring[this.read];
      this.read = this.read + 1 === CAPACITY ? 0 : this.read + 1;
    }
    out[0].fill(0, take);
    this.count -= take;
    if (!this.priming && take < n) { this.underruns++; this.priming = true; }
    for (let c = 1; c < out.length; c++) out[c].set(out[0]);
    // About 10 reports a second are plenty for a buffer display.
    if (++this.quanta % 37 === 0) {
      this.port.postMessage({ buffered: this.count, dropped: this.dropped, underruns: this.underruns });
    }
    return true;
  }
}

registerProcessor('wzp-capture-processor', WzpCaptureProcessor);
registerProcessor('wzp-playback-processor', WzpPlaybackProcessor);

// wzp-web.js: a WarzonePhone call from a browser through the wzp-web bridge.
// One ES module, no dependencies. Usage:
//   import { WzpWebCall } from '/wzp-web.js';
//   const call = new WzpWebCall({ room: 'ops', token });
//   call.addEventListener('closed', (e) => console.log(e.detail.code, e.detail.reason));
//   await call.connect();

export const SAMPLE_RATE = 48000;
export const FRAME_SAMPLES = 960; // 20 ms
export const FRAME_BYTES = FRAME_SAMPLES * 2;
// The bridge refused us for a reason a retry cannot fix: bad auth frame, token rejected, auth service
// down, origin not allowed, relay ACL, room/relay full, bridge full.
export const REFUSAL_CODES = new Set([4000, 4001, 4002, 4003, 4004, 4005, 4013]);
export const AUDIBLE_RMS = 200;

const BACKOFF_MS = [1000, 2000, 4000, 8000, 16000, 30000];
const HISTORY_FRAMES = 500; // 10 s of received audio kept for receivedPcm()
// A connection that stayed up this long starts the backoff over; shorter ones (a bridge that accepts
// and drops at once) keep backing off instead of retrying every second.
const STABLE_MS = 10000;

/** ws(s)://host/ws/<room>?events=1 for a room, relative to an http(s) base (default: this page). */
export function roomUrl(room, base = globalThis.location?.href) {
  const u = new URL(base);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  u.pathname = '/ws/' + encodeURIComponent(room);
  u.search = '?events=1';
  u.hash = '';
  return u.toString();
}

function withEvents(url) {
  const u = new URL(url);
  if (!u.searchParams.has('events')) u.searchParams.set('events', '1');
  return u.toString();
}

function rms(int16) {
  let sum = 0;
  for (let i = 0; i < int16.length; i++) sum += int16[i] * int16[i];
  return Math.sqrt(sum / (int16.length || 1));
}

export class WzpWebCall extends EventTarget {
  /**
   * @param {object} o
   * @param {string} [o.url] full ws(s):// URL of the room; or
   * @param {string} [o.room] room name, with [o.base] the bridge's http(s) address (default: this page's)
   * @param {string} [o.token] featherChat bearer token, sent as the auth frame
   * @param {AudioContext} [o.audioContext] reuse the caller's context (must run at 48 kHz)
   * @param {boolean} [o.pushToTalk] send only while setTransmitting(true)
   * @param {boolean} [o.microphone] false: receive-only, never ask for the microphone
   * @param {boolean} [o.reconnect] false: never reconnect
   * @param {string} [o.workletUrl] where audio-processor.js is (default: next to this module)
   */
  constructor(o = {}) {
    super();
    if (!o.url && o.room == null) throw new TypeError('WzpWebCall needs url or room');
    this.url = withEvents(o.url ?? roomUrl(o.room, o.base));
    this.token = o.token || '';
    this.pushToTalk = !!o.pushToTalk;
    this.useMicrophone = o.microphone !== false;
    this.reconnectEnabled = o.reconnect !== false;
    this.workletUrl = o.workletUrl ?? new URL('./audio-processor.js', import.meta.url).toString();
    this.ctx = o.audioContext ?? null;
    this.ownsContext = !o.audioContext;

    this.state = 'idle';
    this.joined = false;
    this.muted = false;
    this.transmitting = false;
    this.lastClose = null;
    this.micError = null;
    this.joins = 0;
    this.attempt = 0;
    this.framesSent = 0;
    this.framesReceived = 0;
    this.framesAudible = 0;
    this.bufferedSamples = 0;
    this.playback = null; // {buffered, dropped, underruns} from the playback worklet
    this.startedAt = 0;
    this.history = [];
    this.ws = null;
    this.timer = null;
    this.statsTimer = null;
    this.active = false;
  }

  get bufferedMs() { return Math.round(this.bufferedSamples / (SAMPLE_RATE / 1000)); }

  stats() {
    return {
      framesSent: this.framesSent,
      framesReceived: this.framesReceived,
      framesAudible: this.framesAudible,
      bufferedMs: this.bufferedMs,
      elapsedMs: this.startedAt ? Date.now() - this.startedAt : 0,
    };
  }

  /** Up to the last 10 s of received audio, s16le bytes. */
  receivedPcm() {
    const out = new Uint8Array(this.history.length * FRAME_BYTES);
    this.history.forEach((f, i) => out.set(f, i * FRAME_BYTES));
    return out;
  }

  /** Opens the audio path (once) and the WebSocket. Call it from a user gesture so audio may start. */
  async connect() {
    if (this.active) return;
    this.active = true;
    this.attempt = 0;
    this.startedAt = Date.now();
    this.setState('connecting');
    await this.startAudio();
    if (!this.active) { this.stopAudio(); return; } // hung up while the microphone prompt was open
    this.statsTimer = setInterval(() => this.emit('stats', this.stats()), 1000);
    this.open();
  }

  mute(on = true) { this.muted = !!on; }

  /** Push-to-talk: frames go out only while transmitting (ignored when pushToTalk is off). */
  setTransmitting(on) { this.transmitting = !!on; }

  setPushToTalk(on) { this.pushToTalk = !!on; }

  hangup() {
    if (!this.active) return;
    this.active = false;
    clearTimeout(this.timer);
    clearInterval(this.statsTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, 'hang up');
    this.stopAudio();
    this.joined = false;
    this.lastClose = { code: 1000, reason: 'hang up' };
    this.setState('closed');
    this.emit('closed', { code: 1000, reason: 'hang up', willReconnect: false });
  }

  // --- internals ---

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', { state });
  }

  async startAudio() {
    try {
      this.ctx ??= new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: 'interactive' });
      if (this.ctx.state === 'suspended') this.ctx.resume().catch(() => {});
      if (this.ctx.state === 'suspended') {
        // Autoplay policy (a call started without a click): start the audio at the next interaction.
        const ctx = this.ctx;
        const wake = () => { ctx.resume().catch(() => {}); removeEventListener('pointerdown', wake, true); removeEventListener('keydown', wake, true); };
        addEventListener('pointerdown', wake, true);
        addEventListener('keydown', wake, true);
      }
      await this.ctx.audioWorklet.addModule(this.workletUrl);
      this.player = new AudioWorkletNode(this.ctx, 'wzp-playback-processor', { outputChannelCount: [1] });
      this.player.port.onmessage = (e) => { this.playback = e.data; this.bufferedSamples = e.data.buffered; };
      this.player.connect(this.ctx.destination);
    } catch (err) {
      // No audio output: keep the call (counters, receivedPcm) but report it.
      this.player = null;
      this.emit('audioerror', { error: String(err?.message ?? err) });
    }
    if (!this.useMicrophone || !this.player) return;
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, sampleRate: SAMPLE_RATE, echoCancellation: true, noiseSuppression: true },
      });
      this.source = this.ctx.createMediaStreamSource(this.stream);
      this.capture = new AudioWorkletNode(this.ctx, 'wzp-capture-processor', { channelCount: 1, channelCountMode: 'explicit' });
      this.capture.port.onmessage = (e) => this.onCaptured(e.data);
      // A silent sink keeps the capture node pulled by the graph in every browser.
      this.sink = this.ctx.createGain();
      this.sink.gain.value = 0;
      this.source.connect(this.capture).connect(this.sink).connect(this.ctx.destination);
      this.micError = null;
      this.emit('microphone', { ok: true });
    } catch (err) {
      this.micError = `${err?.name ?? 'Error'}: ${err?.message ?? err}`;
      this.emit('microphone', { ok: false, error: this.micError }); // go on receive-only
    }
  }

  stopAudio() {
    this.stream?.getTracks().forEach((t) => t.stop());
    for (const n of [this.source, this.capture, this.sink, this.player]) n?.disconnect();
    this.stream = this.source = this.capture = this.sink = this.player = null;
    if (this.ownsContext && this.ctx) { this.ctx.close().catch(() => {}); this.ctx = null; }
  }

  open() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      if (ws !== this.ws) return;
      // The bridge with --auth-url expects this as the very first frame; without it, it is ignored.
      if (this.token) ws.send(JSON.stringify({ type: 'auth', token: this.token }));
    };
    ws.onmessage = (e) => { if (ws === this.ws) this.onMessage(e.data); };
    ws.onclose = (e) => { if (ws === this.ws) this.onClose(e.code, e.reason); };
  }

  onMessage(data) {
    if (typeof data === 'string') {
      let msg;
      try { msg = JSON.parse(data); } catch { return; }
      if (msg?.type === 'joined') this.markJoined(msg);
      else this.emit('message', msg);
      return;
    }
    if (data.byteLength < FRAME_BYTES) return;
    // A bridge without status frames: the first audio means we are in.
    if (!this.joined) this.markJoined({});
    const frame = new Uint8Array(data.slice(0, FRAME_BYTES));
    this.framesReceived++;
    if (rms(new Int16Array(frame.buffer)) > AUDIBLE_RMS) this.framesAudible++;
    this.history.push(frame);
    if (this.history.length > HISTORY_FRAMES) this.history.shift();
    if (this.player) {
      const copy = frame.buffer.slice(0);
      this.player.port.postMessage(copy, [copy]);
    }
  }

  markJoined(msg) {
    this.joined = true;
    this.joins++;
    this.joinedAt = Date.now();
    this.setState('joined');
    this.emit('joined', { room: msg.room, relay: msg.relay });
  }

  onCaptured(buf) {
    const pcm = new Int16Array(buf);
    this.emit('level', { rms: rms(pcm) });
    const ws = this.ws;
    const sending = !this.muted && (!this.pushToTalk || this.transmitting);
    if (sending && ws && ws.readyState === WebSocket.OPEN) {
      ws.send(buf);
      this.framesSent++;
    }
  }

  onClose(code, reason) {
    if (this.joined && Date.now() - this.joinedAt >= STABLE_MS) this.attempt = 0;
    this.ws = null;
    this.joined = false;
    this.player?.port.postMessage({ type: 'clear' });
    reason = reason || (code === 1006 ? 'connection lost' : '');
    this.lastClose = { code, reason };
    if (!this.active) return;
    const refused = REFUSAL_CODES.has(code);
    const willReconnect = this.reconnectEnabled && !refused && code !== 1000;
    if (willReconnect) {
      const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
      this.attempt++;
      this.setState('reconnecting');
      this.emit('closed', { code, reason, willReconnect, retryInMs: delay });
      this.timer = setTimeout(() => { if (this.active) { this.setState('connecting'); this.open(); } }, delay);
      return;
    }
    this.active = false;
    clearInterval(this.statsTimer);
    this.stopAudio();
    this.setState(code === 1000 ? 'closed' : 'failed');
    this.emit('closed', { code, reason, willReconnect: false });
  }
}

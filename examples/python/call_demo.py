"""A real call, end to end: espeak-ng says a sentence, client A sends it through an in-process
relay to client B, B records it. Once over a clean network, once with 20 % of A's datagrams
lost (seeded), and once more with the loss and the media end-to-end encrypted (with the safety
words both sides read); for each recording it prints STOI against the original (time-aligned) and the
receiver's frame counts, and writes the WAV files.

    python3 call_demo.py [--out DIR] [--text "..."]

Needs the wzp package (pip install .), espeak-ng, numpy and scipy (scripts/install-deps.sh)."""
import argparse
import sys
from pathlib import Path

import numpy as np

import wzp
from wzp import quality, wav
from wzp.loopback import loopback_call

TEXT = ("The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
        "It is easy to tell the depth of a well.")
RATE = wav.SAMPLE_RATE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="build/demo", help="folder for the WAV files (default build/demo)")
    parser.add_argument("--text", default=TEXT, help="the sentence to say")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    try:
        speech = quality.speak(args.text, RATE)
    except FileNotFoundError:
        sys.exit("call_demo: espeak-ng is not installed (scripts/install-deps.sh installs it)")
    wav.write(out / "sent.wav", speech.tobytes())
    print(f"A says ({len(speech) / RATE:.1f} s, espeak-ng): \"{args.text}\"")
    print(f"  sent:      {out / 'sent.wav'}")
    for loss, e2e in ((0, "off"), (20, "off"), (20, "required")):
        print(f"\nA calls B through the relay, {loss} % of A's datagrams lost (seed 1), profile GOOD "
              "(Opus 24k, Reed-Solomon FEC K=5 R=1), adapting" +
              (", end-to-end encrypted (SFrame, AES-128-GCM; the relay cannot read the media):" if e2e != "off"
               else ":"))
        result = loopback_call(speech.tobytes(), profile="good", adapt=True, loss_pct=loss, seed=1, e2e=e2e)
        recording = np.frombuffer(result.recording.tobytes(), dtype="<i2")
        path = out / f"received-{loss}pct-loss{'-e2e' if e2e != 'off' else ''}.wav"
        wav.write(path, recording.tobytes())
        one_lag = quality.stoi(*quality.align(speech, recording, RATE, max_lag_s=2.0), RATE)
        ref, rec = quality.align_piecewise(speech, recording, RATE, max_lag_s=2.0)
        lag = quality.find_lag(speech, recording, RATE, max_lag_s=2.0) - result.lead_samples
        latency_ms = 1000 * lag / RATE
        score = quality.stoi(ref, rec, RATE)
        rx, tx = result.receiver, result.sender
        print(f"  STOI {score:.3f} (1 = as sent; 20 % of frames simply zeroed scores about 0.85); "
              f"{one_lag:.3f} with one alignment for the whole sentence (lower when the jitter buffer "
              "changed its delay mid-sentence)")
        print(f"  A sent {tx['packets_sent']} source + {tx['repair_packets_sent']} repair packets; "
              f"B received {rx['received']} source packets")
        print(f"  B played {rx['played']} frames: {rx['recovered']} rebuilt by Reed-Solomon FEC, "
              f"{rx['fec_next']} by Opus in-band FEC; {rx['concealed']} concealed (PLC)")
        print(f"  jitter buffer delay {rx['current_delay_ms']} ms (target {rx['target_delay_ms']} ms); "
              f"mouth-to-ear {latency_ms:.0f} ms (PCM in at A to PCM out at B)")
        profile = result.final_profile
        print(f"  A's send profile at the end: {profile['codec']}, FEC {profile['fec_ratio']:.2f}, "
              f"{profile['frame_ms']} ms")
        if result.safety_words:
            frames = result.receiver_e2e["frames"]
            print(f"  safety words: A reads \"{result.safety_words[0]}\", B reads \"{result.safety_words[1]}\" "
                  f"({'the same: they hold the same keys' if result.safety_words[0] == result.safety_words[1] else 'DIFFERENT'})")
            print(f"  B opened {frames['decrypted']} encrypted datagrams; {frames['decrypt_failed']} failed, "
                  f"{frames['missing_key']} had no key")
        print(f"  received:  {path}")
    print(f"\nlibwzp {wzp.version()}: listen to the files in {out}/")


if __name__ == "__main__":
    main()

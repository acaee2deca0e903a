"""Speech quality through real calls: STOI per profile and network, as a Markdown table.

For each quality profile (kept fixed) and each emulated network (0 %, 20 %, 30 % random loss,
20 % in bursts of 3, seeded; no loss with 20 ms of jitter), an espeak-ng sentence goes from one
client through an in-process relay to another (wzp.loopback), is recorded, time-aligned with the
original and scored with STOI (wzp.quality; re-timed where the playout delay changed, and with
one global lag). Also: the fraction of the frames A sent that B played from their own data
(received, rebuilt by FEC or decoded from Opus in-band FEC; not concealed), what FEC rebuilt, and the mouth-to-ear delay (PCM in at A to PCM out at B). Two adapting rows start
on GOOD: "adapting, cold" scores the call's first sentence, "adapting, under way" a sentence
said after another one (the sender has settled on a profile). Each call runs in real time.

    python3 bench/speech_quality.py [--profiles good,resilient,adapting-warm] [--quick]

Needs the wzp package installed (pip install .), numpy, scipy and espeak-ng."""
import argparse
import time

import numpy as np

from wzp import quality
from wzp.loopback import loopback_call

SENTENCE = ("Please call Stella. Ask her to bring these things with her from the store: six spoons of fresh "
            "snow peas, five thick slabs of blue cheese, and maybe a snack for her brother Bob.")
RATE = 48000
NETWORKS = [
    ("0 %", dict(loss_pct=0)),
    ("20 % random", dict(loss_pct=20, burst=1, seed=20)),
    ("30 % random", dict(loss_pct=30, burst=1, seed=30)),
    ("20 %, bursts of 3", dict(loss_pct=20, burst=3, seed=3)),
    ("0 %, 20 ms jitter", dict(loss_pct=0, jitter_ms=20, seed=7)),
]
WARMUP = "The quick brown fox jumps over the lazy dog, and then it runs back home to sleep."
# The libwzp-only profiles (docs/PROTOCOL.md) are not presets: spelled out here.
PROFILES = {
    "good": "good",
    "resilient": dict(codec="Opus16k", fec_ratio=1.0, frame_ms=20, frames_per_block=5),
    "resilient_deep": dict(codec="Opus16k", fec_ratio=1.0, frame_ms=20, frames_per_block=8),
    "degraded": "degraded",
    "catastrophic": "catastrophic",
}
ADAPTING = ("adapting-cold", "adapting-warm")


def measure(speech, warmup, profile, network):
    if profile in ADAPTING:
        extra = dict(warmup=warmup, lead_s=1.0) if profile == "adapting-warm" else {}
        result = loopback_call(speech.tobytes(), profile="good", adapt=True, **extra, **network)
    else:
        result = loopback_call(speech.tobytes(), profile=PROFILES[profile], adapt=False, **network)
    recording = np.frombuffer(result.recording.tobytes(), dtype="<i2").astype(np.float64)
    one_lag = quality.stoi(*quality.align(speech, recording, RATE, max_lag_s=2.0), RATE)
    ref, rec = quality.align_piecewise(speech, recording, RATE, max_lag_s=2.0)
    lag = quality.find_lag(speech, recording, RATE, max_lag_s=2.0) - result.lead_samples
    rx = result.receiver_since_start()  # the scored sentence (the whole call without a warm-up)
    return dict(stoi=quality.stoi(ref, rec, RATE), one_lag=one_lag, played=rx["played"], fec_next=rx["fec_next"],
                concealed=rx["concealed"], recovered=rx["recovered"], played_pct=100.0 * result.frames_played(),
                latency_ms=1000.0 * lag / RATE, final=result.final_profile)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", default=",".join(list(PROFILES) + list(ADAPTING)),
                        help="comma-separated: " + ", ".join(list(PROFILES) + list(ADAPTING)))
    parser.add_argument("--quick", action="store_true", help="only 0 % and 20 % random loss")
    args = parser.parse_args()
    speech = quality.speak(SENTENCE, RATE)
    warmup = quality.speak(WARMUP, RATE)
    networks = NETWORKS[:2] if args.quick else NETWORKS
    print(f"Sentence: {len(speech) / RATE:.1f} s of espeak-ng speech; lossy cases seeded as listed.\n")
    print("| profile | network | STOI (re-timed) | STOI (one lag) | frames played (not concealed) | rebuilt by RS FEC | Opus in-band FEC | concealed "
          "| mouth-to-ear | sender's profile at the end |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    started = time.monotonic()
    for profile in args.profiles.split(","):
        for name, network in networks:
            m = measure(speech, warmup.tobytes(), profile, network)
            f = m["final"]
            final = f"{f['codec']} K={f['frames_per_block']} ratio {f['fec_ratio']:.1f}"
            print(f"| {profile} | {name} | {m['stoi']:.3f} | {m['one_lag']:.3f} | {m['played_pct']:.1f} % | {m['recovered']} "
                  f"| {m['fec_next']} | {m['concealed']} | {m['latency_ms']:.0f} ms | {final} |", flush=True)
    print(f"\n({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()

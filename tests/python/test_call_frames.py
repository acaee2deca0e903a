"""Frames played through a real relay: A sends a tone through an in-process relay to B with
seeded loss on A's traffic, per profile, and B's counters say how many of A's frames it
played from their own data (received, rebuilt by FEC or decoded from Opus in-band FEC)
rather than concealed.

Every profile is held fixed (no adaptation), after a 2 s warm-up that lets the jitter buffer
learn how long FEC takes to rebuild. The floor for random loss is what Reed-Solomon alone
guarantees (docs/PERFORMANCE.md, "FEC recovery versus loss": 1 - p * P[Bin(K+R-1, p) >= R])
less 3 % for the sample: one unrecoverable block of a 5 s call costs 1-2 % of its frames.
The issue's targets for the profile the controller settles on (>= 99 % at 20 %, >= 97 % at
30 %) are asserted by test_call_speech.py on speech. The calls of one network condition run
side by side, one room each, so the whole table takes about 40 s."""
import math
from array import array
from concurrent.futures import ThreadPoolExecutor

import pytest

import wzp
from wzp.loopback import loopback_call

# name: (profile, K, R)
PROFILES = {
    "good": ("good", 5, 1),
    "degraded": ("degraded", 10, 5),
    "catastrophic": ("catastrophic", 8, 8),
    "resilient": (dict(codec="Opus16k", fec_ratio=1.0, frame_ms=20, frames_per_block=5), 5, 5),
    "resilient_deep": (dict(codec="Opus16k", fec_ratio=1.0, frame_ms=20, frames_per_block=8), 8, 8),
}
# name: (loss %, mean burst length, seed)
NETWORKS = {
    "10pct-random": (10, 1, 10),
    "20pct-random": (20, 1, 20),
    "30pct-random": (30, 1, 30),
    "20pct-bursts-of-3": (20, 3, 3),
}
SAMPLE_ALLOWANCE = 0.03
# Bursts of 3 at 20 %: no closed form (a block loses several packets at once far more often);
# floors a few points under what these seeded runs measure (PERFORMANCE.md "Frames played
# through the relay"). Long blocks (K 8, 10) ride out bursts that sink a block of 5.
BURST_FLOOR = {"good": 0.80, "degraded": 0.90, "catastrophic": 0.90, "resilient": 0.85, "resilient_deep": 0.90}


def fec_only(k, r, p):
    """Frames a K + R block code plays under independent loss p (the PERFORMANCE.md model)."""
    n = k + r - 1
    tail = sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(r, n + 1))
    return 1 - p * tail


def tone(seconds, hz):
    n = int(seconds * wzp.call.SAMPLE_RATE)
    return array("h", (int(8000 * math.sin(2 * math.pi * hz * i / wzp.call.SAMPLE_RATE)) for i in range(n)))


@pytest.fixture(scope="module")
def results():
    """{(network, profile): LoopbackResult}, one call per pair."""
    warmup, sent = tone(2, 300), tone(5, 440)
    out = {}
    relay = wzp.Relay().start()
    try:
        for network, (loss, burst, seed) in NETWORKS.items():

            def call(name, loss=loss, burst=burst, seed=seed, network=network):
                return loopback_call(sent, profile=PROFILES[name][0], adapt=False, warmup=warmup, lead_s=1.0,
                                     tail_s=1.0, loss_pct=loss, burst=burst, seed=seed, relay=relay,
                                     room=f"frames-{network}-{name}")

            with ThreadPoolExecutor(len(PROFILES)) as pool:
                for name, result in zip(PROFILES, pool.map(call, PROFILES)):
                    out[(network, name)] = result
    finally:
        relay.stop()
    return out


@pytest.mark.parametrize("network", list(NETWORKS))
@pytest.mark.parametrize("name", list(PROFILES))
def test_frames_played_through_a_lossy_relay(results, network, name):
    result = results[(network, name)]
    loss, burst, _ = NETWORKS[network]
    _, k, r = PROFILES[name]
    rx = result.receiver_since_start()
    played = result.frames_played()
    floor = BURST_FLOOR[name] if burst > 1 else fec_only(k, r, loss / 100) - SAMPLE_ALLOWANCE
    print(f"{network} {name}: played {played:.4f} (floor {floor:.4f}) of {result.frames_sent()} frames sent; "
          f"decoded {rx['played']} (rebuilt {rx['recovered']}), in-band FEC {rx['fec_next']}, "
          f"concealed {rx['concealed']}, dropped {rx['dropped']}, late {rx['late']}")
    assert result.frames_sent() > 100, "A sent too few frames to judge"
    accounted = rx["played"] + rx["fec_next"] + rx["concealed"] + rx["dropped"]
    assert abs(accounted - result.frames_sent()) <= 2, \
        f"B accounts for {accounted} frames (played, in-band FEC, concealed, dropped), A sent {result.frames_sent()}"
    if loss > 0:
        assert rx["recovered"] > 0, "FEC rebuilt nothing"
    assert played >= floor, f"{network} {name}: {played:.4f} of frames played < {floor:.4f}"

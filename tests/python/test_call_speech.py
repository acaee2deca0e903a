"""Intelligibility through a real call: espeak-ng speech -> Call A -> in-process relay -> Call B,
recorded, time-aligned with the original and scored with STOI (the issue's targets).

The network is emulated on A's traffic by the call's seeded impairment, so every run loses
the same datagrams. The call is under way when the scored sentence starts, as in a
conversation: another sentence goes first (not scored), so the adapting sender has had its
receiver's reports and settled on a profile (how a call that starts on a bad network sounds in
its first seconds is measured in bench/speech_quality.py). Each case also asserts the fraction
of the sentence's frames B played from their own data (the issue's targets for frames played
with the profile the controller settles on). A case takes about as long as the two sentences
(real-time pacing)."""
import pytest

np = pytest.importorskip("numpy")
from speech import RATE, WARMUP, espeak_48k, to_int16  # noqa: E402

from wzp import quality  # noqa: E402
from wzp.loopback import loopback_call  # noqa: E402


@pytest.fixture(scope="module")
def sentence():
    return espeak_48k()


@pytest.fixture(scope="module")
def warmup():
    return to_int16(espeak_48k(WARMUP)).tobytes()


def call_stoi(sentence, warmup, **network):
    # lead_s: 1 s of silence between the sentences, longer than any playout delay, keeps the
    # warm-up's end out of the recording.
    result = loopback_call(to_int16(sentence).tobytes(), profile="good", adapt=True, warmup=warmup, lead_s=1.0,
                           **network)
    recording = np.frombuffer(result.recording.tobytes(), dtype="<i2").astype(np.float64)
    assert len(recording) >= len(sentence), "the recording is shorter than what was sent"
    assert np.sqrt(np.mean(recording ** 2)) > 100, "the recording is silent"
    ref, rec = quality.align(sentence, recording, RATE, max_lag_s=2.0)
    assert len(ref) >= 0.95 * len(sentence), "alignment cut off much of the sentence"
    one_lag = quality.stoi(ref, rec, RATE)
    # The score: the recording re-timed where the jitter buffer changed its delay mid-sentence
    # (a few tens of ms a listener does not notice; one global lag would misalign everything after).
    ref, rec = quality.align_piecewise(sentence, recording, RATE, max_lag_s=2.0)
    score = quality.stoi(ref, rec, RATE)
    print(f"STOI with one global lag {one_lag:.3f}, re-timed {score:.3f}")
    return score, result


# (network, the STOI target, frames played: the target with the profile the
# controller settles on; for bursts, which have none, a floor under what is measured)
CASES = {
    "no-loss": (dict(loss_pct=0), 0.95, 0.99),
    "20pct-random": (dict(loss_pct=20, burst=1, seed=20), 0.90, 0.99),
    "30pct-random": (dict(loss_pct=30, burst=1, seed=30), 0.85, 0.97),
    "20pct-bursts-of-3": (dict(loss_pct=20, burst=3, seed=3), 0.85, 0.90),
}


@pytest.mark.parametrize("case", list(CASES))
def test_speech_through_a_lossy_call_stays_intelligible(sentence, warmup, case):
    network, target, frames_target = CASES[case]
    score, result = call_stoi(sentence, warmup, **network)
    rx = result.receiver_since_start()  # the scored sentence only, not the warm-up
    played = result.frames_played()
    print(f"{case}: STOI {score:.3f}; frames played {played:.4f} of {result.frames_sent()} sent: decoded "
          f"{rx['played']} (rebuilt {rx['recovered']}), in-band FEC {rx['fec_next']}, concealed {rx['concealed']}, "
          f"dropped {rx['dropped']}; "
          f"A's profile at the end {result.final_profile}")
    if network.get("loss_pct", 0) > 0:
        assert rx["recovered"] + rx["fec_next"] > 0, "losses were not repaired by FEC"
        assert result.final_profile["codec"] != "Opus24k", "the sender kept GOOD under heavy loss"
    assert played >= frames_target, f"{case}: {played:.4f} of frames played < {frames_target}"
    assert score >= target, f"{case}: STOI {score:.3f} < {target}"

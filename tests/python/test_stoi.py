"""wzp.quality: STOI (Taal et al., 2011) and the alignment of a recording with its reference."""
from array import array

import pytest

np = pytest.importorskip("numpy")
from speech import RATE, espeak_48k, to_int16, zero_frames  # noqa: E402

from wzp import quality  # noqa: E402


@pytest.fixture(scope="module")
def speech():
    return espeak_48k()


def test_identical_signals_score_one(speech):
    assert quality.stoi(speech, speech, RATE) == pytest.approx(1.0, abs=1e-6)
    # Scale does not matter, and int16 bytes are accepted as they are.
    assert quality.stoi(speech, 0.25 * speech, RATE) == pytest.approx(1.0, abs=1e-6)
    pcm = to_int16(speech)
    assert quality.stoi(pcm.tobytes(), array("h", pcm.tobytes()), RATE) == pytest.approx(1.0, abs=1e-6)


def test_zeroing_a_fifth_of_the_frames_scores_far_below_clean(speech):
    # The calibration point ("about 0.77"): 20 % of the 20 ms frames zeroed. With this
    # sentence the mean over seeds is about 0.85; each seed stays in a band around it.
    scores = [quality.stoi(speech, zero_frames(speech, 0.2, seed), RATE) for seed in range(5)]
    assert all(0.70 <= s <= 0.92 for s in scores), scores
    assert 0.78 <= float(np.mean(scores)) <= 0.90, scores
    # More loss, lower score.
    worse = [quality.stoi(speech, zero_frames(speech, 0.4, seed), RATE) for seed in range(5)]
    assert float(np.mean(worse)) < float(np.mean(scores)) - 0.05, (worse, scores)


def test_noise_scores_low(speech):
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 3000, len(speech))
    assert quality.stoi(speech, noise, RATE) < 0.5
    # Speech in a little noise stays intelligible; in loud noise it drops.
    light = quality.stoi(speech, speech + rng.normal(0, 300, len(speech)), RATE)
    loud = quality.stoi(speech, speech + rng.normal(0, 6000, len(speech)), RATE)
    assert light > 0.95 and loud < light - 0.1, (light, loud)


def test_a_delayed_copy_is_realigned(speech):
    delay = 12345
    recording = np.concatenate([np.zeros(delay), speech, np.zeros(700)])
    assert quality.find_lag(speech, recording, RATE) == delay
    # Unaligned, the score is meaningless; aligned, the copy scores as the original.
    assert quality.stoi(speech, recording, RATE) < 0.5
    ref, rec = quality.align(speech, recording, RATE)
    assert len(ref) == len(rec) == len(speech)
    assert quality.stoi(ref, rec, RATE) == pytest.approx(1.0, abs=1e-6)
    # A recording that starts late (its beginning cut off) is aligned the other way.
    ref, rec = quality.align(speech, speech[4800:], RATE)
    assert quality.find_lag(speech, speech[4800:], RATE) == -4800
    assert len(ref) == len(rec) == len(speech) - 4800
    assert np.array_equal(ref, rec)


def test_too_short_or_empty_is_an_error(speech):
    with pytest.raises(ValueError):
        quality.stoi(speech[:4800], speech[:4800], RATE)
    with pytest.raises(ValueError):
        quality.align([], speech, RATE)
    with pytest.raises(ValueError):
        quality.stoi(np.zeros((2, 100)), np.zeros((2, 100)), RATE)


def test_a_delay_that_changes_midway_is_followed(speech):
    # 60 ms of silence inserted after 4 s (a jitter buffer raising its delay), then the rest.
    cut = 4 * RATE
    recording = np.concatenate([np.zeros(9600), speech[:cut], np.zeros(2880), speech[cut:]])
    ref, rec = quality.align(speech, recording, RATE)
    shifted = quality.stoi(ref, rec, RATE)
    ref, rec = quality.align_piecewise(speech, recording, RATE)
    followed = quality.stoi(ref, rec, RATE)
    assert len(ref) == len(rec) == len(speech)
    assert shifted < 0.85 < 0.97 < followed, (shifted, followed)
    # Without a shift, piecewise alignment is the plain one.
    ref, rec = quality.align_piecewise(speech, np.concatenate([np.zeros(9600), speech]), RATE)
    assert np.array_equal(ref, rec)

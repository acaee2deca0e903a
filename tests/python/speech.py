"""Speech for the intelligibility tests: espeak-ng says a sentence, at 48 kHz mono."""
RATE = 48000
SENTENCE = (
    "Please call Stella. Ask her to bring these things with her from the store: "
    "six spoons of fresh snow peas, five thick slabs of blue cheese, and maybe a snack for her brother Bob."
)

# Said first in the calls that score SENTENCE, so that the call is under way (not scored).
WARMUP = "The quick brown fox jumps over the lazy dog, and then it runs back home to sleep."


def espeak_48k(text: str = SENTENCE):
    """The sentence as a float64 numpy array at 48 kHz."""
    from wzp import quality

    return quality.speak(text, RATE).astype("float64")


def to_int16(signal):
    import numpy as np

    return np.clip(np.round(signal), -32768, 32767).astype("<i2")


def zero_frames(signal, fraction: float, seed: int, frame: int = 960):
    """A copy with `fraction` of its 20 ms frames (chosen with `seed`) set to zero."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = signal.copy()
    count = len(out) // frame
    for i in rng.permutation(count)[: round(fraction * count)]:
        out[i * frame : (i + 1) * frame] = 0
    return out

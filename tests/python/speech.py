"""Speech for the intelligibility tests: espeak-ng says a sentence, at 48 kHz mono int16."""
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

SENTENCE = (
    "Please call Stella. Ask her to bring these things with her from the store: "
    "six spoons of fresh snow peas, five thick slabs of blue cheese, and maybe a snack for her brother Bob."
)
RATE = 48000


def espeak_48k(text: str = SENTENCE):
    """The sentence as a float64 numpy array at 48 kHz (espeak-ng speaks at 22.05 kHz)."""
    from math import gcd

    import numpy as np
    from scipy.signal import resample_poly

    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is not installed (scripts/install-deps.sh installs it)"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        subprocess.run([espeak, "-w", str(path), text], check=True)
        with wave.open(str(path)) as w:
            assert w.getnchannels() == 1 and w.getsampwidth() == 2
            rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    g = gcd(rate, RATE)
    return resample_poly(pcm, RATE // g, rate // g)


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

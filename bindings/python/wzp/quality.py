"""Objective speech quality: STOI and time alignment of a recording with its reference.

``stoi`` is the Short-Time Objective Intelligibility measure of Taal, Hendriks, Heusdens and
Jensen (IEEE TASLP 19(7), 2011): an intrusive measure (it compares the degraded speech with
the clean original) whose score, from about 0 to 1, tracks how many words listeners
understand. ``align`` finds where a recording of a call starts relative to what was sent.
``speak`` makes test speech with espeak-ng (Debian's espeak-ng package).

Both need numpy and scipy (Debian: python3-numpy, python3-scipy); they are imported when a
function is called, so ``import wzp`` itself never needs them.

Inputs may be numpy arrays, ``array('h')``, sequences of numbers, or ``bytes`` of 16-bit
little-endian PCM. Scale does not matter.
"""

from __future__ import annotations

# The constants of the paper.
STOI_FS = 10000  # Hz: both signals are resampled to this rate
FRAME = 256  # samples per analysis frame (25.6 ms), Hann window, 50 % overlap
FFT_SIZE = 512  # each frame zero-padded to this for the DFT
BANDS = 15  # one-third octave bands ...
LOWEST_CENTRE_HZ = 150.0  # ... the lowest centred here
SEGMENT = 30  # frames per intermediate intelligibility segment (384 ms)
BETA_DB = -15.0  # lower bound of the signal-to-distortion ratio (clipping)
DYNAMIC_RANGE_DB = 40.0  # frames this far below the loudest clean frame are silent and removed


def _np():
    import numpy

    return numpy


def _as_float(signal):
    np = _np()
    if isinstance(signal, (bytes, bytearray, memoryview)):
        return np.frombuffer(bytes(signal), dtype="<i2").astype(np.float64)
    array = np.asarray(signal, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"expected a mono signal (one dimension), got shape {array.shape}")
    return array


def _resample(signal, fs_from: int, fs_to: int):
    if fs_from == fs_to:
        return signal
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(int(fs_from), int(fs_to))
    return resample_poly(signal, int(fs_to) // g, int(fs_from) // g)


def _window():
    np = _np()
    # Periodic Hann: frames at 50 % overlap add back up to a constant.
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FRAME) / FRAME)


def _frames(signal):
    """The windowed frames of a signal, one per row (hop FRAME / 2)."""
    np = _np()
    hop = FRAME // 2
    count = max(0, (len(signal) - FRAME) // hop + 1)
    if count == 0:
        return np.zeros((0, FRAME))
    index = np.arange(FRAME)[None, :] + hop * np.arange(count)[:, None]
    return signal[index] * _window()[None, :]


def _overlap_add(frames):
    np = _np()
    hop = FRAME // 2
    out = np.zeros(hop * (len(frames) + 1))
    for i, frame in enumerate(frames):
        out[i * hop : i * hop + FRAME] += frame
    return out


def _remove_silent_frames(x, y):
    """Drops the frames where the clean signal is more than DYNAMIC_RANGE_DB below its loudest
    frame, from both signals, and rebuilds each from the frames kept."""
    np = _np()
    fx, fy = _frames(x), _frames(y)
    energy_db = 20 * np.log10(np.linalg.norm(fx, axis=1) + 1e-12)
    keep = energy_db > energy_db.max(initial=-np.inf) - DYNAMIC_RANGE_DB
    return _overlap_add(fx[keep]), _overlap_add(fy[keep])


def _band_matrix():
    """Rows: the one-third octave bands; columns: the DFT bins each band sums."""
    np = _np()
    freqs = np.linspace(0, STOI_FS / 2, FFT_SIZE // 2 + 1)
    matrix = np.zeros((BANDS, len(freqs)))
    for band in range(BANDS):
        low = LOWEST_CENTRE_HZ * 2 ** ((2 * band - 1) / 6)
        high = LOWEST_CENTRE_HZ * 2 ** ((2 * band + 1) / 6)
        first = int(np.argmin(np.abs(freqs - low)))
        last = int(np.argmin(np.abs(freqs - high)))
        matrix[band, first:last] = 1.0
    return matrix


def _band_envelopes(signal):
    """Per frame and band, the band's magnitude: shape (BANDS, frames)."""
    np = _np()
    spectrum = np.fft.rfft(_frames(signal), n=FFT_SIZE, axis=1)
    return np.sqrt(_band_matrix() @ (np.abs(spectrum) ** 2).T)


def stoi(clean, degraded, fs: int) -> float:
    """STOI of `degraded` against `clean`, both sampled at `fs` Hz and time-aligned (see
    ``align``). The longer one is cut to the shorter one's length. Returns a score from about
    0 (unintelligible) to 1 (the same as clean). Raises ValueError when the speech (after
    silent frames are removed) is shorter than one 384 ms segment."""
    np = _np()
    x, y = _as_float(clean), _as_float(degraded)
    n = min(len(x), len(y))
    x, y = _resample(x[:n], fs, STOI_FS), _resample(y[:n], fs, STOI_FS)
    x, y = _remove_silent_frames(x, y)
    bx, by = _band_envelopes(x), _band_envelopes(y)
    frames = bx.shape[1]
    if frames < SEGMENT:
        raise ValueError(f"too little speech for STOI: {frames} frames, at least {SEGMENT} needed")
    from numpy.lib.stride_tricks import sliding_window_view

    # Segments of SEGMENT frames ending at every frame: shape (segments, BANDS, SEGMENT).
    sx = sliding_window_view(bx, SEGMENT, axis=1).transpose(1, 0, 2)
    sy = sliding_window_view(by, SEGMENT, axis=1).transpose(1, 0, 2)
    eps = np.finfo(np.float64).eps
    # Normalize the degraded segment to the clean one's energy, then clip it so that no unit's
    # signal-to-distortion ratio falls below BETA_DB.
    gain = np.linalg.norm(sx, axis=2, keepdims=True) / (np.linalg.norm(sy, axis=2, keepdims=True) + eps)
    sy = np.minimum(sy * gain, sx * (1 + 10 ** (-BETA_DB / 20)))
    sx = sx - sx.mean(axis=2, keepdims=True)
    sy = sy - sy.mean(axis=2, keepdims=True)
    sx /= np.linalg.norm(sx, axis=2, keepdims=True) + eps
    sy /= np.linalg.norm(sy, axis=2, keepdims=True) + eps
    return float(np.mean(np.sum(sx * sy, axis=2)))


def find_lag(reference, recording, fs: int, max_lag_s: float = 5.0) -> int:
    """The delay of `recording` relative to `reference`, in samples (positive: the recording
    starts later), searched within +-max_lag_s by cross-correlation."""
    np = _np()
    from scipy.signal import correlate

    ref, rec = _as_float(reference), _as_float(recording)
    if len(ref) == 0 or len(rec) == 0:
        raise ValueError("cannot align an empty signal")
    corr = correlate(rec, ref, mode="full", method="fft")
    lags = np.arange(-len(ref) + 1, len(rec))
    window = np.abs(lags) <= int(max_lag_s * fs)
    if not window.any():
        raise ValueError("no lag within max_lag_s")
    best = np.argmax(np.where(window, corr, -np.inf))
    return int(lags[best])


def align(reference, recording, fs: int, max_lag_s: float = 5.0):
    """Time-aligns a recording with the reference it carries: finds the lag (``find_lag``),
    drops what precedes the common start and trims both to the same length. Returns
    ``(reference, recording)`` as float64 numpy arrays."""
    ref, rec = _as_float(reference), _as_float(recording)
    lag = find_lag(ref, rec, fs, max_lag_s)
    if lag >= 0:
        rec = rec[lag:]
    else:
        ref = ref[-lag:]
    n = min(len(ref), len(rec))
    return ref[:n], rec[:n]


def speak(text: str, fs: int = 48000):
    """`text` spoken by espeak-ng, resampled to `fs` Hz: an int16 numpy array. Raises
    FileNotFoundError when espeak-ng is not installed."""
    import os
    import shutil
    import subprocess
    import tempfile
    import wave
    from pathlib import Path

    np = _np()
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise FileNotFoundError("espeak-ng is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        # Not the caller's LD_PRELOAD (a sanitizer runtime loaded into Python for the extension
        # hangs espeak-ng), and never wait forever on it.
        env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
        subprocess.run([espeak, "-w", str(path), text], check=True, stdout=subprocess.DEVNULL, env=env,
                       timeout=120)
        with wave.open(str(path)) as w:
            if w.getnchannels() != 1 or w.getsampwidth() != 2:
                raise ValueError("espeak-ng wrote something other than mono 16-bit PCM")
            rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
    return np.clip(np.round(_resample(pcm, rate, fs)), -32768, 32767).astype("<i2")


def align_piecewise(reference, recording, fs: int, chunk_s: float = 1.0, search_ms: float = 200.0,
                    max_lag_s: float = 5.0):
    """Like ``align``, but follows a delay that changes during the recording (a jitter buffer
    that grows its delay inserts a gap; one that catches up drops a frame): the reference is
    cut into `chunk_s` pieces and each is matched within +-`search_ms` of the overall lag
    (a near-silent piece keeps the previous piece's lag). Returns ``(reference, recording)``
    of equal length, the recording re-timed to the reference. A listener does not hear such a
    shift of a few tens of milliseconds, but one global lag would score all speech after it as
    misaligned."""
    np = _np()
    from scipy.signal import correlate

    ref, rec = _as_float(reference), _as_float(recording)
    lag = find_lag(ref, rec, fs, max_lag_s)
    chunk = max(1, int(chunk_s * fs))
    search = int(search_ms * fs / 1000)
    loudness = np.sqrt(np.mean(ref ** 2)) if len(ref) else 0.0
    out = np.zeros(len(ref))
    current = lag
    for start in range(0, len(ref), chunk):
        piece = ref[start:start + chunk]
        if np.sqrt(np.mean(piece ** 2)) > 0.1 * loudness:
            lo = max(0, start + lag - search)
            hi = min(len(rec), start + lag + search + len(piece))
            if hi - lo >= len(piece):
                corr = correlate(rec[lo:hi], piece, mode="valid", method="fft")
                current = lo + int(np.argmax(corr)) - start
        begin = start + current
        got = rec[max(0, begin):max(0, begin + len(piece))]
        if begin < 0:
            got = np.concatenate([np.zeros(min(-begin, len(piece))), got])[: len(piece)]
        out[start:start + len(got)] = got
    return ref, out

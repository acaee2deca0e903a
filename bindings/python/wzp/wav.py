"""WAV files for calls, on Python's ``wave`` module: 16-bit PCM, mono, 48 kHz.

No resampling: a file at another rate is refused with a ValueError saying so (convert it
first, e.g. ``sox in.wav -r 48000 -c 1 -b 16 out.wav``). Stereo files are refused too.
"""
from __future__ import annotations

import os
import sys
import wave
from array import array
from typing import Tuple, Union

SAMPLE_RATE = 48000

PathLike = Union[str, "os.PathLike[str]"]


def read(path: PathLike) -> Tuple[int, "array[int]"]:
    """(rate, samples) of a 16-bit mono WAV file at 48 kHz."""
    with wave.open(os.fspath(path), "rb") as w:
        rate, channels, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
        if width != 2:
            raise ValueError(f"{path}: {8 * width}-bit samples; calls take 16-bit PCM")
        if channels != 1:
            raise ValueError(f"{path}: {channels} channels; calls take mono")
        if rate != SAMPLE_RATE:
            raise ValueError(f"{path}: {rate} Hz; calls take 48000 Hz (resample it first)")
        data = w.readframes(w.getnframes())
    samples = array("h")
    samples.frombytes(data)
    if sys.byteorder == "big":
        samples.byteswap()  # WAV is little-endian
    return rate, samples


def write(path: PathLike, samples: "Union[array[int], bytes]", rate: int = SAMPLE_RATE) -> None:
    """Write 16-bit mono samples (array('h') or little-endian bytes) as a WAV file."""
    if rate != SAMPLE_RATE:
        raise ValueError(f"rate {rate}: calls give 48000 Hz PCM")
    if isinstance(samples, array):
        if samples.typecode != "h":
            raise TypeError("write takes array('h') (int16)")
        data = array("h", samples)
        if sys.byteorder == "big":
            data.byteswap()
        raw = data.tobytes()
    else:
        raw = bytes(samples)
        if len(raw) % 2:
            raise ValueError("bytes of int16 samples must have an even length")
    with wave.open(os.fspath(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(raw)

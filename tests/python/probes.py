"""Small helpers the Python tests share: a test tone, its power in a recording, and polling."""
import math
import time
from array import array

FRAME = 960  # 20 ms at 48 kHz


def tone(hz, start, n=FRAME, amp=6000):
    """n samples of a sine at hz, continuing from sample `start` (48 kHz int16)."""
    return array("h", (int(amp * math.sin(2 * math.pi * hz * (start + k) / 48000)) for k in range(n)))


def power(pcm, hz):
    """The power of `pcm` at hz (Goertzel), normalised by its length."""
    w = 2 * math.pi * hz / 48000
    c = 2 * math.cos(w)
    s1 = s2 = 0.0
    for x in pcm:
        s1, s2 = x + c * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - c * s1 * s2) / max(1, len(pcm)) ** 2


def poll(predicate, timeout: float = 20.0) -> bool:
    """True as soon as predicate() is; its last answer after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()

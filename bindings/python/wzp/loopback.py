"""A loopback call: speech in, speech out, through a real relay on this machine.

``loopback_call(pcm)`` starts an in-process relay, joins two clients to one room, attaches a
``wzp.Call`` to each, sends the PCM from A in real time (20 ms frames) and records what B
hears. A bad network can be emulated on A's traffic (``loss_pct``, ``burst``, ``jitter_ms``,
``seed``: the call's impairment settings, applied to what A sends and receives). B answers
with silence, as a listening person does, so its quality reports reach A. With ``e2e``
("required" or "preferred") the media are end-to-end encrypted between A and B (each the
other's only member) and the result carries both sides' safety words and B's e2e state.

It is what the demo, the speech tests and the speech-quality benchmark share; it needs
nothing but the extension (no numpy).
"""
from __future__ import annotations

import time
from array import array
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple, Union

from .call import FRAME_SAMPLES, SAMPLE_RATE, Call

_JOIN_TIMEOUT = 10.0


@dataclass
class LoopbackResult:
    recording: "array[int]"  # what B heard (the mix), from the moment A started, 48 kHz int16
    receiver: Dict[str, Any] = field(default_factory=dict)  # B's stats (summed over its sources)
    sender: Dict[str, Any] = field(default_factory=dict)  # A's stats (its send side)
    final_profile: Dict[str, Any] = field(default_factory=dict)  # A's send profile at the end
    lead_samples: int = 0  # silence A sent before the speech: subtract from a lag to get the latency
    receiver_at_start: Dict[str, Any] = field(default_factory=dict)  # B's stats when `pcm` started
    sender_at_start: Dict[str, Any] = field(default_factory=dict)  # A's stats then
    safety_words: Optional[Tuple[str, str]] = None  # e2e: A's and B's words (equal: the same keys)
    receiver_e2e: Dict[str, Any] = field(default_factory=dict)  # e2e: B's e2e_state() at the end

    def receiver_since_start(self) -> Dict[str, Any]:
        """B's counters over `pcm` and the tail (the warm-up's subtracted; gauges as at the end)."""
        out = dict(self.receiver)
        for key, value in self.receiver_at_start.items():
            if isinstance(value, int) and key in _COUNTERS:
                out[key] = self.receiver[key] - value
        return out

    def frames_sent(self) -> int:
        """Source frames A sent from the start of `pcm` (suppressed silence is not sent)."""
        return self.sender["packets_sent"] - self.sender_at_start.get("packets_sent", 0)

    def frames_played(self) -> float:
        """The fraction of those frames that B played from their own data: received, rebuilt by
        FEC, or decoded from Opus in-band FEC; not concealed. 0.0 when A sent none."""
        sent = self.frames_sent()
        rx = self.receiver_since_start()
        return (rx["played"] + rx["fec_next"]) / sent if sent > 0 else 0.0


# Receiver stats that count (the others are gauges or identifiers).
_COUNTERS = ("received", "played", "recovered", "fec_next", "concealed", "late", "duplicate", "underruns",
             "malformed", "dropped")


def _samples(pcm: Union["array[int]", bytes]) -> "array[int]":
    out = array("h")
    if isinstance(pcm, array):
        out.extend(pcm)
    else:
        out.frombytes(bytes(pcm))
    return out


def _frames(pcm: "array[int]"):
    for start in range(0, len(pcm), FRAME_SAMPLES):
        frame = pcm[start:start + FRAME_SAMPLES]
        if len(frame) < FRAME_SAMPLES:
            frame.extend([0] * (FRAME_SAMPLES - len(frame)))
        yield frame


def loopback_call(pcm: Union["array[int]", bytes], *, profile: Union[str, Dict[str, Any]] = "good",
                  adapt: bool = False, loss_pct: float = 0.0, burst: int = 1, jitter_ms: int = 0,
                  seed: int = 1, lead_s: float = 0.5, tail_s: float = 1.5, room: str = "loopback",
                  relay: Optional[Any] = None,
                  warmup: Union["array[int]", bytes, None] = None, e2e: str = "off") -> LoopbackResult:
    """Sends `pcm` (48 kHz mono int16: array('h') or little-endian bytes) from A to B and returns
    what B recorded. `profile` is A's send profile (kept unless `adapt`); `lead_s` of silence
    go before the speech (the jitter buffer settles) and `tail_s` after it (the last frames
    arrive). `warmup` (same format), when given, is sent first and not recorded: the call
    is then already under way when `pcm` starts, as in a conversation (with `adapt`, the
    controller has had the warm-up's reports to settle on a profile); `lead_s` should then
    exceed the playout delay so that the warm-up's end stays out of the recording and out of
    the counters since the start (`receiver_since_start`, `frames_played`). Takes
    about as long as the audio (it is paced in real time)."""
    from . import Client, Identity, Relay

    speech = _samples(pcm)
    warm = _samples(warmup) if warmup is not None else array("h")
    silence = array("h", [0] * FRAME_SAMPLES)
    lead = int(lead_s * SAMPLE_RATE) // FRAME_SAMPLES
    tail = int(tail_s * SAMPLE_RATE) // FRAME_SAMPLES

    own_relay = relay is None
    relay = Relay().start() if own_relay else relay
    try:
        id_a, id_b = Identity.generate(), Identity.generate()
        members = [id_a.fingerprint_str, id_b.fingerprint_str] if e2e != "off" else None
        with Client(port=relay.port, room=room, identity=id_a) as a, \
                Client(port=relay.port, room=room, identity=id_b) as b:
            a.wait_joined(_JOIN_TIMEOUT)
            b.wait_joined(_JOIN_TIMEOUT)
            with Call(a, profile=profile, adapt=adapt, impair_loss_pct=loss_pct, impair_burst=burst,
                      impair_jitter_ms=jitter_ms, impair_seed=seed, e2e=e2e, e2e_members=members) as call_a, \
                    Call(b, profile=profile, adapt=adapt, e2e=e2e, e2e_members=members) as call_b:
                recording = array("h")
                at_start: Dict[str, Any] = {}
                sender_at_start: Dict[str, Any] = {}
                warm_frames = list(_frames(warm))
                frames = warm_frames + [silence] * lead + list(_frames(speech)) + [silence] * tail
                start = time.monotonic()
                for i, frame in enumerate(frames):
                    if i == len(warm_frames) + lead and warm_frames:
                        # As the speech starts: the warm-up has been played out and its
                        # last frames (the silence detector's hangover) sent.
                        at_start = call_b.stats()
                        sender_at_start = call_a.stats()
                    call_a.send_pcm(frame)
                    call_b.send_pcm(silence)
                    while True:  # everything B has played so far
                        got = call_b.read_pcm(None, FRAME_SAMPLES, timeout=0)
                        if got is None:
                            break
                        if i >= len(warm_frames):  # the warm-up is not part of the recording
                            recording.extend(got)
                    delay = start + (i + 1) * FRAME_SAMPLES / SAMPLE_RATE - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                words = (call_a.safety_words(), call_b.safety_words()) if e2e != "off" else None
                return LoopbackResult(recording=recording, receiver=call_b.stats(), sender=call_a.stats(),
                                      final_profile=call_a.profile, lead_samples=lead * FRAME_SAMPLES,
                                      receiver_at_start=at_start, sender_at_start=sender_at_start,
                                      safety_words=words,
                                      receiver_e2e=call_b.e2e_state() if e2e != "off" else {})
    finally:
        if own_relay:
            relay.stop()

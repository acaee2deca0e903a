"""Voice calls: 48 kHz mono int16 PCM in and out of a joined Client (numpy-free).

``call = wzp.Call(client)`` attaches a call; from then on the client's MEDIA events go to
the call (every other event still comes from ``client.next_event()``, among them
``CALL_PROFILE`` when the call changes its send profile). Send PCM with ``send_pcm`` (bytes
of little-endian int16, or ``array('h')``) paced in real time, read what each remote sender
said, or the mix, with ``read_pcm`` (an ``array('h')``; the GIL is released while it waits).
"""
from __future__ import annotations

import json
from array import array
from typing import Any, Dict, Iterable, List, Optional, Union

from . import _wzp
from ._errors import WzpError

_ERR_CLOSED = -52  # wzp.h WZP_ERR_CLOSED
FRAME_SAMPLES = 960  # one 20 ms playout period at 48 kHz
SAMPLE_RATE = 48000

PRESETS = ("good", "degraded", "catastrophic")
_CODECS = ("Opus24k", "Opus16k", "Opus6k", "Codec2_3200", "Codec2_1200")

ProfileLike = Union[str, Dict[str, Any]]


def preset(name: str) -> Dict[str, Any]:
    """A preset profile as a dict: "good", "degraded" or "catastrophic"."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}, got {name!r}")
    return _wzp._call_preset(PRESETS.index(name))


def _profile(value: ProfileLike) -> Dict[str, Any]:
    if isinstance(value, str):
        return preset(value)
    if not isinstance(value, dict):
        raise TypeError("a profile is a preset name or a dict with codec, fec_ratio, frame_ms, frames_per_block")
    missing = {"codec", "fec_ratio", "frame_ms", "frames_per_block"} - set(value)
    if missing:
        raise TypeError(f"profile lacks {', '.join(sorted(missing))}")
    if value["codec"] not in _CODECS:
        raise ValueError(f"codec must be one of {', '.join(_CODECS)}")
    return dict(value)


class Call:
    """A call on a joined ``wzp.Client`` (``with wzp.Call(client) as call:`` releases it).

    Keywords (wzp_call_config): profile (a preset name or a profile dict; default "good"),
    adapt (follow the receivers' reports), silence_suppression, silence_threshold_rms,
    jitter_min_delay_ms, jitter_max_delay_ms, caller_clock (False: the call plays out every
    20 ms on its own thread; True: each read_pcm of 960 samples is one tick), source_timeout_ms,
    and an emulated bad network on this call's datagrams both ways (tests, demos):
    impair_loss_pct, impair_burst (mean loss run; 0 or 1: independent), impair_jitter_ms, impair_seed.

    End-to-end encryption (docs/SECURITY.md): e2e ("off", "preferred" or "required") and e2e_members
    (the fingerprints allowed to receive this call's key, e.g. featherChat's member list; None:
    everyone in the room). See e2e_state(), safety_words() and set_members(); CALL_E2E events on
    the client report each member's key state.
    """

    def __init__(self, client: Any, *, profile: ProfileLike = "good", adapt: bool = True,
                 silence_suppression: bool = True, silence_threshold_rms: float = 100.0,
                 jitter_min_delay_ms: int = 40, jitter_max_delay_ms: int = 1000,
                 caller_clock: bool = False, source_timeout_ms: int = 30000, impair_loss_pct: float = 0.0,
                 impair_burst: int = 0, impair_jitter_ms: int = 0, impair_seed: int = 0,
                 e2e: str = "off", e2e_members: Optional[Iterable[str]] = None) -> None:
        handle = getattr(client, "_handle", None)
        if handle is None:
            raise TypeError("Call needs a wzp.Client")
        config: Dict[str, Any] = dict(
            profile=_profile(profile), adapt=bool(adapt), silence_suppression=bool(silence_suppression),
            silence_threshold_rms=float(silence_threshold_rms), jitter_min_delay_ms=int(jitter_min_delay_ms),
            jitter_max_delay_ms=int(jitter_max_delay_ms), caller_clock=bool(caller_clock),
            source_timeout_ms=int(source_timeout_ms), impair_loss_pct=float(impair_loss_pct),
            impair_burst=int(impair_burst), impair_jitter_ms=int(impair_jitter_ms), impair_seed=int(impair_seed),
            e2e=_e2e_policy(e2e), e2e_members=None if e2e_members is None else [str(m) for m in e2e_members])
        self._call: Optional[Any] = _wzp._Call(handle, config)

    def _native(self) -> Any:
        if self._call is None:
            raise WzpError(_ERR_CLOSED, "WZP_ERR_CLOSED", "the call is closed")
        return self._call

    def send_pcm(self, pcm: Union[bytes, bytearray, memoryview, "array[int]"]) -> None:
        """Send samples (any count; whole frames of the current profile go out now)."""
        if isinstance(pcm, array) and pcm.typecode != "h":
            raise TypeError("send_pcm takes array('h') (int16), not array(%r)" % pcm.typecode)
        self._native().send_pcm(pcm)

    def read_pcm(self, source: Optional[int] = None, samples: int = FRAME_SAMPLES,
                 timeout: Optional[float] = None) -> Optional["array[int]"]:
        """``samples`` samples (a multiple of 960) of what ``source`` said, or of the mix (None).
        Waits up to ``timeout`` seconds (None: forever, 0: poll); returns None if not enough
        audio came in time. Raises WzpError NOT_FOUND for an unknown source (internal clock)."""
        raw = self._native().read_pcm(source, int(samples), timeout)
        if raw is None:
            return None
        out = array("h")
        out.frombytes(raw)
        return out

    def sources(self) -> List[int]:
        """The remote senders heard now (trunk tags; 0 for a relay without trunking)."""
        return list(self._native().sources())

    def stats(self, source: Optional[int] = None) -> Dict[str, Any]:
        """Counters of a source, or summed over every source (None), and of the send side."""
        return dict(self._native().stats(source))

    def set_profile(self, profile: ProfileLike) -> None:
        """Force the send profile (adaptation stops until set_adaptive())."""
        self._native().set_profile(_profile(profile))

    def set_adaptive(self) -> None:
        """Let the receivers' reports choose the profile again."""
        self._native().set_adaptive()

    @property
    def profile(self) -> Dict[str, Any]:
        """The current send profile."""
        return dict(self._native().profile())

    def e2e_state(self) -> Dict[str, Any]:
        """The end-to-end state: policy, sending, safety_words, participants, frames, keys counters."""
        return dict(json.loads(self._native().e2e_state()))

    def safety_words(self) -> str:
        """Five words from the keys every member holds now: compare them by voice."""
        return str(self._native().safety_words())

    def set_members(self, members: Optional[Iterable[str]]) -> None:
        """The application's member list changed (None: everyone). A removed member that held
        this call's key makes it send under a fresh key the others get and it does not."""
        self._native().e2e_set_members(None if members is None else [str(m) for m in members])

    def close(self) -> None:
        """Detach from the client and release (idempotent)."""
        if self._call is not None:
            call, self._call = self._call, None
            call.close()

    def __enter__(self) -> "Call":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


_E2E_POLICIES = {"off": 0, "preferred": 1, "required": 2}


def _e2e_policy(value: str) -> int:
    try:
        return _E2E_POLICIES[value]
    except KeyError:
        raise ValueError("e2e must be 'off', 'preferred' or 'required', not %r" % (value,)) from None


def config_defaults() -> Dict[str, Any]:
    """The library's call config defaults (what the keywords default to)."""
    return dict(_wzp._call_config_defaults())

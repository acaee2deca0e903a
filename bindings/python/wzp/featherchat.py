"""featherChat calls: the signalling bridge and the call manager (docs/FEATHERCHAT.md).

featherChat carries a WZP call in its own ``CallSignal`` messages. A CallSignal is a dict
``{"id", "sender_fingerprint", "signal_type", "payload", "target"}`` whose ``payload`` is the
text of ``{"signal": <SignalMessage>, "relay_addr": ..., "room": <raw room name>, "call_id": ...}``;
:func:`encode_signal` / :func:`decode_signal` convert it to and from featherChat's bincode.

:class:`CallManager` runs one user's calls: hand it what featherChat delivers
(:meth:`CallManager.receive`) and send what it emits (``SEND`` events) to featherChat; it rings,
answers, times out, resolves glare, answers Busy, records missed calls and, unless told
otherwise, joins the call's relay room and starts a :class:`wzp.Call` on it.

>>> import wzp
>>> alice, bob = wzp.Identity.generate(), wzp.Identity.generate()
>>> m = wzp.featherchat.CallManager(alice, join_relay=False, manual_clock=True)
>>> call_id = m.place_call(bob.fingerprint_str, relay_addr="relay.example:4433", room="family")
>>> event = m.next_event(0)
>>> event["type"], event["target"] == bob.fingerprint_str, event["signal"]["signal_type"]
('SEND', True, 'Offer')
"""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional, Union

from . import _wzp
from .call import Call
from .featherchat_net import POLICIES

CALL_SIGNAL_VARIANT = 7  # WZP_FC_CALL_SIGNAL_VARIANT
MISSED_CALL_BYTES = 39

SignalLike = Union[Dict[str, Any], str]


def wrap_signal(signal: SignalLike, sender: str, target: str, *, relay_addr: Optional[str] = None,
                room: Optional[str] = None, call_id: Optional[str] = None,
                featherchat_tags_only: bool = False) -> Dict[str, Any]:
    """A WZP SignalMessage (dict or JSON text) wrapped as a CallSignal with a fresh message id."""
    return _wzp._fc_wrap_signal(signal, sender, target, relay_addr, room, call_id, featherchat_tags_only)


def open_signal(message: SignalLike) -> Dict[str, Any]:
    """The checked payload of a received CallSignal: {"signal", "relay_addr", "room"[, "call_id"]}.
    Raises WzpError (INVALID_ARGUMENT, JSON or MALFORMED) naming what is wrong."""
    return _wzp._fc_open_signal(message)


def encode_signal(message: SignalLike, variant: int = CALL_SIGNAL_VARIANT) -> bytes:
    """featherChat's bincode bytes of a CallSignal."""
    return _wzp._fc_signal_encode(message, variant)


def decode_signal(data: bytes, variant: int = CALL_SIGNAL_VARIANT) -> Dict[str, Any]:
    """The CallSignal of featherChat's bincode bytes."""
    return _wzp._fc_signal_decode(bytes(data), variant)


def missed_call_encode(record: Union[Dict[str, Any], str]) -> bytes:
    """The 39-byte missed-call record of its JSON form
    {"caller", "callee" (16 hex each), "time" (Unix s), "call_id" (UUID), "media": "audio"|"video"}."""
    return _wzp._fc_missed_call_encode(record)


def missed_call_decode(data: bytes) -> Dict[str, Any]:
    """The JSON form of a 39-byte missed-call record."""
    return _wzp._fc_missed_call_decode(bytes(data))


class CallManager:
    """One featherChat user's calls (wzp_fc_manager). Keywords (wzp_fc_manager_config):
    ring_timeout_ms (45000), connect_timeout_ms (20000), send_ringing (True), call_waiting
    (False), featherchat_tags_only (False), max_live_calls (8), max_history (256),
    bincode_variant (7), manual_clock (False: the system clock; True: :meth:`advance`),
    event_queue_capacity (1024), join_relay (True: join the relay room and start a call engine),
    default_relay ("host:port"), token (featherChat token for the relay), pin_cert_sha256,
    pin_relay_fingerprint, join_timeout_ms (10000); the relay of a call placed without one:
    presence (a :class:`wzp.featherchat_net.Presence`: the callee's relay is looked up there),
    relay_policy ("caller", "callee" or "default"; default "caller") and my_relay ("host:port", the
    relay this user is at), chosen as :func:`wzp.featherchat_net.choose_relay` does with
    default_relay as the relay-config default; :meth:`call`'s "relay_choice" says why. e2e ("off",
    "preferred" or "required"): each call's media are end-to-end encrypted with the peer as the only
    member (docs/SECURITY.md); :meth:`call_media` gives the call, whose ``e2e_state()`` and
    ``safety_words()`` the two users can compare.

    Events (:meth:`next_event`, :meth:`events`) are dicts with "type" (SEND, STATE, MISSED,
    IN_CALL, MEDIA), "call_id", "peer", "outgoing", "state", "previous_state", "end",
    "ended_here", "relay_addr", "room", "detail", "time_ms"; SEND adds "target", "signal" (the
    CallSignal dict) and "bincode"; MISSED adds "record" and "missed_call" (39 bytes); IN_CALL adds
    "signal" (the SignalMessage dict).
    """

    def __init__(self, identity: Any, **config: Any) -> None:
        if "relay_policy" in config:
            if config["relay_policy"] not in POLICIES:
                raise ValueError(f"unknown relay_policy {config['relay_policy']!r} (caller, callee or default)")
            config["relay_policy"] = POLICIES[config["relay_policy"]]
        if config.get("presence") is not None:
            config["presence"] = config["presence"]._handle
        if "e2e" in config:
            from .call import _e2e_policy
            config["e2e"] = _e2e_policy(config["e2e"])
        self._handle = _wzp._FcManager(identity, config)

    def place_call(self, peer: str, relay_addr: Optional[str] = None, room: Optional[str] = None) -> str:
        """Call peer (a fingerprint); returns the call id. The room defaults to the call id; the relay
        to the one chosen (see the class) or default_relay."""
        return self._handle.place_call(peer, relay_addr, room)

    def accept(self, call_id: str) -> None:
        """Answer a ringing incoming call."""
        self._handle.accept(call_id)

    def reject(self, call_id: str) -> None:
        """Decline a ringing incoming call."""
        self._handle.reject(call_id)

    def hangup(self, call_id: str) -> None:
        """End a live call (cancel, reject or hang up, as fits its state)."""
        self._handle.hangup(call_id)

    def receive(self, message: Union[Dict[str, Any], str, bytes]) -> None:
        """A CallSignal featherChat delivered: a dict, its JSON text, or featherChat's bincode bytes."""
        self._handle.receive(message)

    def media_connected(self, call_id: str) -> None:
        """join_relay=False: the application joined the call's room."""
        self._handle.media_connected(call_id)

    def media_failed(self, call_id: str, why: Optional[str] = None) -> None:
        """join_relay=False: the application could not join the call's room."""
        self._handle.media_failed(call_id, why)

    def advance(self, now_ms: int) -> None:
        """manual_clock=True: set the clock (Unix ms) and run the timeouts due."""
        self._handle.advance(int(now_ms))

    def call(self, call_id: str) -> Dict[str, Any]:
        """The call's record (live or in the history)."""
        return self._handle.call(call_id)

    def live_calls(self) -> List[Dict[str, Any]]:
        return self._handle.live_calls()

    def history(self) -> List[Dict[str, Any]]:
        """Ended calls, oldest first."""
        return self._handle.history()

    def stats(self) -> Dict[str, int]:
        return self._handle.stats()

    def next_event(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The next event, waiting up to timeout seconds (None: forever, 0: poll); None on timeout."""
        return self._handle.next_event(timeout)

    def events(self, timeout: float = 0) -> Iterator[Dict[str, Any]]:
        """The events queued now (or arriving within timeout seconds of each other)."""
        while True:
            event = self.next_event(timeout)
            if event is None:
                return
            yield event

    def event_fd(self) -> int:
        """A descriptor readable while events are queued."""
        return self._handle.event_fd()

    def media(self, call_id: str) -> Call:
        """The call engine of an ACTIVE call (join_relay=True): send_pcm / read_pcm / stats.
        Valid until :meth:`release_media`; after the call ends, its calls raise CLOSED."""
        call = Call.__new__(Call)
        call._call = self._handle.media(call_id)
        return call

    def release_media(self, call_id: str) -> None:
        """Release an ended call's media (no thread may be using its Call any more)."""
        self._handle.release_media(call_id)

    def close(self) -> None:
        """Hang up every call's media and free the manager (idempotent); later calls raise
        WzpError (CLOSED), and so do the :class:`wzp.Call` objects :meth:`media` gave."""
        self._handle.close()

    def __enter__(self) -> "CallManager":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

"""Relays and clients: real QUIC on real sockets, driven from Python.

Both run on their own native event-loop thread; every blocking call here releases
the GIL. Events can be read with ``next_event(timeout)`` or ``for event in
source.events()`` from threads, and from asyncio with ``await next_event_async()`` or
``async for event in source.events()``: one dispatcher per handle and loop reads the
native event fd (``loop.add_reader``), so no thread is blocked and concurrent awaiters
each get their own events. ``async with`` starts a relay or connects a client without
blocking the loop.
"""
from __future__ import annotations

import asyncio
import enum
import json
import os
import time
from dataclasses import dataclass
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from . import _dispatch, _wzp
from ._errors import WzpError
from ._wzp import Identity

PathLike = Union[str, "os.PathLike[str]"]


class EventType(str, enum.Enum):
    """The type of an Event. A str, so ``event.type == "JOINED"`` holds."""

    NONE = "NONE"
    STATE = "STATE"
    JOINED = "JOINED"
    LEFT = "LEFT"
    REJECTED = "REJECTED"
    MEDIA = "MEDIA"
    SIGNAL = "SIGNAL"
    CLOSED = "CLOSED"
    PEER_JOINED = "PEER_JOINED"
    PEER_LEFT = "PEER_LEFT"
    PEER_SIGNAL = "PEER_SIGNAL"
    PRESENCE = "PRESENCE"
    CALL_PROFILE = "CALL_PROFILE"
    CALL_E2E = "CALL_E2E"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Event:
    """One event of a relay or a client.

    type: an EventType (STATE, JOINED, LEFT, REJECTED, MEDIA, SIGNAL, CLOSED, PEER_JOINED,
    PEER_LEFT, PEER_SIGNAL). A client's STATE events are its intermediate states (CONNECTING,
    AUTHENTICATING, HANDSHAKING); joining is one JOINED event (room: the SNI, fingerprint: the
    relay's) and the end one CLOSED event. The PEER_* events come to a client with the room
    extension (fingerprint and alias: the member, the sender for PEER_SIGNAL; data: its payload).
    For LEFT/REJECTED/CLOSED/PEER_LEFT, close_code (int), close_code_name
    (e.g. "WZP_CLOSE_ACL_DENIED"), close_origin ("peer", "local", "idle", "transport") and
    close_reason (words) say why. A relay's PRESENCE events say that a user (fingerprint) came
    online (online True) or went offline, here (relay_addr None; room: its room) or at the mesh
    peer whose client-facing address is relay_addr. source: a MEDIA event's sender (its trunk
    tag from a trunking relay, else 0); a CALL_PROFILE event's reporter (-1: forced). A client
    with a wzp.Call attached gets CALL_PROFILE events (call_profile: the new send profile, a
    dict; data: the QualityUpdate JSON) and no MEDIA events (the call takes them). An end-to-end
    encrypted call adds CALL_E2E events: e2e_state ("no_key", "ok", "missing_key",
    "decrypt_failed", "clear", "unauthorised") of the member named by fingerprint, or with
    fingerprint None the call's own (media went "clear" or back to "ok"); data: why, in words.
    """

    type: EventType
    connection_id: int = 0
    state: str = "IDLE"
    room: Optional[str] = None
    fingerprint: Optional[str] = None
    data: bytes = b""
    close_code: Optional[int] = None
    close_code_name: Optional[str] = None
    close_origin: Optional[str] = None
    close_reason: Optional[str] = None
    alias: Optional[str] = None
    online: Optional[bool] = None
    relay_addr: Optional[str] = None
    source: Optional[int] = None
    call_profile: Optional[Dict[str, Any]] = None
    e2e_state: Optional[str] = None

    @property
    def text(self) -> str:
        """data decoded as UTF-8 (SIGNAL events carry JSON)."""
        return self.data.decode("utf-8", "replace")


@dataclass(frozen=True)
class CloseInfo:
    """How a client's connection ended (Client.last_close()).

    code: the close code (a WZP_CLOSE_* value, or a QUIC transport error code); code_name: e.g.
    "WZP_CLOSE_ROOM_FULL"; origin: "peer", "local", "idle" or "transport"; reason: why, in words.
    """

    code: int
    code_name: str
    origin: str
    reason: str


def _event(raw: Optional[Dict[str, Any]]) -> Optional[Event]:
    if raw is None:
        return None
    try:
        raw["type"] = EventType(raw["type"])
    except ValueError:
        pass  # a type newer than this module: keep its name
    return Event(**raw)


def _closed_error(dispatcher: _dispatch.Dispatcher) -> WzpError:
    error = dispatcher.closed_error
    assert error is not None
    return type(error)(error.code, error.name, error.message)


class EventStream:
    """The events of a relay or a client, for ``for`` and for ``async for``.

    Iteration ends, without an exception, once the handle is closed and every event (the
    CLOSED one included) has been delivered, or when one wait of `timeout` seconds passes
    without an event (timeout None: wait as long as it takes)."""

    def __init__(self, source: "_EventSource", timeout: Optional[float]) -> None:
        self._source = source
        self._timeout = timeout

    def __iter__(self) -> Iterator[Event]:
        while True:
            try:
                event = self._source.next_event(self._timeout)
            except WzpError as error:
                if error.name == "WZP_ERR_CLOSED":
                    return
                raise
            if event is None:
                return
            yield event

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._async_events()

    async def _async_events(self) -> AsyncIterator[Event]:
        dispatcher = self._source._dispatcher()
        while True:
            event = await _dispatch.next_event(dispatcher, self._timeout)
            if event is None or event is _dispatch.END:
                return
            yield event


class _EventSource:
    _handle: Any
    _dispatchers: _dispatch.Dispatchers

    def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, waiting up to timeout seconds (None: forever, 0: poll).
        Returns None on timeout; raises WzpError(WZP_ERR_CLOSED) once closed and drained."""
        pulled = self._dispatchers.take_pending()  # pulled by an asyncio loop, not handed out
        if pulled is not None:
            return pulled
        return _event(self._handle.next_event(timeout))

    def events(self, timeout: Optional[float] = None) -> EventStream:
        """The events, for ``for`` or ``async for``: ends cleanly once the handle is closed and
        drained, or when one wait of `timeout` seconds passes without any (None: no limit)."""
        return EventStream(self, timeout)

    def event_fd(self) -> int:
        """A file descriptor readable while events are queued (do not read or close it)."""
        return self._handle.event_fd()

    def _dispatcher(self) -> _dispatch.Dispatcher:
        return self._dispatchers.get(lambda: _event(self._handle.next_event(0)), self.event_fd())

    async def next_event_async(self, timeout: Optional[float] = None) -> Optional[Event]:
        """Await the next event without blocking the asyncio loop; None after timeout seconds.
        Concurrent awaiters each get a different event, in the order they started waiting.
        Raises WzpError(WZP_ERR_CLOSED) once closed and drained, as next_event does."""
        dispatcher = self._dispatcher()
        event = await _dispatch.next_event(dispatcher, timeout)
        if event is _dispatch.END:
            raise _closed_error(dispatcher)
        return event

    def wait_for(self, type: str, timeout: float = 5.0, **fields: Any) -> Event:
        """Consume events until one of `type` (and matching `fields`) arrives; raise TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {type} event within {timeout} s")
            event = self.next_event(left)
            if event is None:
                continue
            if event.type == type and all(getattr(event, k) == v for k, v in fields.items()):
                return event


# -- keyword checks: a wrong type names the field --------------------------------------------

_UINT32_MAX = 0xFFFFFFFF
_ERR_TIMEOUT = -6  # WZP_ERR_TIMEOUT


def _check(owner: str, name: str, value: Any, kinds: Tuple[type, ...], what: str) -> None:
    if isinstance(value, bool) and bool not in kinds:
        ok = False
    else:
        ok = isinstance(value, kinds)
    if not ok:
        raise TypeError(f"{owner}() argument '{name}' must be {what}, not {type(value).__name__}")


def _uint(owner: str, name: str, value: Any, maximum: int = _UINT32_MAX) -> int:
    _check(owner, name, value, (int,), "int")
    if not 0 <= value <= maximum:
        raise ValueError(f"{owner}() argument '{name}' must be in 0..{maximum}, got {value}")
    return value


def _flag(owner: str, name: str, value: Any) -> bool:
    _check(owner, name, value, (bool, int), "bool")
    return bool(value)


def _text(owner: str, name: str, value: Any, path: bool = False) -> Optional[str]:
    if value is None:
        return None
    if path and isinstance(value, os.PathLike):
        value = os.fspath(value)
    _check(owner, name, value, (str,), "str or os.PathLike" if path else "str")
    return value


def _texts(owner: str, name: str, value: Any) -> List[str]:
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{owner}() argument '{name}' must be a sequence of str, not {type(value).__name__}")
    _check(owner, name, value, (list, tuple), "a list or tuple of str")
    for item in value:
        _check(owner, name, item, (str,), "a list or tuple of str")
    return list(value)


def _blob(owner: str, name: str, value: Any) -> Optional[bytes]:
    if value is None:
        return None
    _check(owner, name, value, (bytes, bytearray, memoryview), "bytes")
    return bytes(value)


def _identity(owner: str, value: Any) -> Optional[Identity]:
    if value is not None:
        _check(owner, "identity", value, (Identity,), "wzp.Identity")
    return value


class Relay(_EventSource):
    """An in-process WZP relay (SFU). Use it as a context manager, with or without async::

        with wzp.Relay(port=0) as relay:
            print(relay.address, relay.fingerprint)

        async with wzp.Relay() as relay:
            ...

    The keyword arguments are the fields of wzp_relay_config (defaults as in wzp.h, except
    host "127.0.0.1" and port 0, which picks a free port): identity (or identity_file, a
    seed file created when absent), cert_file/key_file (PEM; default self-signed),
    auth_url (featherChat token check), auth_timeout_ms, allow_identity_mismatch,
    max_sessions, max_room_size (0: unlimited), phase_timeout_ms, idle_timeout_ms,
    acl_enabled, acl_file, acl_default_deny (a room without entries admits nobody; turns the ACL on),
    event_queue_capacity, require_session_v2 (refuse clients that do not agree to the v2
    media session), sender_datagrams_per_s, sender_burst_datagrams, sender_bytes_per_s
    (per-sender rate policing; 0 = no limit), max_handshakes (0: automatic),
    handshake_timeout_ms, auth_max_pending, auth_max_pending_per_address (admission under
    load); the mesh (docs/MESH.md): probe_targets ("[wzp:|ref:]IP:PORT" each), advertise (this
    relay's client-facing "IP:PORT"), mesh_peers (relay fingerprints whose presence is
    accepted), mesh_open (also accept unauthenticated relays' presence), presence_ttl_s;
    presence_redis ("redis://HOST:PORT[/DB]": share presence with the relays using the
    same Redis); the HTTP API: metrics_port (None, the default, for none; 0 for a free port,
    see http_port), metrics_bind (default "127.0.0.1"), http_token (a bearer token required
    on /presence and /peers), http_admin_token (the bearer token of the access-list routes, /acl...;
    without it they answer 403); trunking (batch media into TrunkFrames for clients that accept
    them); trusted_bridges (fingerprints of web bridges whose sessions may carry their users'
    tokens; counted in stats()["bridged_sessions"]); threads (event loops, each with its own
    SO_REUSEPORT socket; rooms span them; 0: one per core; default 1). An unknown keyword or a wrong type raises TypeError naming it;
    a value out of range raises ValueError.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, identity: Optional[Identity] = None,
                 identity_file: Optional[PathLike] = None, cert_file: Optional[PathLike] = None,
                 key_file: Optional[PathLike] = None, auth_url: Optional[str] = None,
                 auth_timeout_ms: int = 5000, allow_identity_mismatch: bool = False,
                 max_sessions: int = 100, max_room_size: int = 0, phase_timeout_ms: int = 10000,
                 idle_timeout_ms: int = 30000, acl_enabled: bool = False, acl_file: Optional[PathLike] = None,
                 acl_default_deny: bool = False, event_queue_capacity: int = 1024,
                 require_session_v2: bool = False, sender_datagrams_per_s: int = 200,
                 sender_burst_datagrams: int = 100, sender_bytes_per_s: int = 262144, max_handshakes: int = 0,
                 handshake_timeout_ms: int = 3000, auth_max_pending: int = 256,
                 auth_max_pending_per_address: int = 4, probe_targets: Sequence[str] = (),
                 advertise: Optional[str] = None, mesh_peers: Sequence[str] = (), mesh_open: bool = False,
                 presence_ttl_s: int = 30, presence_redis: Optional[str] = None,
                 metrics_port: Optional[int] = None,
                 metrics_bind: str = "127.0.0.1", http_token: Optional[str] = None,
                 trunking: bool = False, http_admin_token: Optional[str] = None,
                 trusted_bridges: Sequence[str] = (), threads: int = 1) -> None:
        o = "Relay"
        config: Dict[str, Any] = dict(
            host=_text(o, "host", host), port=_uint(o, "port", port, 0xFFFF), identity=_identity(o, identity),
            identity_file=_text(o, "identity_file", identity_file, path=True),
            cert_file=_text(o, "cert_file", cert_file, path=True),
            key_file=_text(o, "key_file", key_file, path=True), auth_url=_text(o, "auth_url", auth_url),
            auth_timeout_ms=_uint(o, "auth_timeout_ms", auth_timeout_ms),
            allow_identity_mismatch=_flag(o, "allow_identity_mismatch", allow_identity_mismatch),
            max_sessions=_uint(o, "max_sessions", max_sessions),
            max_room_size=_uint(o, "max_room_size", max_room_size),
            phase_timeout_ms=_uint(o, "phase_timeout_ms", phase_timeout_ms),
            idle_timeout_ms=_uint(o, "idle_timeout_ms", idle_timeout_ms),
            acl_enabled=_flag(o, "acl_enabled", acl_enabled), acl_file=_text(o, "acl_file", acl_file, path=True),
            event_queue_capacity=_uint(o, "event_queue_capacity", event_queue_capacity, 2**63 - 1),
            require_session_v2=_flag(o, "require_session_v2", require_session_v2),
            sender_datagrams_per_s=_uint(o, "sender_datagrams_per_s", sender_datagrams_per_s),
            sender_burst_datagrams=_uint(o, "sender_burst_datagrams", sender_burst_datagrams),
            sender_bytes_per_s=_uint(o, "sender_bytes_per_s", sender_bytes_per_s),
            max_handshakes=_uint(o, "max_handshakes", max_handshakes),
            handshake_timeout_ms=_uint(o, "handshake_timeout_ms", handshake_timeout_ms),
            auth_max_pending=_uint(o, "auth_max_pending", auth_max_pending),
            auth_max_pending_per_address=_uint(o, "auth_max_pending_per_address", auth_max_pending_per_address),
        )
        config["acl_default_deny"] = _flag(o, "acl_default_deny", acl_default_deny)
        config["probe_targets"] = _texts(o, "probe_targets", probe_targets)
        config["advertise"] = _text(o, "advertise", advertise)
        config["mesh_peers"] = _texts(o, "mesh_peers", mesh_peers)
        config["mesh_open"] = _flag(o, "mesh_open", mesh_open)
        config["presence_ttl_s"] = _uint(o, "presence_ttl_s", presence_ttl_s)
        config["presence_redis"] = _text(o, "presence_redis", presence_redis)
        config["metrics_port"] = None if metrics_port is None else _uint(o, "metrics_port", metrics_port, 0xFFFF)
        config["metrics_bind"] = _text(o, "metrics_bind", metrics_bind)
        config["http_token"] = _text(o, "http_token", http_token)
        config["trunking"] = _flag(o, "trunking", trunking)
        config["http_admin_token"] = _text(o, "http_admin_token", http_admin_token)
        config["trusted_bridges"] = _texts(o, "trusted_bridges", trusted_bridges)
        config["threads"] = _uint(o, "threads", threads, 64)
        self._dispatchers = _dispatch.Dispatchers()
        self._handle = _wzp._Relay(config)
        self._started = False

    def start(self) -> "Relay":
        """Bind and start serving. Raises WzpError (WZP_ERR_IO when the port is taken)."""
        self._handle.start()
        self._started = True
        return self

    def stop(self) -> None:
        """Close every connection (WZP_CLOSE_SHUTDOWN) and stop. Idempotent."""
        self._handle.stop()

    def __enter__(self) -> "Relay":
        return self.start() if not self._started else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    async def start_async(self) -> "Relay":
        """start() on an executor thread, so the asyncio loop goes on meanwhile."""
        await asyncio.get_running_loop().run_in_executor(None, self.start)
        return self

    async def stop_async(self) -> None:
        """stop() on an executor thread (it waits for the relay's loop thread to finish)."""
        await asyncio.get_running_loop().run_in_executor(None, self.stop)

    async def __aenter__(self) -> "Relay":
        return await self.start_async() if not self._started else self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop_async()

    @property
    def port(self) -> int:
        return self._handle.port

    @property
    def address(self) -> str:
        """The address the socket is bound to, "ip:port" or "[v6]:port" (e.g. "0.0.0.0:4433")."""
        return self._handle.address

    @property
    def fingerprint(self) -> str:
        """The relay identity's fingerprint ("xxxx:...")."""
        return self._handle.fingerprint

    @property
    def cert_sha256(self) -> bytes:
        """SHA-256 of the relay's TLS certificate, for clients that pin it."""
        return self._handle.cert_sha256

    def stats(self) -> Dict[str, int]:
        return self._handle.stats()

    def rooms(self) -> List[Dict[str, Any]]:
        """[{"room": name, "participants": [{"id", "connection", "fingerprint", "token_fingerprint", "remote",
        "media_session"}]}] (media_session: "v2" or "reference")"""
        return json.loads(self._handle.rooms_json())

    def lookup(self, fingerprint: str) -> Dict[str, Any]:
        """Where a user is: {"fingerprint": fp, "location": "Local" | {"Remote": "ip:port"} | None}
        (the client-facing address of the relay it is connected to; None: unknown)."""
        return json.loads(self._handle.lookup_json(fingerprint))

    def presence(self) -> List[Dict[str, Any]]:
        """Every user known: [{"fingerprint", "location"}], this relay's first."""
        return json.loads(self._handle.presence_json())

    def peers(self) -> List[Dict[str, Any]]:
        """One record per peer relay that reported presence: [{"addr", "fingerprints", "rtt_ms"}]."""
        return json.loads(self._handle.peers_json())

    def mesh(self) -> List[Dict[str, Any]]:
        """Mesh health, one entry per probe target: [{"target", "kind", "up", "rtt_ms", "loss_pct",
        "jitter_ms", "pings_sent", "pongs_received", "peer_fingerprint"}]."""
        return json.loads(self._handle.mesh_json())

    def metrics(self) -> str:
        """The relay's metrics in the Prometheus text format, as GET /metrics serves them."""
        return self._handle.metrics()

    @property
    def http_port(self) -> int:
        """The HTTP API's port (WzpError WZP_ERR_INVALID_STATE when there is none)."""
        return self._handle.http_port

    def acl_set_enabled(self, enabled: bool) -> None:
        """Turn the access list on or off (entries are kept either way). See wzp.h for the rules."""
        self._handle.acl_set_enabled(enabled)

    def acl_set_default_deny(self, deny: bool) -> None:
        """True: a room without entries admits nobody; False: everyone (does not turn the ACL on)."""
        self._handle.acl_set_default_deny(deny)

    def acl_allow(self, room: str, fingerprint: str) -> None:
        """Admit fingerprint to room: a room hash (32 hex digits) or "sni:NAME" for clients with
        raw_room. The fingerprint checked is the token's with auth_url, else the handshake
        identity's. A plain room name or a malformed fingerprint raises WzpError
        (WZP_ERR_INVALID_ARGUMENT); see acl_allow_room_name."""
        self._handle.acl_allow(room, fingerprint)

    def acl_revoke(self, room: str, fingerprint: str) -> None:
        """Remove one entry; the room stays listed (revoking its last entry admits nobody)."""
        self._handle.acl_revoke(room, fingerprint)

    def acl_allow_room_name(self, room_name: str, fingerprint: str) -> None:
        """acl_allow for a plain room name, hashed as clients hash it."""
        self._handle.acl_allow_room_name(room_name, fingerprint)

    def acl_revoke_room_name(self, room_name: str, fingerprint: str) -> None:
        """acl_revoke for a plain room name."""
        self._handle.acl_revoke_room_name(room_name, fingerprint)

    def acl_clear_room(self, room: str) -> None:
        """Forget the room's entries: it follows the default again."""
        self._handle.acl_clear_room(room)

    def acl_load_file(self, path: str) -> None:
        """Replace every entry from a file of "ROOM FINGERPRINT..." lines (validated, with the line
        number in the error)."""
        self._handle.acl_load_file(path)

    def acl_json(self) -> Dict[str, Any]:
        """The access list: {"enabled": bool, "default_deny": bool, "rooms": {room: [fingerprint, ...]}}
        (what GET /acl answers). Every change disconnects, with WZP_CLOSE_ACL_DENIED, the members
        already in a room that the list no longer admits (counted in stats()["acl_evicted"])."""
        return json.loads(self._handle.acl_json())


class Loop:
    """An event loop (one thread) that many :class:`Client` objects share instead of a thread
    each (wzp_loop): ``loop = wzp.Loop(); wzp.Client(port=..., loop=loop)``. A client keeps its
    loop alive; the loop's thread ends when the last of them and this object are gone."""

    def __init__(self) -> None:
        self._handle = _wzp._Loop()

    @property
    def client_count(self) -> int:
        """The clients on the loop now."""
        return int(self._handle.client_count)


class Client(_EventSource):
    """A client in a relay room. ``with wzp.Client(port=relay.port, room="general") as c:``
    connects and waits until joined, raising the WzpError subclass of the refusal if refused
    (see wait_joined); ``async with`` does the same without blocking the asyncio loop. Leaving
    the block hangs up.

    The keyword arguments are the fields of wzp_client_config (defaults as in wzp.h, except
    host "127.0.0.1"): host (an IP address or a host name, resolved in the background, each of
    its IPv4 and IPv6 addresses tried), port (required), room (None: "default"), raw_room (send
    room as the SNI unhashed), token (featherChat), identity (None: a random one), session_mode
    ("v2" or "reference"), require_session_v2 (refuse a relay that does not agree to v2),
    pin_cert_sha256 (32 bytes), pin_relay_fingerprint (16 bytes), handshake_timeout_ms,
    idle_timeout_ms, event_queue_capacity, accept_trunking (offer to receive TrunkFrames from
    a trunking relay; each packet still arrives as its own MEDIA event), loop (a :class:`Loop` to
    run on, shared with other clients; None: a loop thread of its own). An unknown keyword or a wrong type raises
    TypeError naming it; a value out of range raises ValueError.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int, room: Optional[str] = None,
                 raw_room: bool = False, token: Optional[str] = None, identity: Optional[Identity] = None,
                 session_mode: str = "v2", require_session_v2: bool = False,
                 pin_cert_sha256: Optional[bytes] = None, pin_relay_fingerprint: Optional[bytes] = None,
                 handshake_timeout_ms: int = 10000, idle_timeout_ms: int = 30000,
                 event_queue_capacity: int = 1024, accept_trunking: bool = True,
                 loop: Optional[Loop] = None) -> None:
        o = "Client"
        if loop is not None and not isinstance(loop, Loop):
            raise TypeError(f"Client: loop must be a wzp.Loop, not {type(loop).__name__}")
        _check(o, "session_mode", session_mode, (str,), "'v2' or 'reference'")
        config: Dict[str, Any] = dict(
            host=_text(o, "host", host), port=_uint(o, "port", port, 0xFFFF), room=_text(o, "room", room),
            raw_room=_flag(o, "raw_room", raw_room), token=_text(o, "token", token),
            identity=_identity(o, identity), session_mode=session_mode,
            require_session_v2=_flag(o, "require_session_v2", require_session_v2),
            pin_cert_sha256=_blob(o, "pin_cert_sha256", pin_cert_sha256),
            pin_relay_fingerprint=_blob(o, "pin_relay_fingerprint", pin_relay_fingerprint),
            handshake_timeout_ms=_uint(o, "handshake_timeout_ms", handshake_timeout_ms),
            idle_timeout_ms=_uint(o, "idle_timeout_ms", idle_timeout_ms),
            event_queue_capacity=_uint(o, "event_queue_capacity", event_queue_capacity, 2**63 - 1),
            accept_trunking=_flag(o, "accept_trunking", accept_trunking),
            loop=loop._handle if loop is not None else None,
        )
        self._dispatchers = _dispatch.Dispatchers()
        self._handle = _wzp._Client(config)

    def connect(self, timeout: Optional[float] = None) -> "Client":
        """Start connecting; with a timeout, also wait until joined (see wait_joined).
        A client connects once: a closed client (hung up, refused, disconnected) raises
        WzpError(WZP_ERR_INVALID_STATE); create a new one."""
        self._handle.connect()
        if timeout is not None:
            self.wait_joined(timeout)
        return self

    def wait_joined(self, timeout: Optional[float] = None) -> None:
        """Block until joined.

        If the client closed instead, raises the error of its close, with ``close_code`` and
        ``close_origin`` set: AuthRejectedError, AuthUnavailableError, AclDeniedError,
        RoomFullError, ServerFullError, HandshakeFailedError for the relay's refusals,
        ConnectTimeoutError when the relay could not be reached (nothing answered, or the host
        name did not resolve; the message names the address), else WzpError (e.g.
        WZP_ERR_TIMEOUT for a relay that missed a phase deadline, WZP_ERR_CLOSED for a normal
        close). If only this wait timed out: WzpError WZP_ERR_TIMEOUT with close_code None
        (WZP_ERR_WOULD_BLOCK for a zero timeout: not joined yet).
        """
        self._handle.wait_joined(timeout)

    async def connect_async(self, timeout: Optional[float] = 30.0) -> "Client":
        """Start connecting and await joining without blocking the loop (see joined)."""
        self._handle.connect()  # returns at once: the handshake runs on the client's thread
        await self.joined(timeout)
        return self

    async def joined(self, timeout: Optional[float] = None) -> None:
        """Await joining (None: no time limit). Does not consume events: the JOINED event stays
        queued. Raises WzpError as wait_joined does (the refusal's error, with the relay's
        reason) or WZP_ERR_TIMEOUT after timeout seconds."""
        if self.state not in ("JOINED", "CLOSED"):
            watch = self._dispatcher().watch(lambda e: e.type in (EventType.JOINED, EventType.CLOSED))
            try:
                await asyncio.wait_for(asyncio.shield(watch), timeout)
            except asyncio.TimeoutError:
                if self.state not in ("JOINED", "CLOSED"):
                    raise WzpError(_ERR_TIMEOUT, "WZP_ERR_TIMEOUT",
                                   f"not joined within {timeout} s (state {self.state})") from None
            finally:
                watch.cancel()
        # Joined or closed: wait_joined answers at once, or raises the refusal's error.
        self._handle.wait_joined(10.0)

    async def __aenter__(self) -> "Client":
        return await self.connect_async()

    async def __aexit__(self, *exc: Any) -> None:
        self.hangup()

    def last_close(self) -> Optional[CloseInfo]:
        """How the connection ended, once closed (None before)."""
        raw = self._handle.last_close()
        return None if raw is None else CloseInfo(**raw)

    def __enter__(self) -> "Client":
        return self.connect(timeout=30.0)

    def __exit__(self, *exc: Any) -> None:
        self.hangup()

    @property
    def state(self) -> str:
        """IDLE, CONNECTING, AUTHENTICATING, HANDSHAKING, JOINED or CLOSED."""
        return self._handle.state

    @property
    def sni(self) -> str:
        return self._handle.sni

    @property
    def relay_fingerprint(self) -> Optional[str]:
        return self._handle.relay_fingerprint

    @property
    def media_session(self) -> Optional[str]:
        """The media session the handshake chose once joined ("v2" or "reference"), else None."""
        return self._handle.media_session

    def send_media(self, datagram: bytes) -> None:
        """Send one media datagram (a media packet, see build_media_packet). Raises WzpError
        (WZP_ERR_MALFORMED, WZP_ERR_INVALID_STATE, WZP_ERR_TOO_LARGE, WZP_ERR_CLOSED).

        Not end-to-end encrypted: the bytes cross the relay as given; QUIC protects each hop
        only, and the handshake's session is with the relay, not the peers. Encrypt the
        payload yourself if the relay must not read it."""
        self._handle.send_media(datagram)

    def send_signal(self, message: str) -> None:
        """Send one SignalMessage (JSON text)."""
        self._handle.send_signal(message)

    def hangup(self, reason: str = "Normal") -> None:
        """Send Hangup and close. Idempotent, and never raises for a connection already closed.
        Before connect it closes the client (a CLOSED event, WZP_CLOSE_NORMAL, origin "local"),
        and connect then raises."""
        self._handle.hangup(reason)

    def peers(self) -> List[Dict[str, Optional[str]]]:
        """The other members of the room, in join order: [{"fingerprint": "xxxx:...", "alias": None}].
        Raises WzpError (WZP_ERR_INVALID_STATE) when not joined or the relay did not agree to the
        room extension (a reference relay, or session_mode="reference")."""
        return json.loads(self._handle.peers_json())

    def send_peer_signal(self, data: bytes, to: Optional[str] = None) -> None:
        """Send data (at most MAX_PEER_SIGNAL_BYTES, 8192) through the relay to the member whose fingerprint is `to`,
        or to every other member when None; they get a PEER_SIGNAL event. Raises WzpError:
        WZP_ERR_TOO_LARGE, WZP_ERR_NOT_FOUND (no such member), WZP_ERR_INVALID_STATE, WZP_ERR_CLOSED."""
        self._handle.send_peer_signal(data, to)

    def stats(self) -> Dict[str, int]:
        return self._handle.stats()

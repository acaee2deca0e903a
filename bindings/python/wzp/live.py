"""Relays and clients: real QUIC on real sockets, driven from Python.

Both run on their own native event-loop thread; every blocking call here releases
the GIL. Events can be read three ways: ``next_event(timeout)``, iterating
``events(timeout)``, or awaiting ``next_event_async()`` from asyncio (it waits on
the native event fd with ``loop.add_reader``, so no thread is blocked).
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional

from . import _wzp
from ._errors import WzpError
from ._wzp import Identity


@dataclass(frozen=True)
class Event:
    """One event of a relay or a client.

    type: "STATE", "JOINED", "LEFT", "REJECTED", "MEDIA", "SIGNAL" or "CLOSED".
    A client's STATE events are its intermediate states (CONNECTING, AUTHENTICATING,
    HANDSHAKING); joining is one JOINED event (room: the SNI, fingerprint: the relay's)
    and the end one CLOSED event. For LEFT/REJECTED/CLOSED, close_code (int), close_code_name (e.g.
    "WZP_CLOSE_ACL_DENIED"), close_origin ("peer", "local", "idle", "transport")
    and close_reason (words) say why.
    """

    type: str
    connection_id: int = 0
    state: str = "IDLE"
    room: Optional[str] = None
    fingerprint: Optional[str] = None
    data: bytes = b""
    close_code: Optional[int] = None
    close_code_name: Optional[str] = None
    close_origin: Optional[str] = None
    close_reason: Optional[str] = None

    @property
    def text(self) -> str:
        """data decoded as UTF-8 (SIGNAL events carry JSON)."""
        return self.data.decode("utf-8", "replace")


def _event(raw: Optional[Dict[str, Any]]) -> Optional[Event]:
    return None if raw is None else Event(**raw)


class _EventSource:
    _handle: Any

    def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event, waiting up to timeout seconds (None: forever, 0: poll).
        Returns None on timeout; raises WzpError(WZP_ERR_CLOSED) once closed and drained."""
        return _event(self._handle.next_event(timeout))

    def events(self, timeout: Optional[float] = None) -> Iterator[Event]:
        """Yield events until one wait of `timeout` seconds passes without any, or the handle closes."""
        while True:
            try:
                event = self.next_event(timeout)
            except WzpError as error:
                if error.name == "WZP_ERR_CLOSED":
                    return
                raise
            if event is None:
                return
            yield event

    def event_fd(self) -> int:
        """A file descriptor readable while events are queued (do not read or close it)."""
        return self._handle.event_fd()

    async def next_event_async(self, timeout: Optional[float] = None) -> Optional[Event]:
        """Await the next event without blocking the asyncio loop."""
        event = self.next_event(0)
        if event is not None:
            return event
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = self.event_fd()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await asyncio.wait_for(ready, timeout)
        except asyncio.TimeoutError:
            return None
        finally:
            loop.remove_reader(fd)
        return self.next_event(0)

    def wait_for(self, type: str, timeout: float = 5.0, **fields: Any) -> Event:
        """Consume events until one of `type` (and matching `fields`) arrives; raise TimeoutError otherwise."""
        import time

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


class Relay(_EventSource):
    """An in-process WZP relay (SFU). Use it as a context manager::

        with wzp.Relay(port=0) as relay:
            print(relay.port, relay.fingerprint)

    Keyword arguments mirror wzp_relay_config: host ("127.0.0.1"), port (0 picks one),
    identity (an Identity), identity_file, cert_file, key_file, auth_url,
    auth_timeout_ms, allow_identity_mismatch, max_sessions, max_room_size,
    phase_timeout_ms, idle_timeout_ms, acl_enabled, acl_file, event_queue_capacity,
    require_session_v2 (refuse clients that do not agree to the v2 media session).
    sender_datagrams_per_s, sender_burst_datagrams, sender_bytes_per_s (per-sender rate
    policing; 0 = no limit), max_handshakes, handshake_timeout_ms, auth_max_pending,
    auth_max_pending_per_address (admission under load).
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, identity: Optional[Identity] = None, **options: Any):
        self._handle = _wzp._Relay(dict(host=host, port=port, identity=identity, **options))
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

    @property
    def port(self) -> int:
        return self._handle.port

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

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

    def acl_set_enabled(self, enabled: bool) -> None:
        self._handle.acl_set_enabled(enabled)

    def acl_allow(self, room: str, fingerprint: str) -> None:
        """Admit fingerprint (the auth token's) to room (the name the relay sees: the hashed SNI)."""
        self._handle.acl_allow(room, fingerprint)

    def acl_revoke(self, room: str, fingerprint: str) -> None:
        self._handle.acl_revoke(room, fingerprint)

    def acl_load_file(self, path: str) -> None:
        self._handle.acl_load_file(path)


class Client(_EventSource):
    """A client in a relay room. ``with wzp.Client(port=relay.port, room="general") as c:``
    connects and waits until joined (raising WzpError with the relay's close reason if refused).

    Keyword arguments mirror wzp_client_config: host ("127.0.0.1"), port, room, raw_room,
    token, identity, session_mode ("v2" or "reference"), pin_cert_sha256 (32 bytes),
    pin_relay_fingerprint (16 bytes), handshake_timeout_ms, idle_timeout_ms, event_queue_capacity,
    require_session_v2 (refuse a relay that does not agree to the v2 media session).
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int, room: Optional[str] = None,
                 identity: Optional[Identity] = None, **options: Any):
        self._handle = _wzp._Client(dict(host=host, port=port, room=room, identity=identity, **options))

    def connect(self, timeout: Optional[float] = None) -> "Client":
        """Start connecting; with a timeout, also wait until joined (see wait_joined).
        A client connects once: a closed client (hung up, refused, disconnected) raises
        WzpError(WZP_ERR_INVALID_STATE); create a new one."""
        self._handle.connect()
        if timeout is not None:
            self.wait_joined(timeout)
        return self

    def wait_joined(self, timeout: Optional[float] = None) -> None:
        """Block until joined. Raises WzpError: WZP_ERR_CLOSED (with the close reason) or WZP_ERR_TIMEOUT
        (WZP_ERR_WOULD_BLOCK for a zero timeout: not joined yet)."""
        self._handle.wait_joined(timeout)

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
        (WZP_ERR_MALFORMED, WZP_ERR_INVALID_STATE, WZP_ERR_TOO_LARGE, WZP_ERR_CLOSED)."""
        self._handle.send_media(datagram)

    def send_signal(self, message: str) -> None:
        """Send one SignalMessage (JSON text)."""
        self._handle.send_signal(message)

    def hangup(self, reason: str = "Normal") -> None:
        """Send Hangup and close. Idempotent. Before connect it closes the client (a CLOSED
        event, WZP_CLOSE_NORMAL, origin "local"), and connect then raises."""
        self._handle.hangup(reason)

    def stats(self) -> Dict[str, int]:
        return self._handle.stats()

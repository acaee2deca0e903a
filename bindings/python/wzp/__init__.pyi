"""Type stubs for the `wzp` package (libwzp's Python bindings).

Every call that fails in the library raises :class:`WzpError`; wrong argument types raise
``TypeError`` and wrong lengths or out-of-range values raise ``ValueError``.
"""
import enum
from array import array
import os
from typing import (Any, AsyncIterator, Callable, Dict, Final, Iterable, Iterator, List, Literal, Optional,
                    Sequence, Tuple, Union)

from . import wav as wav
from . import featherchat as featherchat
from . import featherchat_acl as featherchat_acl
from . import featherchat_net as featherchat_net

__version__: str
__all__: List[str]

SessionMode = Literal["v2", "reference"]
Role = Literal["caller", "callee"]

# Sizes (bytes).
SEED_BYTES: Final[int]
PUBLIC_KEY_BYTES: Final[int]
SIGNATURE_BYTES: Final[int]
FINGERPRINT_BYTES: Final[int]
FINGERPRINT_STR_LEN: Final[int]
ROOM_HASH_LEN: Final[int]
SESSION_KEY_BYTES: Final[int]
AEAD_TAG_BYTES: Final[int]
MEDIA_HEADER_BYTES: Final[int]
MAX_SIGNAL_BYTES: Final[int]
MAX_PEER_SIGNAL_BYTES: Final[int]

class WzpError(Exception):
    """A libwzp call failed."""

    code: int
    """The negative WZP_ERR_* status code."""
    name: str
    """The status name, e.g. ``"WZP_ERR_BAD_SIGNATURE"``."""
    message: str
    """The library's detail message."""
    close_code: Optional[int]
    """For a client's close (wait_joined, connect, ``with Client``): its close code; else None."""
    close_origin: Optional[str]
    """For a client's close: "peer", "local", "idle" or "transport"; else None."""
    def __init__(self, code: int, name: str, message: str, close_code: Optional[int] = None,
                 close_origin: Optional[str] = None) -> None: ...

class AuthRejectedError(WzpError):
    """The relay refused the token: rejected, missing, or not the handshake identity's."""

class AuthUnavailableError(WzpError):
    """The relay could not check the token (auth server down or slow)."""

class AclDeniedError(WzpError):
    """The room's access list does not admit this client."""

class RoomFullError(WzpError):
    """The room holds its maximum of participants."""

class ServerFullError(WzpError):
    """The relay holds its maximum of sessions."""

class HandshakeFailedError(WzpError):
    """The call handshake failed (bad signature, pinned identity mismatch, v2 session required)."""

class ConnectTimeoutError(WzpError):
    """The relay could not be reached: nothing answered, or its host name did not resolve."""

def version() -> str:
    """The library version string, e.g. '0.1.0'."""

def strerror(code: int) -> str:
    """The name of a status code ('WZP_ERR_UNKNOWN' for unknown codes)."""

# ---------------------------------------------------------------------------
# Identity

class Identity:
    """A 32-byte seed and the Ed25519/X25519 keys derived from it (featherChat's derivation).

    Immutable and thread-safe. Create one with the static constructors.
    """

    @staticmethod
    def generate() -> Identity:
        """A new identity from a random seed."""
    @staticmethod
    def from_seed(seed: bytes) -> Identity:
        """From a raw 32-byte seed (ValueError for another length)."""
    @staticmethod
    def from_hex(hex: str) -> Identity:
        """From 64 hex digits. Raises WzpError (WZP_ERR_INVALID_HEX / WZP_ERR_INVALID_LENGTH)."""
    @staticmethod
    def from_mnemonic(words: str) -> Identity:
        """From a 24-word BIP39 English mnemonic. Raises WzpError (WZP_ERR_MNEMONIC_*)."""
    @property
    def seed(self) -> bytes:
        """The 32-byte seed (a secret)."""
    @property
    def public_key(self) -> bytes:
        """The Ed25519 identity public key (32 bytes)."""
    @property
    def x25519_public_key(self) -> bytes:
        """The static X25519 public key (32 bytes)."""
    @property
    def fingerprint(self) -> bytes:
        """SHA-256(public_key)[0:16]."""
    @property
    def fingerprint_str(self) -> str:
        """The fingerprint as 'xxxx:xxxx:...' (39 characters)."""
    @property
    def mnemonic(self) -> str:
        """The seed as 24 BIP39 English words (a secret)."""
    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature (64 bytes) of message."""

def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True if signature is a valid Ed25519 signature of message by public_key."""

def fingerprint_parse(text: str) -> bytes:
    """Parse a fingerprint leniently (non-hex characters ignored) into 16 bytes.

    Raises WzpError (WZP_ERR_INVALID_HEX, WZP_ERR_FINGERPRINT_TOO_SHORT).
    """

def fingerprint_format(fingerprint: bytes) -> str:
    """Format 16 fingerprint bytes as 'xxxx:xxxx:...'."""

def hash_room_name(name: str) -> str:
    """The room's QUIC SNI: 32 lowercase hex characters."""

# ---------------------------------------------------------------------------
# Media sessions and the handshake

class Session:
    """Authenticated encryption of media packets for one call. Not thread-safe.

    mode 'v2' (default): libwzp's session (per-direction keys, loss and reordering tolerant,
    anti-replay); 'reference': the reference implementation bit for bit (in-order only).
    """

    def __init__(self, key: bytes, mode: SessionMode = "v2", role: Role = "caller") -> None: ...
    @property
    def session_id(self) -> bytes:
        """The 4-byte session id (the same on both peers)."""
    def seal(self, header: bytes, seq: int, plaintext: bytes) -> bytes:
        """Encrypt plaintext with header as associated data; returns ciphertext || 16-byte tag."""
    def open(self, header: bytes, seq: int, ciphertext: bytes) -> bytes:
        """Decrypt and authenticate. Raises WzpError (WZP_ERR_DECRYPT_FAILED, WZP_ERR_REPLAY)."""
    def rekey_begin(self, secret: Optional[bytes] = None) -> bytes:
        """Start a rekey; returns the public value to send to the peer."""
    def rekey_complete(self, peer_public: bytes) -> None:
        """Finish a rekey with the peer's public value."""
    @property
    def peer_public_key(self) -> Optional[bytes]:
        """The peer's identity key after a handshake, else None."""
    @property
    def peer_fingerprint(self) -> Optional[bytes]:
        """The peer's fingerprint after a handshake, else None."""
    @property
    def profile(self) -> Optional[str]:
        """The quality profile chosen in the handshake ('GOOD', 'DEGRADED', 'CATASTROPHIC', 'custom')."""
    @property
    def mode(self) -> SessionMode:
        """'v2' or 'reference': after a handshake, the session the two sides negotiated."""

class Caller:
    """The calling side of the CallOffer/CallAnswer handshake."""

    def __init__(
        self,
        identity: Identity,
        ephemeral_secret: Optional[bytes] = None,
        session_mode: SessionMode = "v2",
        require_session_v2: bool = False,
    ) -> None: ...
    def offer_json(self) -> str:
        """The signed CallOffer as compact JSON."""
    def accept_answer(self, answer_json: str) -> Session:
        """Verify the CallAnswer and return the Session."""

class Callee:
    """The answering side of the handshake."""

    def __init__(
        self,
        identity: Identity,
        ephemeral_secret: Optional[bytes] = None,
        session_mode: SessionMode = "v2",
        require_session_v2: bool = False,
    ) -> None: ...
    def accept_offer(self, offer_json: str) -> Tuple[str, Session]:
        """Verify the CallOffer; returns (answer_json, Session)."""

class ReplayWindow:
    """The reference's 1024-packet anti-replay window."""

    def __init__(self) -> None: ...
    def check(self, seq: int) -> bool:
        """True if seq is new (and records it), False for a duplicate or too old packet."""

class Presence:
    """Who is online where, as a relay keeps it: local users (online while one of their
    connections is registered), users reported by peer relays, peer records. Thread-safe."""

    def __init__(self, max_local: int = 100000, max_remote: int = 1000000, max_peers: int = 1024) -> None: ...
    def register_local(
        self, fingerprint: str, connection_id: int, alias: Optional[str] = None, room: Optional[str] = None
    ) -> bool:
        """A local user's connection joined: True when the user came online, False when it was
        already here. Raises WzpError (WZP_ERR_TOO_LARGE) when max_local users are here."""
    def unregister_local(self, fingerprint: str, connection_id: int) -> bool:
        """A local user's connection left: True when that was its last connection."""
    def update_peer(self, relay_addr: str, fingerprints: Sequence[str]) -> None:
        """A peer relay's users (replacing its previous report). Raises WzpError
        (WZP_ERR_TOO_LARGE) over max_peers or max_remote; nothing changes then."""
    def remove_peer(self, relay_addr: str) -> None:
        """Forget a peer relay and its users."""
    def lookup(self, fingerprint: str) -> Optional[Dict[str, Any]]:
        """{'fingerprint': fp, 'location': 'Local' or {'Remote': 'ip:port'}}, or None when unknown."""
    def list(self) -> List[Dict[str, Any]]:
        """Every known user as GET /presence lists them (locals first)."""
    def peers(self) -> List[Dict[str, Any]]:
        """The peer records as GET /peers lists them: addr, fingerprints, rtt_ms."""
    def expire(self, ttl_ms: int) -> int:
        """Remove remote users and peer records not refreshed within ttl_ms; returns the users removed."""
    def counts(self) -> Tuple[int, int, int]:
        """(local users, remote entries, peer records)."""

def rekey_due(last_rekey_at: int, packet_count: int) -> bool:
    """The reference's rekey trigger: packet_count - last_rekey_at >= 65536."""

def reference_nonce(session_id: bytes, counter: int, direction: int) -> bytes:
    """The reference's 12-byte nonce: session_id || BE32(counter) || direction || 00 00 00."""

def aead_seal(key: bytes, nonce: bytes, aad: bytes, plaintext: bytes) -> bytes:
    """Raw ChaCha20-Poly1305 (IETF) seal."""

def aead_open(key: bytes, nonce: bytes, aad: bytes, ciphertext: bytes) -> bytes:
    """Raw ChaCha20-Poly1305 (IETF) open. Raises WzpError (WZP_ERR_DECRYPT_FAILED)."""

# ---------------------------------------------------------------------------
# Wire formats

class MediaHeader:
    """The 12-byte media packet header."""

    version: int
    is_repair: bool
    codec: int
    has_quality_report: bool
    fec_ratio_code: int
    seq: int
    timestamp: int
    fec_block: int
    fec_symbol: int
    reserved: int
    csrc_count: int
    def __init__(
        self,
        *,
        version: int = 0,
        is_repair: bool = False,
        codec: int = 0,
        has_quality_report: bool = False,
        fec_ratio_code: int = 0,
        seq: int = 0,
        timestamp: int = 0,
        fec_block: int = 0,
        fec_symbol: int = 0,
        reserved: int = 0,
        csrc_count: int = 0,
    ) -> None: ...
    def encode(self) -> bytes:
        """The 12 wire bytes."""
    @staticmethod
    def decode(data: bytes) -> MediaHeader:
        """Decode the first 12 bytes. Raises WzpError (WZP_ERR_MALFORMED)."""
    def __eq__(self, other: object) -> bool: ...

class QualityReport:
    """The 4-byte quality report trailer."""

    loss_pct: int
    rtt_4ms: int
    jitter_ms: int
    bitrate_cap_kbps: int
    def __init__(self, loss_pct: int = 0, rtt_4ms: int = 0, jitter_ms: int = 0, bitrate_cap_kbps: int = 0) -> None: ...
    def __eq__(self, other: object) -> bool: ...

def fec_ratio_encode(ratio: float) -> int:
    """The 7-bit FEC ratio code."""

def fec_ratio_decode(code: int) -> float:
    """The ratio of a 7-bit code (float32)."""

def parse_media_packet(data: bytes) -> Tuple[MediaHeader, bytes, Optional[QualityReport]]:
    """Parse a media datagram into (MediaHeader, payload, QualityReport or None)."""

def build_media_packet(header: MediaHeader, payload: bytes, report: Optional[QualityReport] = None) -> bytes:
    """Build a media datagram (header || payload || report)."""

def trunk_frame_build(entries: List[Tuple[bytes, bytes]]) -> bytes:
    """Encode [(tag: 2 bytes, payload), ...] as a TrunkFrame."""

def trunk_frame_parse(data: bytes) -> List[Tuple[bytes, bytes]]:
    """Decode a TrunkFrame into [(tag, payload), ...]. Raises WzpError (WZP_ERR_MALFORMED)."""

def signal_validate(json: str) -> str:
    """Validate a SignalMessage JSON text; returns its variant name. Raises WzpError (WZP_ERR_JSON)."""

def signal_canonical(json: str) -> str:
    """Decode and re-encode a SignalMessage in the reference's exact compact form."""

def signal_frame(json: str) -> bytes:
    """BE32 length prefix + JSON, as sent on a signal stream (WZP_ERR_TOO_LARGE over 1 MiB)."""

def signal_unframe(frame: bytes) -> str:
    """The JSON of one framed signal stream (WZP_ERR_MALFORMED, WZP_ERR_TOO_LARGE; UnicodeDecodeError
    if the payload is not UTF-8 text)."""


def log_set_level(level: int) -> None:
    """Process-wide log level: 0 error, 1 warn (default), 2 info, 3 debug, 4 trace."""

def set_log_level(level: int) -> None:
    """The same as log_set_level."""

def set_log_callback(callback: Optional[Callable[[int, str, str], None]]) -> None:
    """Send the library's log lines to callback(level, component, message) instead of stderr;
    None restores stderr. The callback runs on library threads (holding the GIL), possibly
    while other threads log; an exception it raises goes to sys.unraisablehook and the library
    goes on. Lines logged while the callback runs on the same thread go to stderr. When this
    returns, the previous callback is no longer running on any other thread. The callback is
    removed automatically at interpreter exit."""

class EventType(str, enum.Enum):
    """The type of an Event; a str, so ``event.type == "JOINED"`` holds."""
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

EventTypeName = Literal["NONE", "STATE", "JOINED", "LEFT", "REJECTED", "MEDIA", "SIGNAL", "CLOSED",
                        "PEER_JOINED", "PEER_LEFT", "PEER_SIGNAL", "PRESENCE", "CALL_PROFILE", "CALL_E2E"]
E2eState = Literal["no_key", "ok", "missing_key", "decrypt_failed", "clear", "unauthorised"]
ClientState = Literal["IDLE", "CONNECTING", "AUTHENTICATING", "HANDSHAKING", "JOINED", "CLOSED"]
CloseOrigin = Literal["peer", "local", "idle", "transport"]

class Event:
    """One event of a relay or a client (a frozen dataclass).

    type: an EventType; a client's STATE events are its intermediate states, its JOINED event
    names the room (SNI) and the relay (fingerprint); for LEFT/REJECTED/CLOSED/PEER_LEFT the
    close_* fields say why; alias: a PEER_* event's member alias (from the relay's auth server),
    else None; online and relay_addr: a PRESENCE event's transition and the relay the user is at
    (None: this relay), else None; e2e_state: a CALL_E2E event's key state of the member named by
    fingerprint (None: the call's own, "clear" or "ok" again), else None."""
    type: EventType
    connection_id: int
    state: ClientState
    room: Optional[str]
    fingerprint: Optional[str]
    data: bytes
    close_code: Optional[int]
    close_code_name: Optional[str]
    close_origin: Optional[CloseOrigin]
    close_reason: Optional[str]
    alias: Optional[str]
    online: Optional[bool]
    relay_addr: Optional[str]
    source: Optional[int]
    call_profile: Optional[Dict[str, Any]]
    e2e_state: Optional[E2eState]
    def __init__(self, type: Union[EventType, EventTypeName], connection_id: int = ..., state: str = ...,
                 room: Optional[str] = ..., fingerprint: Optional[str] = ..., data: bytes = ...,
                 close_code: Optional[int] = ..., close_code_name: Optional[str] = ...,
                 close_origin: Optional[str] = ..., close_reason: Optional[str] = ...,
                 alias: Optional[str] = ..., online: Optional[bool] = ...,
                 relay_addr: Optional[str] = ..., source: Optional[int] = ...,
                 call_profile: Optional[Dict[str, Any]] = ...,
                 e2e_state: Optional[str] = ...) -> None: ...
    @property
    def text(self) -> str:
        """data decoded as UTF-8 (SIGNAL events carry JSON)."""

class EventStream:
    """The events of a relay or a client, for ``for`` and ``async for``; ends without an exception
    once the handle is closed and drained, or after one wait of `timeout` seconds without events."""
    def __iter__(self) -> Iterator[Event]: ...
    def __aiter__(self) -> AsyncIterator[Event]: ...
class CloseInfo:
    """How a client's connection ended (a frozen dataclass): code, code_name (e.g.
    "WZP_CLOSE_ROOM_FULL"), origin ("peer", "local", "idle", "transport") and reason."""
    code: int
    code_name: str
    origin: str
    reason: str
    def __init__(self, code: int, code_name: str, origin: str, reason: str) -> None: ...

class _EventSource:
    def next_event(self, timeout: Optional[float] = None) -> Optional[Event]:
        """The next event within timeout seconds (None: wait forever, 0: poll); None if none came;
        WzpError (WZP_ERR_CLOSED) once closed and drained."""
    def events(self, timeout: Optional[float] = None) -> EventStream:
        """The events for ``for`` / ``async for``, ending cleanly at the close (or after one wait of
        `timeout` seconds without any)."""
    def event_fd(self) -> int:
        """A file descriptor readable while events are queued."""
    async def next_event_async(self, timeout: Optional[float] = None) -> Optional[Event]:
        """Await the next event without blocking the asyncio loop; None on timeout. Concurrent
        awaiters each get their own events, first come first served; WzpError (WZP_ERR_CLOSED)
        once closed and drained."""
    def wait_for(self, type: Union[EventType, EventTypeName], timeout: float = 5.0, **fields: Any) -> Event:
        """Consume events until one of `type` (matching `fields`) arrives; TimeoutError otherwise."""

_Path = Union[str, "os.PathLike[str]"]

class Relay(_EventSource):
    """An in-process WZP relay (SFU); a context manager (also ``async with``) that starts and stops
    it. The keywords are wzp_relay_config's fields; an unknown one or a wrong type raises TypeError."""
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, identity: Optional[Identity] = None,
                 identity_file: Optional[_Path] = None, cert_file: Optional[_Path] = None,
                 key_file: Optional[_Path] = None, auth_url: Optional[str] = None,
                 auth_timeout_ms: int = 5000, allow_identity_mismatch: bool = False,
                 max_sessions: int = 100, max_room_size: int = 0, phase_timeout_ms: int = 10000,
                 idle_timeout_ms: int = 30000, acl_enabled: bool = False, acl_file: Optional[_Path] = None,
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
                 trusted_bridges: Sequence[str] = (), threads: int = 1) -> None: ...
    def start(self) -> "Relay": ...
    def stop(self) -> None: ...
    async def start_async(self) -> "Relay":
        """start() on an executor thread, so the asyncio loop goes on meanwhile."""
    async def stop_async(self) -> None:
        """stop() on an executor thread."""
    def __enter__(self) -> "Relay": ...
    def __exit__(self, *exc: Any) -> None: ...
    async def __aenter__(self) -> "Relay": ...
    async def __aexit__(self, *exc: Any) -> None: ...
    @property
    def port(self) -> int: ...
    @property
    def address(self) -> str:
        """The bound address, "ip:port" or "[v6]:port"."""
    @property
    def fingerprint(self) -> str: ...
    @property
    def cert_sha256(self) -> bytes: ...
    def stats(self) -> Dict[str, int]: ...
    def rooms(self) -> List[Dict[str, Any]]: ...
    def lookup(self, fingerprint: str) -> Dict[str, Any]:
        """{"fingerprint": fp, "location": "Local" | {"Remote": "ip:port"} | None}."""
    def presence(self) -> List[Dict[str, Any]]:
        """Every user known: [{"fingerprint", "location"}]."""
    def peers(self) -> List[Dict[str, Any]]:
        """[{"addr", "fingerprints", "rtt_ms"}], one per peer relay that reported presence."""
    def mesh(self) -> List[Dict[str, Any]]:
        """Mesh health per probe target: [{"target", "kind", "up", "rtt_ms", "loss_pct", "jitter_ms",
        "pings_sent", "pongs_received", "peer_fingerprint"}]."""
    def metrics(self) -> str:
        """The relay's metrics in the Prometheus text format, as GET /metrics serves them."""
    @property
    def http_port(self) -> int:
        """The HTTP API's port (WzpError WZP_ERR_INVALID_STATE when there is none)."""
    def acl_set_enabled(self, enabled: bool) -> None: ...
    def acl_set_default_deny(self, deny: bool) -> None:
        """True: a room without entries admits nobody; False: everyone."""
    def acl_allow(self, room: str, fingerprint: str) -> None:
        """room: a room hash (32 hex digits) or "sni:NAME"; anything else raises WzpError."""
    def acl_revoke(self, room: str, fingerprint: str) -> None:
        """The room stays listed: revoking its last entry admits nobody."""
    def acl_allow_room_name(self, room_name: str, fingerprint: str) -> None:
        """acl_allow for a plain room name, hashed as clients hash it."""
    def acl_revoke_room_name(self, room_name: str, fingerprint: str) -> None: ...
    def acl_clear_room(self, room: str) -> None:
        """Forget the room's entries: it follows the default again."""
    def acl_load_file(self, path: str) -> None: ...
    def acl_json(self) -> Dict[str, Any]:
        """{"enabled": bool, "default_deny": bool, "rooms": {room: [fingerprint, ...]}}, as GET /acl."""

class Loop:
    """An event loop (one thread) shared by many clients (wzp_loop); a client keeps its loop alive."""
    def __init__(self) -> None: ...
    @property
    def client_count(self) -> int: ...

class Client(_EventSource):
    """A client in a relay room; as a context manager (also ``async with``) it connects, waits until
    joined, and hangs up. The keywords are wzp_client_config's fields; an unknown one or a wrong type
    raises TypeError. host: an IP address or a host name (each of its addresses tried in turn)."""
    def __init__(self, *, host: str = "127.0.0.1", port: int, room: Optional[str] = None,
                 raw_room: bool = False, token: Optional[str] = None, identity: Optional[Identity] = None,
                 session_mode: SessionMode = "v2", require_session_v2: bool = False,
                 pin_cert_sha256: Optional[bytes] = None, pin_relay_fingerprint: Optional[bytes] = None,
                 handshake_timeout_ms: int = 10000, idle_timeout_ms: int = 30000,
                 event_queue_capacity: int = 1024, accept_trunking: bool = True,
                 loop: Optional[Loop] = None) -> None: ...
    def connect(self, timeout: Optional[float] = None) -> "Client": ...
    def wait_joined(self, timeout: Optional[float] = None) -> None:
        """Block until joined; a close raises the WzpError subclass of its refusal (close_code set)."""
    def last_close(self) -> Optional[CloseInfo]:
        """How the connection ended, once closed (None before)."""
    async def connect_async(self, timeout: Optional[float] = 30.0) -> "Client":
        """Start connecting and await joining without blocking the loop."""
    async def joined(self, timeout: Optional[float] = None) -> None:
        """Await joining without consuming events; raises WzpError as wait_joined does."""
    def __enter__(self) -> "Client": ...
    def __exit__(self, *exc: Any) -> None: ...
    async def __aenter__(self) -> "Client": ...
    async def __aexit__(self, *exc: Any) -> None: ...
    @property
    def state(self) -> ClientState: ...
    @property
    def sni(self) -> str: ...
    @property
    def relay_fingerprint(self) -> Optional[str]: ...
    @property
    def media_session(self) -> Optional[SessionMode]: ...
    def send_media(self, datagram: bytes) -> None:
        """Not end-to-end encrypted: the bytes cross the relay as given (QUIC protects each hop)."""
    def send_signal(self, message: str) -> None: ...
    def hangup(self, reason: str = "Normal") -> None: ...
    def peers(self) -> List[Dict[str, Optional[str]]]:
        """The other members of the room, in join order ({"fingerprint", "alias"})."""
    def send_peer_signal(self, data: bytes, to: Optional[str] = None) -> None:
        """Send data to one member (by fingerprint) or, with to=None, to the whole room."""
    def stats(self) -> Dict[str, int]: ...

def version_number() -> int:
    """The version as (major << 16) | (minor << 8) | patch."""

CallProfile = Dict[str, Any]  # {"codec": "Opus24k", "fec_ratio": 0.2, "frame_ms": 20, "frames_per_block": 5}

class Call:
    """A voice call on a joined Client: 48 kHz mono int16 PCM in and out (numpy-free). While it is
    attached the client's MEDIA events go to the call; CALL_PROFILE events still come from the
    client. profile: a preset name ("good", "degraded", "catastrophic") or a CallProfile dict.
    e2e: "off", "preferred" or "required" (end-to-end encryption, docs/SECURITY.md); e2e_members: the
    fingerprints allowed to receive the call's key (None: everyone in the room)."""
    def __init__(self, client: Client, *, profile: Union[str, CallProfile] = "good", adapt: bool = True,
                 silence_suppression: bool = True, silence_threshold_rms: float = 100.0,
                 jitter_min_delay_ms: int = 40, jitter_max_delay_ms: int = 1000,
                 caller_clock: bool = False, source_timeout_ms: int = 30000, impair_loss_pct: float = 0.0,
                 impair_burst: int = 0, impair_jitter_ms: int = 0, impair_seed: int = 0,
                 e2e: Literal["off", "preferred", "required"] = "off",
                 e2e_members: Optional[Iterable[str]] = None) -> None: ...
    def send_pcm(self, pcm: Union[bytes, bytearray, memoryview, "array[int]"]) -> None:
        """Send samples (any count; whole frames of the current profile go out now)."""
    def read_pcm(self, source: Optional[int] = None, samples: int = 960,
                 timeout: Optional[float] = None) -> Optional["array[int]"]:
        """samples (a multiple of 960) of a source, or the mix (None); None on a timeout. The GIL
        is released while it waits."""
    def sources(self) -> List[int]:
        """The remote senders heard now."""
    def stats(self, source: Optional[int] = None) -> Dict[str, Any]:
        """Counters of a source, or summed (None), and of the send side."""
    def set_profile(self, profile: Union[str, CallProfile]) -> None:
        """Force the send profile (adaptation stops until set_adaptive())."""
    def set_adaptive(self) -> None:
        """Let the receivers' reports choose the profile again."""
    @property
    def profile(self) -> CallProfile:
        """The current send profile."""
    def e2e_state(self) -> Dict[str, Any]:
        """The end-to-end state: policy, sending, keys_from, safety_words, participants, frames, keys."""
    def safety_words(self) -> str:
        """Five words from the keys every member holds now: compare them by voice."""
    def set_members(self, members: Optional[Iterable[str]]) -> None:
        """The application's member list changed (None: everyone)."""
    def close(self) -> None:
        """Detach and release (idempotent)."""
    def __enter__(self) -> "Call": ...
    def __exit__(self, *exc: Any) -> None: ...

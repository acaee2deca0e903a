"""libwzp — the WarzonePhone (WZP) voice protocol SDK.

Identity, the CallOffer/CallAnswer handshake, media session crypto and the wire formats,
all implemented in C++ behind libwzp's C ABI. Every failing call raises :class:`WzpError`.

>>> import wzp
>>> alice = wzp.Identity.generate()
>>> len(alice.fingerprint_str)
39
"""
import types as _types

from ._errors import (
    AclDeniedError,
    AuthRejectedError,
    AuthUnavailableError,
    ConnectTimeoutError,
    HandshakeFailedError,
    RoomFullError,
    ServerFullError,
    WzpError,
)
from ._wzp import (
    AEAD_TAG_BYTES,
    FINGERPRINT_BYTES,
    FINGERPRINT_STR_LEN,
    ROOM_HASH_LEN,
    MAX_SIGNAL_BYTES,
    MAX_PEER_SIGNAL_BYTES,
    MEDIA_HEADER_BYTES,
    PUBLIC_KEY_BYTES,
    SEED_BYTES,
    SESSION_KEY_BYTES,
    SIGNATURE_BYTES,
    Callee,
    Caller,
    Identity,
    MediaHeader,
    Presence,
    QualityReport,
    ReplayWindow,
    Session,
    aead_open,
    aead_seal,
    build_media_packet,
    fec_ratio_decode,
    fec_ratio_encode,
    fingerprint_format,
    fingerprint_parse,
    hash_room_name,
    parse_media_packet,
    reference_nonce,
    rekey_due,
    signal_canonical,
    signal_frame,
    signal_unframe,
    signal_validate,
    strerror,
    trunk_frame_build,
    trunk_frame_parse,
    verify,
    version,
    version_number,
    log_set_level,
    set_log_callback,
)

from .live import Client, CloseInfo, Event, EventStream, EventType, Loop, Relay
from .call import Call
from . import wav
from . import featherchat
from . import featherchat_acl
from . import featherchat_net

set_log_level = log_set_level

__version__ = version()

__all__ = [name for name, value in list(globals().items())
           if not name.startswith("_") and not isinstance(value, _types.ModuleType)]

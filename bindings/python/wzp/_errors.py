"""The exceptions raised by libwzp calls that fail."""
from typing import Dict, Optional, Type

# wzp.h's WZP_CLOSE_CONNECT_TIMEOUT: the client's own close when the relay could not be reached.
_CLOSE_CONNECT_TIMEOUT = 0x204


class WzpError(Exception):
    """A libwzp call failed.

    Attributes:
        code: the negative WZP_ERR_* status code.
        name: the status name, e.g. ``"WZP_ERR_BAD_SIGNATURE"``.
        message: the library's detail message.
        close_code: when the failure is a client's close (``wait_joined``, ``connect`` with a
            timeout, ``with Client``): the close code (``WZP_CLOSE_*``, or a QUIC transport error
            code); otherwise None.
        close_origin: who closed, as in events: "peer", "local", "idle" or "transport"; or None.
    """

    def __init__(self, code: int, name: str, message: str, close_code: Optional[int] = None,
                 close_origin: Optional[str] = None) -> None:
        super().__init__(f"{name}: {message}" if message else name)
        self.code = code
        self.name = name
        self.message = message
        self.close_code = close_code
        self.close_origin = close_origin

    def __reduce__(self):
        # Rebuild from the fields (the default would pass only the formatted text), so the
        # error survives pickling, e.g. across multiprocessing workers.
        return (type(self), (self.code, self.name, self.message, self.close_code, self.close_origin))


class AuthRejectedError(WzpError):
    """The relay refused the token: rejected, missing, or not the handshake identity's
    (WZP_ERR_AUTH_REJECTED)."""


class AuthUnavailableError(WzpError):
    """The relay could not check the token: the auth server is down or slow (WZP_ERR_AUTH_UNAVAILABLE)."""


class AclDeniedError(WzpError):
    """The room's access list does not admit this client (WZP_ERR_ACL_DENIED)."""


class RoomFullError(WzpError):
    """The room holds its maximum of participants (WZP_ERR_ROOM_FULL)."""


class ServerFullError(WzpError):
    """The relay holds its maximum of sessions (WZP_ERR_SERVER_FULL)."""


class HandshakeFailedError(WzpError):
    """The call handshake failed: a bad signature, a pinned identity mismatch, or the v2 media
    session required and not agreed (WZP_ERR_HANDSHAKE_FAILED)."""


class ConnectTimeoutError(WzpError):
    """The relay could not be reached: nothing answered at its address(es) within the handshake
    timeout, or its host name did not resolve (close code WZP_CLOSE_CONNECT_TIMEOUT; the
    message names the address)."""


_BY_CODE: Dict[int, Type[WzpError]] = {
    -60: AuthRejectedError,
    -61: AuthUnavailableError,
    -62: AclDeniedError,
    -63: RoomFullError,
    -64: HandshakeFailedError,
    -65: ServerFullError,
}


def _make_error(code: int, name: str, message: str, close_code: Optional[int] = None,
                close_origin: Optional[str] = None) -> WzpError:
    """The exception for a failed status: the subclass of its refusal, else WzpError."""
    if close_code == _CLOSE_CONNECT_TIMEOUT and close_origin == "local":
        cls: Type[WzpError] = ConnectTimeoutError
    else:
        cls = _BY_CODE.get(code, WzpError)
    return cls(code, name, message, close_code, close_origin)

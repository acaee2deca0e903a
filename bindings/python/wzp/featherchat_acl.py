"""featherChat group rooms (FC-5): keep a relay room's access list equal to a group's members.

The room is the group's plain room name, hashed as clients hash it; members are fingerprints
(any form ``wzp.fingerprint_parse`` reads). A member removed while in the room is disconnected
with ``WZP_CLOSE_ACL_DENIED`` and refused on its next join. A sync never turns the relay's
access list on or off: that is the relay owner's choice (``acl_enabled``, ``acl_default_deny``).

In-process, on a :class:`wzp.Relay` this process runs::

    added, removed = wzp.featherchat_acl.sync_relay(relay, "family", members)

Remotely, through the relay's HTTP API and its admin token (``PUT /acl/{room}``)::

    wzp.featherchat_acl.sync_http("http://10.0.0.5:9090", token, "family", members)
"""
from __future__ import annotations

from typing import Iterable, Tuple

from . import _wzp
from .live import Relay

__all__ = ["sync_relay", "sync_http"]


def sync_relay(relay: Relay, room_name: str, members: Iterable[str]) -> Tuple[int, int]:
    """Make the entries of ``room_name``'s room exactly ``members`` on an in-process relay (started
    or not) and disconnect the members in the room no longer admitted. Returns (added, removed):
    how many entries came and went. A malformed fingerprint raises WzpError
    (WZP_ERR_INVALID_ARGUMENT, naming it) and changes nothing."""
    added, removed = _wzp._fc_acl_sync_relay(relay._handle, room_name, list(members))
    return int(added), int(removed)


def sync_http(url: str, token: str, room_name: str, members: Iterable[str], timeout_ms: int = 5000) -> None:
    """The same on a remote relay: ``PUT {url}/acl/{room hash}`` with ``{"fingerprints": [...]}`` and
    ``Authorization: Bearer {token}`` (the relay's http_admin_token). ``url`` is the HTTP API's base,
    "http://host:port". Raises WzpError: AuthRejectedError (401, a wrong token; 403, the relay has no
    admin token), WZP_ERR_INVALID_ARGUMENT (a bad URL or fingerprint; the relay answered 400 or 413),
    WZP_ERR_TIMEOUT, WZP_ERR_IO (unreachable, another answer); the message says what the relay said.
    Blocks up to timeout_ms without holding the GIL."""
    _wzp._fc_acl_sync_http(url, token, room_name, list(members), timeout_ms)

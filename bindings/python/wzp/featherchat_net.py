"""featherChat presence and relay choice (docs/FEATHERCHAT.md).

Where to place a featherChat call: featherChat's relay-config (``GET /v1/wzp/relay-config``),
where users are online (relays' presence HTTP API, in-process relays and registries) and the
choice of a call's relay from both.

>>> from wzp import featherchat_net as fcn
>>> fcn.parse_relay_config('{"relay_addr": "relay.example:4433"}')["relay_addr"]
'relay.example:4433'
>>> fcn.choose_relay("callee", my_relay="me.example:4433", callee_relay=None,
...                  config={"relay_addr": "relay.example:4433"})
('me.example:4433', 'CALLER_RELAY')
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

from . import _wzp

POLICIES = {"caller": 0, "callee": 1, "default": 2}

RelayConfig = Dict[str, Any]


def parse_relay_config(answer: Union[str, bytes, Dict[str, Any]]) -> RelayConfig:
    """The relay-config answer, checked and normalised:
    ``{"relay_addr": "host:port", "web_bridge_url": "wss://..." or None, "relays": [...]}``.
    Raises WzpError (WZP_ERR_MALFORMED) naming the field that is missing or wrong."""
    if isinstance(answer, dict):
        answer = json.dumps(answer)
    elif isinstance(answer, bytes):
        answer = answer.decode("utf-8", errors="replace")
    return _wzp._fc_relay_config_parse(answer)


def fetch_relay_config(url: str, token: Optional[str] = None, timeout: float = 5.0) -> RelayConfig:
    """GET featherChat's relay-config from `url` (".../v1/wzp/relay-config"), with
    "Authorization: Bearer <token>" when given, and parse it. Raises WzpError: NOT_FOUND (404,
    featherChat has none), AUTH_REJECTED (401/403), IO (unreachable, another status), TIMEOUT,
    TOO_LARGE, MALFORMED (as parse_relay_config); the message names the URL and the cause.
    Releases the GIL while it waits."""
    return _wzp._fc_relay_config_fetch(url, token, max(1, int(timeout * 1000)))


def choose_relay(policy: str = "caller", *, my_relay: Optional[str] = None,
                 callee_relay: Optional[str] = None, config: Optional[RelayConfig] = None,
                 callee: Optional[str] = None, presence: Optional["Presence"] = None
                 ) -> Tuple[Optional[str], str]:
    """The relay for a call and why: ``(relay_addr, reason)``, reason one of CALLEE_ONLINE,
    CALLER_RELAY, CONFIG_DEFAULT, or ``(None, "NONE")`` when no candidate is left.

    policy "caller": my relay, then the callee's (if online), then the relay-config default;
    "callee": the callee's, then mine, then the default; "default": the default, then mine, then
    the callee's. The callee's relay is `callee_relay`, or looked up in `presence` for the
    fingerprint `callee`. Raises ValueError for an unknown policy, WzpError
    (INVALID_ARGUMENT) for a candidate that is not host:port."""
    if policy not in POLICIES:
        raise ValueError(f"unknown relay policy {policy!r} (caller, callee or default)")
    if callee_relay is None and callee is not None and presence is not None:
        found = presence.lookup(callee)
        callee_relay = found[0] if found else None
    default = config.get("relay_addr") if config else None
    relay, reason = _wzp._fc_choose_relay(POLICIES[policy], my_relay, callee_relay, default)
    return relay, reason


class Presence:
    """Where featherChat users are online (wzp_fc_presence), from a set of sources polled on
    the handle's own thread. Keywords: poll_interval_ms (1000), backoff_max_ms (30000: a failing
    source is retried after one interval, then twice as long each time up to this),
    offline_after_failures (3), http_timeout_ms (2000), event_queue_capacity (1024),
    max_sources (64), max_watched (10000).

    Sources: :meth:`add_http` (a relay's presence HTTP API), :meth:`add_relay` (a
    :class:`wzp.Relay` in this process), :meth:`add_registry` (a :class:`wzp.Presence`).
    :meth:`watch` a fingerprint and :meth:`start`: its changes come as events
    ``{"type": "ONLINE" or "OFFLINE", "fingerprint", "relay_addr", "source", "time_ms"}``."""

    def __init__(self, **config: Any) -> None:
        known = {"poll_interval_ms", "backoff_max_ms", "offline_after_failures", "http_timeout_ms",
                 "event_queue_capacity", "max_sources", "max_watched"}
        unknown = set(config) - known
        if unknown:
            raise TypeError(f"unknown Presence option(s): {', '.join(sorted(unknown))}")
        self._handle = _wzp._FcPresence(config)

    def add_http(self, url: str, relay_addr: str, token: Optional[str] = None) -> None:
        """A relay's presence HTTP API at `url` ("http://host:port"), whose own users
        ("Local") are at `relay_addr`, the relay's client-facing "host:port"; `token`: the
        relay's http_token."""
        self._handle.add_http(url, token, relay_addr)

    def add_relay(self, relay: Any, relay_addr: Optional[str] = None) -> None:
        """A :class:`wzp.Relay` of this process (kept alive by this object); relay_addr
        defaults to the relay's bound address."""
        self._handle.add_relay(relay._handle, relay_addr)

    def add_registry(self, registry: Any, relay_addr: str) -> None:
        """A :class:`wzp.Presence` registry (kept alive by this object) whose local users are
        at `relay_addr`."""
        self._handle.add_registry(registry, relay_addr)

    def watch(self, fingerprint: str) -> None:
        """Report this user's changes as events."""
        self._handle.watch(fingerprint)

    def unwatch(self, fingerprint: str) -> bool:
        """Stop reporting it; False when it was not watched."""
        return self._handle.unwatch(fingerprint)

    def start(self) -> None:
        """Start polling (idempotent)."""
        self._handle.start()

    def lookup(self, fingerprint: str) -> Optional[Tuple[str, str]]:
        """Ask the sources now, in order: ``(relay_addr, source)`` of the first that knows the
        user, or None when every source that answered says it is offline. Raises WzpError when
        no source answered."""
        return self._handle.lookup(fingerprint)

    def next_event(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The next event, waiting up to timeout seconds (None: forever, 0: poll); None on
        timeout."""
        return self._handle.next_event(timeout)

    def events(self, timeout: Optional[float] = None) -> Iterator[Dict[str, Any]]:
        """The events until one wait of `timeout` seconds passes without any."""
        while True:
            event = self.next_event(timeout)
            if event is None:
                return
            yield event

    def wait_for(self, type: str, fingerprint: Optional[str] = None, timeout: float = 5.0
                 ) -> Dict[str, Any]:
        """Consume events until one of `type` (for `fingerprint`, if given) arrives; raise
        TimeoutError otherwise."""
        import time
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {type} event within {timeout} s")
            event = self.next_event(left)
            if event and event["type"] == type and (fingerprint is None or event["fingerprint"] == fingerprint):
                return event

    def event_fd(self) -> int:
        """A descriptor readable while events are queued (do not read or close it)."""
        return self._handle.event_fd()

    def stats(self) -> Dict[str, int]:
        """polls, failures, events, dropped, sources, watched, online."""
        return self._handle.stats()

    def sources(self) -> List[Dict[str, Any]]:
        """One dict per source: name, kind, relay_addr, up, polls, failures,
        consecutive_failures, retry_in_ms, last_error, users."""
        return self._handle.sources()

    def close(self) -> None:
        """Stop polling and release the handle (also done when collected)."""
        self._handle = None  # type: ignore[assignment]

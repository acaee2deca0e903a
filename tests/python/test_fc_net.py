"""featherChat presence and relay choice (wzp.featherchat_net): relay-config from a featherChat
stand-in over real HTTP, its malformed and missing forms, presence of a real relay's users
through its HTTP API and in-process, and choose_relay's policies."""
import pytest

import wzp
from wzp import featherchat_net as fcn

from featherchat_stub import FeatherChatStub

TIMEOUT = 10.0


def test_relay_config_from_featherchat_chooses_the_relay():
    config = {"relay_addr": "relay.example:4433", "web_bridge_url": "wss://relay.example:8443/ws/"}
    with FeatherChatStub({}, relay_config=config) as fc:
        got = fcn.fetch_relay_config(fc.relay_config_url)
    assert got == {"relay_addr": "relay.example:4433", "web_bridge_url": "wss://relay.example:8443/ws/",
                   "relays": []}
    assert fcn.choose_relay("default", my_relay="me.example:4433", config=got) == (
        "relay.example:4433", "CONFIG_DEFAULT")
    assert fcn.choose_relay("callee", config=got) == ("relay.example:4433", "CONFIG_DEFAULT")


def test_relay_config_with_a_service_token():
    with FeatherChatStub({}, relay_config={"relay_addr": "r.example:1"}, relay_config_token="svc") as fc:
        with pytest.raises(wzp.WzpError) as refused:
            fcn.fetch_relay_config(fc.relay_config_url)
        assert refused.value.name == "WZP_ERR_AUTH_REJECTED"
        assert fcn.fetch_relay_config(fc.relay_config_url, token="svc")["relay_addr"] == "r.example:1"
        assert fc.requests[-1][1] == "Bearer svc"


@pytest.mark.parametrize("answer, name, words", [
    (None, "WZP_ERR_NOT_FOUND", "404"),
    (500, "WZP_ERR_IO", "500"),
    ("<html>not json</html>", "WZP_ERR_MALFORMED", "not JSON"),
    ("[]", "WZP_ERR_MALFORMED", "not a JSON object"),
    ({"web_bridge_url": "wss://x/ws"}, "WZP_ERR_MALFORMED", '"relay_addr" is missing'),
    ({"relay_addr": "relay.example"}, "WZP_ERR_MALFORMED", '"relay_addr"'),
    ({"relay_addr": "r:1", "web_bridge_url": "http://x"}, "WZP_ERR_MALFORMED", '"web_bridge_url"'),
    ({"relay_addr": "r:1", "relays": ["ok:2", "bad"]}, "WZP_ERR_MALFORMED", '"relays[1]"'),
])
def test_missing_or_malformed_relay_config_is_a_clear_error(answer, name, words):
    with FeatherChatStub({}, relay_config=answer) as fc:
        with pytest.raises(wzp.WzpError) as error:
            fcn.fetch_relay_config(fc.relay_config_url)
    assert error.value.name == name
    assert words in str(error.value)


def test_unreachable_featherchat_and_parse_forms():
    with pytest.raises(wzp.WzpError) as error:
        fcn.fetch_relay_config("http://127.0.0.1:1/v1/wzp/relay-config", timeout=2)
    assert error.value.name == "WZP_ERR_IO"
    assert "unreachable" in str(error.value)
    assert fcn.parse_relay_config(b'{"relay_addr":"[::1]:4433"}')["relay_addr"] == "[::1]:4433"
    assert fcn.parse_relay_config({"relay_addr": "a:1", "relays": ["a:1", "b:2"]})["relays"] == ["b:2"]
    with pytest.raises(wzp.WzpError) as error:
        fcn.parse_relay_config('{"relay_addr": 4433}')
    assert error.value.name == "WZP_ERR_MALFORMED" and '"relay_addr" is not a string' in str(error.value)


def test_presence_watch_through_a_relays_http_api():
    with wzp.Relay(metrics_port=0, http_token="ops") as relay:
        relay_addr = f"127.0.0.1:{relay.port}"
        presence = fcn.Presence(poll_interval_ms=50, backoff_max_ms=400)
        presence.add_http(f"http://127.0.0.1:{relay.http_port}", relay_addr, token="ops")
        presence.add_http(f"http://127.0.0.1:{relay.http_port}", "127.0.0.1:9")  # no token: refused
        presence.start()
        user = wzp.Client(port=relay.port, room="fc-net").connect(TIMEOUT)
        fp = relay.presence()[0]["fingerprint"]
        presence.watch(fp)
        online = presence.wait_for("ONLINE", fp, TIMEOUT)
        assert online["relay_addr"] == relay_addr
        assert online["source"] == f"http://127.0.0.1:{relay.http_port}"
        assert presence.lookup(fp) == (relay_addr, online["source"])
        assert fcn.choose_relay("callee", my_relay="me.example:4433", callee=fp, presence=presence) == (
            relay_addr, "CALLEE_ONLINE")
        user.hangup()
        offline = presence.wait_for("OFFLINE", fp, TIMEOUT)
        assert offline["relay_addr"] == relay_addr
        assert presence.lookup(fp) is None
        assert fcn.choose_relay("callee", my_relay="me.example:4433", callee=fp, presence=presence) == (
            "me.example:4433", "CALLER_RELAY")
        stats = presence.stats()
        assert stats["failures"] >= 1 and stats["events"] == 2 and stats["sources"] == 2
        sources = presence.sources()
        assert sources[0]["up"] is True and sources[1]["up"] is False
        assert "401" in sources[1]["last_error"]
        presence.close()


def test_presence_from_an_in_process_relay_and_registry():
    registry = wzp.Presence()
    with wzp.Relay() as relay:
        presence = fcn.Presence(poll_interval_ms=20)
        presence.add_relay(relay)
        presence.add_registry(registry, "10.0.0.5:4433")
        presence.watch("bob")
        presence.start()
        registry.register_local("bob", 1)
        event = presence.wait_for("ONLINE", "bob", TIMEOUT)
        assert (event["relay_addr"], event["source"]) == ("10.0.0.5:4433", "registry:10.0.0.5:4433")
        user = wzp.Client(port=relay.port, room="fc-net").connect(TIMEOUT)
        fp = relay.presence()[0]["fingerprint"]
        assert presence.lookup(fp) == (f"127.0.0.1:{relay.port}", f"relay:127.0.0.1:{relay.port}")
        registry.unregister_local("bob", 1)
        assert presence.wait_for("OFFLINE", "bob", TIMEOUT)["relay_addr"] == "10.0.0.5:4433"
        assert presence.unwatch("bob") is True and presence.unwatch("bob") is False
        user.hangup()
        presence.close()


def test_an_unreachable_source_backs_off():
    import time
    presence = fcn.Presence(poll_interval_ms=20, backoff_max_ms=160)
    presence.add_http("http://127.0.0.1:1", "127.0.0.1:4433")
    assert presence.event_fd() >= 0
    assert presence.next_event(0) is None
    presence.start()
    time.sleep(0.8)
    stats = presence.stats()
    assert 3 <= stats["failures"] <= 12
    assert presence.sources()[0]["consecutive_failures"] >= 3
    with pytest.raises(wzp.WzpError) as error:
        presence.lookup("anyone")
    assert error.value.name == "WZP_ERR_IO"
    with pytest.raises(TypeError):
        fcn.Presence(poll_every=1)


@pytest.mark.parametrize("policy, mine, callee, default, expected", [
    ("caller", "me:1", "callee:2", "default:3", ("me:1", "CALLER_RELAY")),
    ("caller", None, "callee:2", "default:3", ("callee:2", "CALLEE_ONLINE")),
    ("callee", "me:1", "callee:2", "default:3", ("callee:2", "CALLEE_ONLINE")),
    ("callee", "me:1", None, "default:3", ("me:1", "CALLER_RELAY")),
    ("callee", None, None, "default:3", ("default:3", "CONFIG_DEFAULT")),
    ("default", "me:1", "callee:2", "default:3", ("default:3", "CONFIG_DEFAULT")),
    ("default", None, "callee:2", None, ("callee:2", "CALLEE_ONLINE")),
    ("default", None, None, None, (None, "NONE")),
])
def test_choose_relay_policies(policy, mine, callee, default, expected):
    config = {"relay_addr": default} if default else None
    assert fcn.choose_relay(policy, my_relay=mine, callee_relay=callee, config=config) == expected


def test_choose_relay_refuses_bad_input():
    with pytest.raises(ValueError):
        fcn.choose_relay("nearest", my_relay="me:1")
    with pytest.raises(wzp.WzpError) as error:
        fcn.choose_relay("caller", my_relay="not an address")
    assert error.value.name == "WZP_ERR_INVALID_ARGUMENT" and "my_relay" in str(error.value)

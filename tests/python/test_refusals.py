"""Each refusal raises its own WzpError subclass with close_code / close_origin, the last close
is available, a relay that does not answer is one ConnectTimeoutError naming the address, and
host names are resolved."""
import pickle
import socket

import pytest

import wzp
from featherchat_stub import FeatherChatStub

TIMEOUT = 10.0


def raised(client: wzp.Client, cls) -> wzp.WzpError:
    with pytest.raises(cls) as info:
        client.connect(TIMEOUT)
    return info.value


def expect_refusal(client: wzp.Client, cls, code_name: str, status: str) -> wzp.WzpError:
    err = raised(client, cls)
    assert isinstance(err, wzp.WzpError)
    assert err.name == status
    assert err.close_origin == "peer"
    closed = client.last_close()
    assert closed is not None
    assert (closed.code, closed.code_name, closed.origin) == (err.close_code, code_name, "peer")
    assert code_name in err.message and closed.reason in err.message
    assert client.state == "CLOSED"
    return err


def test_each_refusal_has_its_exception():
    alice, bob = wzp.Identity.generate(), wzp.Identity.generate()
    tokens = {"alice": alice.fingerprint_str, "bad": "invalid", "broken": "http-500"}
    with FeatherChatStub(tokens) as fc, wzp.Relay(auth_url=fc.url, max_room_size=1) as relay:
        expect_refusal(wzp.Client(port=relay.port, token="bad"), wzp.AuthRejectedError,
                       "WZP_CLOSE_AUTH_REJECTED", "WZP_ERR_AUTH_REJECTED")
        expect_refusal(wzp.Client(port=relay.port, token="alice", identity=bob), wzp.AuthRejectedError,
                       "WZP_CLOSE_IDENTITY_MISMATCH", "WZP_ERR_AUTH_REJECTED")
        expect_refusal(wzp.Client(port=relay.port), wzp.AuthRejectedError,
                       "WZP_CLOSE_AUTH_REQUIRED", "WZP_ERR_AUTH_REJECTED")
        expect_refusal(wzp.Client(port=relay.port, token="broken"), wzp.AuthUnavailableError,
                       "WZP_CLOSE_AUTH_UNAVAILABLE", "WZP_ERR_AUTH_UNAVAILABLE")
        first = wzp.Client(port=relay.port, room="tiny", token="alice", identity=alice).connect(TIMEOUT)
        assert first.last_close() is None
        expect_refusal(wzp.Client(port=relay.port, room="tiny", token="alice", identity=alice),
                       wzp.RoomFullError, "WZP_CLOSE_ROOM_FULL", "WZP_ERR_ROOM_FULL")
        first.hangup()


def test_acl_server_full_and_handshake_refusals():
    with wzp.Relay(acl_enabled=True) as relay:
        expect_refusal(wzp.Client(port=relay.port), wzp.AclDeniedError,
                       "WZP_CLOSE_ACL_DENIED", "WZP_ERR_ACL_DENIED")
    with wzp.Relay(max_sessions=1) as relay:
        first = wzp.Client(port=relay.port).connect(TIMEOUT)
        expect_refusal(wzp.Client(port=relay.port), wzp.ServerFullError,
                       "WZP_CLOSE_SERVER_FULL", "WZP_ERR_SERVER_FULL")
        first.hangup()
    with wzp.Relay(require_session_v2=True) as relay:
        err = expect_refusal(wzp.Client(port=relay.port, session_mode="reference"), wzp.HandshakeFailedError,
                             "WZP_CLOSE_HANDSHAKE_FAILED", "WZP_ERR_HANDSHAKE_FAILED")
        assert "v2 media session is required" in err.message


def test_with_client_raises_the_refusal():
    with wzp.Relay(acl_enabled=True) as relay:
        with pytest.raises(wzp.AclDeniedError) as info:
            with wzp.Client(port=relay.port):
                pass
        assert info.value.close_code == 0x301


def test_a_normal_close_and_the_waits_own_timeout():
    with wzp.Relay() as relay:
        c = wzp.Client(port=relay.port).connect(TIMEOUT)
        c.hangup()
        c.wait_for("CLOSED", timeout=TIMEOUT)
        with pytest.raises(wzp.WzpError) as info:
            c.wait_joined(0)
        assert type(info.value) is wzp.WzpError
        assert (info.value.name, info.value.close_code, info.value.close_origin) == ("WZP_ERR_CLOSED", 0, "local")
        assert c.last_close() == wzp.CloseInfo(0, "WZP_CLOSE_NORMAL", "local", "normal close")
    # A wait that times out while still connecting is not a close.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mute:
        mute.bind(("127.0.0.1", 0))
        c = wzp.Client(port=mute.getsockname()[1], handshake_timeout_ms=5000).connect()
        with pytest.raises(wzp.WzpError) as info:
            c.wait_joined(0.05)
        assert (info.value.name, info.value.close_code, info.value.close_origin) == ("WZP_ERR_TIMEOUT", None, None)
        assert type(info.value) is wzp.WzpError
        c.hangup()


def test_nothing_answering_is_a_connect_timeout_naming_the_address():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as mute:  # bound, never answers
        mute.bind(("127.0.0.1", 0))
        port = mute.getsockname()[1]
        c = wzp.Client(port=port, handshake_timeout_ms=300)
        err = raised(c, wzp.ConnectTimeoutError)
    assert (err.name, err.close_code, err.close_origin) == ("WZP_ERR_TIMEOUT", 0x204, "local")
    assert f"no answer from relay 127.0.0.1:{port} within 300 ms" in err.message
    assert "WZP_CLOSE_CONNECT_TIMEOUT" in err.message
    closed = c.last_close()
    assert (closed.code_name, closed.origin) == ("WZP_CLOSE_CONNECT_TIMEOUT", "local")
    ev = c.wait_for("CLOSED", timeout=TIMEOUT)
    assert ev.close_code_name == "WZP_CLOSE_CONNECT_TIMEOUT" and ev.close_reason == closed.reason


def test_host_names():
    with wzp.Relay(host="127.0.0.1") as relay:
        c = wzp.Client(host="localhost", port=relay.port).connect(TIMEOUT)
        assert c.state == "JOINED"
        c.hangup()
    c = wzp.Client(host="nonexistent.invalid", port=4433, handshake_timeout_ms=3000)
    err = raised(c, wzp.ConnectTimeoutError)
    assert "resolve relay host 'nonexistent.invalid'" in err.message


def test_errors_pickle_with_their_close():
    err = wzp.RoomFullError(-63, "WZP_ERR_ROOM_FULL", "room is full", 0x302, "peer")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is wzp.RoomFullError
    assert (back.code, back.name, back.message, back.close_code, back.close_origin) == (
        -63, "WZP_ERR_ROOM_FULL", "room is full", 0x302, "peer")
    assert str(back) == str(err)
    plain = pickle.loads(pickle.dumps(wzp.WzpError(-10, "WZP_ERR_INVALID_HEX", "bad")))
    assert (plain.close_code, plain.close_origin) == (None, None)
    for cls in (wzp.AuthRejectedError, wzp.AuthUnavailableError, wzp.AclDeniedError, wzp.RoomFullError,
                wzp.ServerFullError, wzp.HandshakeFailedError, wzp.ConnectTimeoutError):
        assert issubclass(cls, wzp.WzpError)


def test_handshake_objects_raise_the_subclass_too():
    # Not a close: the status alone picks the subclass, close_code stays None.
    caller = wzp.Caller(wzp.Identity.generate(), session_mode="reference")
    callee = wzp.Callee(wzp.Identity.generate(), require_session_v2=True)
    with pytest.raises(wzp.HandshakeFailedError) as info:
        callee.accept_offer(caller.offer_json())
    assert (info.value.name, info.value.close_code, info.value.close_origin) == (
        "WZP_ERR_HANDSHAKE_FAILED", None, None)

"""Live calls without traps: polls return None, each client state change arrives once,
JOINED names the room and the relay, send_media takes only media packets, and a client
connects once."""
import pytest

import wzp

TIMEOUT = 10.0


def media(seq, payload):
    return wzp.build_media_packet(wzp.MediaHeader(codec=1, seq=seq), payload)


def test_a_poll_with_nothing_queued_returns_none():
    with wzp.Relay() as relay:
        c = wzp.Client(port=relay.port, room="poll")
        assert c.next_event(0) is None
        assert relay.next_event(0) is None
        with pytest.raises(wzp.WzpError) as info:
            c.wait_joined(0)
        assert info.value.name == "WZP_ERR_WOULD_BLOCK"


def test_each_client_state_change_arrives_once():
    with wzp.Relay() as relay:
        c = wzp.Client(port=relay.port, room="once")
        c.connect()
        seen = []
        while True:
            ev = c.next_event(TIMEOUT)
            assert ev is not None
            seen.append(ev)
            if ev.type == "JOINED":
                break
        assert [(e.type, e.state) for e in seen[:-1]] == [("STATE", "CONNECTING"), ("STATE", "HANDSHAKING")]
        assert seen[-1].room == c.sni
        assert seen[-1].fingerprint == relay.fingerprint
        c.hangup()
        rest = list(c.events(TIMEOUT))
        assert [e.type for e in rest] == ["CLOSED"]


def test_send_media_takes_only_media_packets():
    with wzp.Relay() as relay:
        c = wzp.Client(port=relay.port, room="media").connect(TIMEOUT)
        with pytest.raises(wzp.WzpError) as info:
            c.send_media(b"\x01\x02\x03")
        assert info.value.name == "WZP_ERR_MALFORMED"
        c.send_media(media(1, b"fine"))
        c.hangup()


def test_hangup_before_connect_closes_the_client():
    with wzp.Relay() as relay:
        c = wzp.Client(port=relay.port, room="early")
        c.hangup()
        ev = c.wait_for("CLOSED", timeout=TIMEOUT)
        assert ev.close_code == 0 and ev.close_origin == "local"
        assert c.state == "CLOSED"
        with pytest.raises(wzp.WzpError) as info:
            c.connect()
        assert info.value.name == "WZP_ERR_INVALID_STATE"
        assert "create a new client" in info.value.message

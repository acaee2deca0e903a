"""The room extension from Python: peers listed at join, PEER_JOINED / PEER_LEFT events with the
reason, peer signals to one member or the whole room, and a client in the reference mode that
sees none of it but is listed to the others."""
import pytest

import wzp
from featherchat_stub import FeatherChatStub

TIMEOUT = 10.0


def join(relay, room="peers", **options):
    identity = wzp.Identity.generate()
    client = wzp.Client(port=relay.port, room=room, identity=identity, **options).connect(TIMEOUT)
    client.identity = identity  # for the test's bookkeeping
    return client


def fps(client):
    return [p["fingerprint"] for p in client.peers()]


def test_peers_join_leave_and_signal():
    with wzp.Relay() as relay:
        alice = join(relay)
        assert alice.peers() == []
        alice.send_media(wzp.build_media_packet(wzp.MediaHeader(codec=0, seq=1, timestamp=20), b"x"))
        bob = join(relay)
        carol = join(relay)
        a, b, c = (p.identity for p in (alice, bob, carol))
        assert fps(carol) == [a.fingerprint_str, b.fingerprint_str]
        assert carol.peers()[0] == {"fingerprint": a.fingerprint_str, "alias": None}
        # The members present at join, then later joins, each as an event.
        ev = carol.wait_for("PEER_JOINED", timeout=TIMEOUT, fingerprint=a.fingerprint_str)
        assert ev.type == "PEER_JOINED" and ev.room == wzp.hash_room_name("peers") and ev.alias is None
        alice.wait_for("PEER_JOINED", timeout=TIMEOUT, fingerprint=c.fingerprint_str)
        bob.wait_for("PEER_JOINED", timeout=TIMEOUT, fingerprint=c.fingerprint_str)

        alice.send_peer_signal(b"\x00hello bob", to=b.fingerprint_str)
        got = bob.wait_for("PEER_SIGNAL", timeout=TIMEOUT)
        assert (got.fingerprint, got.data) == (a.fingerprint_str, b"\x00hello bob")
        bob.send_peer_signal(b"to all")
        for member in (alice, carol):
            ev = member.wait_for("PEER_SIGNAL", timeout=TIMEOUT)
            assert (ev.fingerprint, ev.data) == (b.fingerprint_str, b"to all")
        # Carol got only bob's broadcast: alice's signal went to bob alone.
        assert [e for e in carol.events(0) if e.type == "PEER_SIGNAL"] == []

        with pytest.raises(wzp.WzpError) as large:
            alice.send_peer_signal(bytes(wzp.MAX_PEER_SIGNAL_BYTES + 1))
        assert large.value.name == "WZP_ERR_TOO_LARGE"
        with pytest.raises(wzp.WzpError) as unknown:
            alice.send_peer_signal(b"?", to=wzp.Identity.generate().fingerprint_str)
        assert unknown.value.name == "WZP_ERR_NOT_FOUND"

        bob.hangup("Declined")
        for member in (alice, carol):
            left = member.wait_for("PEER_LEFT", timeout=TIMEOUT, fingerprint=b.fingerprint_str)
            assert left.close_code == 0
            assert left.close_origin == "peer"
            # The Hangup signal and the close travel together; either may end the session first.
            assert left.close_reason in ("hangup (Declined)", "normal close")
        assert fps(alice) == [c.fingerprint_str]
        stats = relay.stats()
        assert stats["datagrams_no_recipient"] == 1
        assert stats["peer_signals_forwarded"] == 3
        assert stats["peer_signals_dropped"] == 0
        assert stats["membership_messages_sent"] == 3 + 3 + 2
        alice.hangup()
        carol.hangup()


def test_reference_mode_client_sees_nothing_new_and_is_listed():
    with wzp.Relay() as relay:
        quiet = join(relay, session_mode="reference")
        with pytest.raises(wzp.WzpError) as info:
            quiet.peers()
        assert info.value.name == "WZP_ERR_INVALID_STATE"
        with pytest.raises(wzp.WzpError):
            quiet.send_peer_signal(b"x")
        alice = join(relay)
        assert fps(alice) == [quiet.identity.fingerprint_str]
        alice.send_peer_signal(b"anyone?")
        bob = join(relay)
        alice.wait_for("PEER_JOINED", timeout=TIMEOUT, fingerprint=bob.identity.fingerprint_str)
        quiet.hangup()
        alice.wait_for("PEER_LEFT", timeout=TIMEOUT, fingerprint=quiet.identity.fingerprint_str)
        assert {e.type for e in quiet.events(0)} <= {"STATE", "JOINED", "CLOSED"}
        assert relay.stats()["peer_signals_dropped"] == 1
        alice.hangup()
        bob.hangup()


def test_alias_from_the_auth_server():
    first, second = wzp.Identity.generate(), wzp.Identity.generate()
    tokens = {"t1": first.fingerprint_str, "t2": second.fingerprint_str}
    with FeatherChatStub(tokens) as fc, wzp.Relay(auth_url=fc.url, auth_timeout_ms=2000) as relay:
        a = wzp.Client(port=relay.port, room="r", token="t1", identity=first).connect(TIMEOUT)
        b = wzp.Client(port=relay.port, room="r", token="t2", identity=second).connect(TIMEOUT)
        assert b.peers() == [{"fingerprint": first.fingerprint_str, "alias": "tester"}]
        ev = a.wait_for("PEER_JOINED", timeout=TIMEOUT, fingerprint=second.fingerprint_str)
        assert ev.alias == "tester"
        b.hangup()
        a.hangup()

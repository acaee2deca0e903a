"""A relay and clients in-process, over real QUIC on loopback, driven from Python."""
import asyncio
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import wzp
from conftest import run_example
from featherchat_stub import FeatherChatStub

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 10.0


def media(seq: int, payload: bytes) -> bytes:
    return wzp.build_media_packet(wzp.MediaHeader(codec=0, seq=seq, timestamp=20 * seq), payload)


def refused(client: wzp.Client) -> wzp.Event:
    """Wait for a client's CLOSED event and return it (after checking wait_joined raises the
    error of that close)."""
    with pytest.raises(wzp.WzpError) as info:
        client.wait_joined(TIMEOUT)
    ev = client.wait_for("CLOSED", timeout=TIMEOUT)
    assert (info.value.close_code, info.value.close_origin) == (ev.close_code, ev.close_origin)
    assert ev.close_code_name in info.value.message
    return ev


def collect_media(client: wzp.Client, count: int):
    """The first `count` media datagrams the client receives (a TimeoutError if they do not come),
    plus any already queued behind them."""
    got = [client.wait_for("MEDIA", timeout=TIMEOUT).data for _ in range(count)]
    return got + [e.data for e in client.events(0) if e.type == "MEDIA"]


def test_rooms_forward_to_exactly_the_other_members():
    with wzp.Relay() as relay:
        a = [wzp.Client(port=relay.port, room="A").connect(TIMEOUT) for _ in range(3)]
        b = [wzp.Client(port=relay.port, room="B").connect(TIMEOUT) for _ in range(2)]
        for i, c in enumerate(a + b):
            c.send_media(media(i, f"from {i}".encode()))
        got = {i: collect_media(c, 2 if i < 3 else 1) for i, c in enumerate(a + b)}
        for i in range(3):
            assert sorted(got[i]) == sorted(media(j, f"from {j}".encode()) for j in range(3) if j != i)
        assert got[3] == [media(4, b"from 4")]
        assert got[4] == [media(3, b"from 3")]
        rooms = {r["room"]: len(r["participants"]) for r in relay.rooms()}
        assert rooms == {wzp.hash_room_name("A"): 3, wzp.hash_room_name("B"): 2}
        assert relay.stats()["datagrams_forwarded"] == 3 * 2 + 2 * 1
        for c in a + b:
            c.hangup()


def test_relay_events_and_hangup():
    identity = wzp.Identity.generate()
    with wzp.Relay() as relay:
        with wzp.Client(port=relay.port, room="general", identity=identity) as c:
            joined = relay.wait_for("JOINED", timeout=TIMEOUT)
            assert joined.fingerprint == identity.fingerprint_str
            assert joined.room == wzp.hash_room_name("general")
            assert c.relay_fingerprint == relay.fingerprint
        left = relay.wait_for("LEFT", timeout=TIMEOUT)
        # Hangup{Normal} arrives just before the close; whichever the relay reads first ends the session.
        assert (left.close_code, left.close_origin) == (0, "peer")
        assert left.close_reason in ("hangup (Normal)", "normal close")


def test_auth_accepted_rejected_and_unavailable():
    alice = wzp.Identity.generate()
    tokens = {"alice": alice.fingerprint_str, "mallory": "invalid", "broken": "http-500", "odd": "garbage"}
    with FeatherChatStub(tokens) as fc, wzp.Relay(auth_url=fc.url, auth_timeout_ms=2000) as relay:
        ok = wzp.Client(port=relay.port, room="r", token="alice", identity=alice).connect(TIMEOUT)
        assert ok.state == "JOINED"
        assert relay.wait_for("JOINED", timeout=TIMEOUT).fingerprint == alice.fingerprint_str
        path, content_type, body = fc.requests[0]
        assert (path, content_type, body) == ("/v1/auth/validate", "application/json", b'{"token":"alice"}')

        bad = wzp.Client(port=relay.port, room="r", token="mallory")
        bad.connect()
        ev = refused(bad)
        assert (ev.close_code_name, ev.close_origin) == ("WZP_CLOSE_AUTH_REJECTED", "peer")
        assert ev.close_reason == "token rejected: invalid token"

        for token, reason in (("broken", "auth endpoint returned 500"), ("odd", "invalid auth response")):
            c = wzp.Client(port=relay.port, room="r", token=token)
            c.connect()
            ev = refused(c)
            assert ev.close_code_name == "WZP_CLOSE_AUTH_UNAVAILABLE"
            assert reason in ev.close_reason

        none = wzp.Client(port=relay.port, room="r")
        none.connect()
        ev = refused(none)
        assert ev.close_code_name == "WZP_CLOSE_AUTH_REQUIRED"
        assert "AuthToken" in ev.close_reason
        stats = relay.stats()
        assert stats["auth_ok"] == 1 and stats["auth_unavailable"] == 2
        ok.hangup()


def test_auth_server_down_and_slow():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{s.getsockname()[1]}/v1/auth/validate"
    with wzp.Relay(auth_url=dead_url) as relay:
        c = wzp.Client(port=relay.port, token="t")
        c.connect()
        ev = refused(c)
        assert ev.close_code_name == "WZP_CLOSE_AUTH_UNAVAILABLE"
        assert "auth server unavailable" in ev.close_reason
    with FeatherChatStub({"slow": ("slow", 1.5)}) as fc, wzp.Relay(auth_url=fc.url, auth_timeout_ms=300) as relay:
        c = wzp.Client(port=relay.port, token="slow")
        c.connect()
        ev = refused(c)
        assert ev.close_code_name == "WZP_CLOSE_AUTH_UNAVAILABLE"
        assert "timed out" in ev.close_reason


def test_token_must_belong_to_the_handshake_identity_unless_relaxed():
    alice, bob = wzp.Identity.generate(), wzp.Identity.generate()
    with FeatherChatStub({"alice": alice.fingerprint_str}) as fc:
        with wzp.Relay(auth_url=fc.url) as relay:
            c = wzp.Client(port=relay.port, token="alice", identity=bob)
            c.connect()
            ev = refused(c)
            assert ev.close_code_name == "WZP_CLOSE_IDENTITY_MISMATCH"
            assert alice.fingerprint_str in ev.close_reason and bob.fingerprint_str in ev.close_reason
        with wzp.Relay(auth_url=fc.url, allow_identity_mismatch=True) as relay:
            c = wzp.Client(port=relay.port, token="alice", identity=bob).connect(TIMEOUT)
            assert c.state == "JOINED"
            c.hangup()


def test_a_trusted_bridge_speaks_for_its_users_and_nobody_else_does(tmp_path):
    """A web bridge holds no user's seed: listed with trusted_bridges, its sessions carry the users'
    tokens and are admitted as the token's fingerprint (the ACL checks that one); another identity
    presenting the same token is still refused."""
    alice, bridge, mallory = wzp.Identity.generate(), wzp.Identity.generate(), wzp.Identity.generate()
    room = wzp.hash_room_name("staff")
    acl = tmp_path / "acl.txt"
    acl.write_text(f"{room} {alice.fingerprint_str}\n")
    with FeatherChatStub({"alice": alice.fingerprint_str}) as fc:
        with pytest.raises(wzp.WzpError, match="INVALID_ARGUMENT.*not a fingerprint"):
            wzp.Relay(auth_url=fc.url, trusted_bridges=["bridge"])
        with wzp.Relay(auth_url=fc.url, acl_file=str(acl), trusted_bridges=[bridge.fingerprint_str]) as relay:
            c = wzp.Client(port=relay.port, room="staff", token="alice", identity=bridge).connect(TIMEOUT)
            assert c.state == "JOINED"
            imposter = wzp.Client(port=relay.port, room="staff", token="alice", identity=mallory)
            imposter.connect()
            ev = refused(imposter)
            assert ev.close_code_name == "WZP_CLOSE_IDENTITY_MISMATCH"
            stats = relay.stats()
            assert stats["bridged_sessions"] == 1 and stats["rejected_identity"] == 1
            c.hangup()


def test_acl_allows_and_denies(tmp_path):
    alice, bob = wzp.Identity.generate(), wzp.Identity.generate()
    room = wzp.hash_room_name("staff")
    acl = tmp_path / "acl.txt"
    acl.write_text(f"# staff only\n{room} {alice.fingerprint_str}\n")
    tokens = {"alice": alice.fingerprint_str, "bob": bob.fingerprint_str}
    with FeatherChatStub(tokens) as fc, wzp.Relay(auth_url=fc.url, acl_file=str(acl)) as relay:
        ok = wzp.Client(port=relay.port, room="staff", token="alice", identity=alice).connect(TIMEOUT)
        denied = wzp.Client(port=relay.port, room="staff", token="bob", identity=bob)
        denied.connect()
        ev = refused(denied)
        assert ev.close_code_name == "WZP_CLOSE_ACL_DENIED"
        assert bob.fingerprint_str in ev.close_reason
        assert relay.wait_for("REJECTED", timeout=TIMEOUT).close_code_name == "WZP_CLOSE_ACL_DENIED"
        relay.acl_allow(room, bob.fingerprint_str)
        now_ok = wzp.Client(port=relay.port, room="staff", token="bob", identity=bob).connect(TIMEOUT)
        assert now_ok.state == "JOINED"
        assert relay.stats()["rejected_acl"] == 1
        ok.hangup()
        now_ok.hangup()


def test_malformed_datagrams_are_refused_by_the_client():
    # The client refuses what the relay would drop; the relay's own counting of malformed
    # datagrams from other clients is tested in C++ (tests/cpp/live/forwarding_test.cpp).
    with wzp.Relay() as relay:
        a = wzp.Client(port=relay.port, room="x").connect(TIMEOUT)
        b = wzp.Client(port=relay.port, room="x").connect(TIMEOUT)
        for junk in (b"short", bytes([0x3C]) + bytes(11), bytes([0x02]) + bytes(12)):
            with pytest.raises(wzp.WzpError) as refused:
                a.send_media(junk)  # too short; codec nibble 15; Q bit without a trailer
            assert refused.value.name == "WZP_ERR_MALFORMED"
        a.send_media(media(1, b"still here"))
        assert collect_media(b, 1) == [media(1, b"still here")]
        assert relay.stats()["datagrams_malformed"] == 0
        assert relay.stats()["datagrams_forwarded"] == 1
        assert a.state == "JOINED"
        with pytest.raises(wzp.WzpError) as info:
            a.send_media(bytes(5000))
        assert info.value.name == "WZP_ERR_TOO_LARGE"


def test_relay_stop_closes_clients_with_a_reason():
    relay = wzp.Relay().start()
    c = wzp.Client(port=relay.port, room="x").connect(TIMEOUT)
    relay.stop()
    ev = c.wait_for("CLOSED", timeout=TIMEOUT)
    assert (ev.close_code_name, ev.close_reason) == ("WZP_CLOSE_SHUTDOWN", "relay is shutting down")


def test_session_and_room_caps():
    with wzp.Relay(max_sessions=1) as relay:
        first = wzp.Client(port=relay.port).connect(TIMEOUT)
        second = wzp.Client(port=relay.port)
        second.connect()
        assert refused(second).close_code_name == "WZP_CLOSE_SERVER_FULL"
        first.hangup()
    with wzp.Relay(max_room_size=1) as relay:
        first = wzp.Client(port=relay.port, room="tiny").connect(TIMEOUT)
        second = wzp.Client(port=relay.port, room="tiny")
        second.connect()
        assert refused(second).close_code_name == "WZP_CLOSE_ROOM_FULL"
        first.hangup()


def test_relay_fingerprint_pinning_and_identity_file(tmp_path):
    seed_file = tmp_path / "relay.seed"
    with wzp.Relay(identity_file=str(seed_file)) as relay:
        fp = relay.fingerprint
        good = wzp.Client(port=relay.port, pin_relay_fingerprint=wzp.fingerprint_parse(fp),
                          pin_cert_sha256=relay.cert_sha256).connect(TIMEOUT)
        assert good.relay_fingerprint == fp
        wrong = wzp.Client(port=relay.port, pin_relay_fingerprint=bytes(16))
        wrong.connect()
        ev = refused(wrong)
        assert ev.close_code_name == "WZP_CLOSE_HANDSHAKE_FAILED" and "pinned" in ev.close_reason
        good.hangup()
    assert len(seed_file.read_text().strip()) == 64
    with wzp.Relay(identity_file=str(seed_file)) as relay:  # same identity after a restart
        assert relay.fingerprint == fp


def test_asyncio_waits_on_the_event_fd():
    async def scenario():
        with wzp.Relay() as relay:
            a = wzp.Client(port=relay.port, room="aio")
            a.connect()
            states = []
            while True:
                ev = await a.next_event_async(TIMEOUT)
                assert ev is not None
                states.append(ev.state)
                if ev.type == "JOINED":
                    break
            assert states[0] == "CONNECTING" and states[-1] == "JOINED"
            b = wzp.Client(port=relay.port, room="aio").connect(TIMEOUT)
            b.send_media(media(7, b"async"))
            while True:
                ev = await a.next_event_async(TIMEOUT)
                if ev.type == "MEDIA":
                    assert ev.data == media(7, b"async")
                    break
            a.hangup()
            b.hangup()

    asyncio.run(scenario())


def test_ipv6_loopback():
    with wzp.Relay(host="::1") as relay:
        c = wzp.Client(host="::1", port=relay.port, room="v6").connect(TIMEOUT)
        assert c.state == "JOINED"
        c.hangup()


def test_relay_call_example_runs():
    out = run_example(ROOT / "examples/python/relay_call.py", timeout=60)
    assert "bob heard: hello bob" in out
    assert "carol refused: WZP_ERR_ROOM_FULL 0x302 peer" in out
    assert "bob: alice left, hangup (Normal)" in out
    assert "relay forwarded 1 datagram(s)" in out


def test_remaining_relay_and_client_calls(tmp_path):
    alice = wzp.Identity.generate()
    with FeatherChatStub({"alice": alice.fingerprint_str}) as fc, wzp.Relay(auth_url=fc.url) as relay:
        assert relay.address == f"127.0.0.1:{relay.port}"
        assert relay.event_fd() >= 0
        vip = wzp.hash_room_name("vip")
        acl = tmp_path / "acl.txt"
        acl.write_text(f"{vip} {wzp.Identity.generate().fingerprint_str}\n")  # someone else
        relay.acl_load_file(str(acl))
        relay.acl_set_enabled(True)
        kept_out = wzp.Client(port=relay.port, room="vip", token="alice", identity=alice)
        kept_out.connect()
        assert refused(kept_out).close_code_name == "WZP_CLOSE_ACL_DENIED"  # the file's list is in force
        acl.write_text("room-without-fingerprints\n")
        with pytest.raises(wzp.WzpError) as info:
            relay.acl_load_file(str(acl))
        assert info.value.name == "WZP_ERR_INVALID_ARGUMENT" and "line 1" in info.value.message
        relay.acl_set_enabled(False)
        with wzp.Client(port=relay.port, room="vip", token="alice", identity=alice) as c:  # list off: admitted
            assert c.sni == vip
            c.send_signal('{"Ping":{"timestamp_ms":1}}')
            with pytest.raises(wzp.WzpError) as info:
                c.send_signal('{"NoSuchVariant":{}}')
            assert info.value.name == "WZP_ERR_JSON"
            stats = c.stats()
            assert stats["signals_sent"] >= 2 and stats["rtt_us"] > 0
            assert relay.stats()["participants"] == 1
        assert relay.stats()["rejected_acl"] == 1


def test_acl_revoke_refuses_a_client_that_holds_a_valid_token():
    alice = wzp.Identity.generate()
    room = wzp.hash_room_name("staff")
    with FeatherChatStub({"alice": alice.fingerprint_str}) as fc, \
            wzp.Relay(auth_url=fc.url, acl_enabled=True) as relay:
        relay.acl_allow(room, alice.fingerprint_str)
        before = wzp.Client(port=relay.port, room="staff", token="alice", identity=alice).connect(TIMEOUT)
        assert relay.wait_for("JOINED", timeout=TIMEOUT).fingerprint == alice.fingerprint_str
        before.hangup()
        relay.acl_revoke(room, alice.fingerprint_str)
        after = wzp.Client(port=relay.port, room="staff", token="alice", identity=alice)
        after.connect()
        ev = refused(after)
        assert ev.close_code_name == "WZP_CLOSE_ACL_DENIED"
        assert ev.close_reason == (f"fingerprint {alice.fingerprint_str} is not allowed in room {room}"
                                   " (its entries were all revoked)")
        rejected = relay.wait_for("REJECTED", timeout=TIMEOUT)
        assert (rejected.close_code_name, rejected.close_reason) == ("WZP_CLOSE_ACL_DENIED", ev.close_reason)
        stats = relay.stats()
        assert stats["auth_ok"] == 2  # the token was good both times: the revoke is what refused it
        assert stats["rejected_acl"] == 1


def test_log_level_filters_what_the_library_prints():
    script = ("import sys, wzp\n"
              "wzp.log_set_level(int(sys.argv[1]))\n"
              "with wzp.Relay() as relay:\n"
              "    pass\n")
    def stderr_at(level):
        return subprocess.run([sys.executable, "-c", script, str(level)], capture_output=True, text=True,
                              timeout=60, check=True).stderr
    assert "listening on 127.0.0.1:" in stderr_at(2)  # INFO
    assert "listening on" not in stderr_at(1)  # WARN, the default


def test_refused_before_connecting_and_bad_options():
    with pytest.raises(ValueError):
        wzp.Client(port=1, session_mode="fast")
    with pytest.raises(wzp.WzpError) as info:
        wzp.Client(host="", port=1)
    assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"
    relay = wzp.Relay(host="not-an-ip")
    with pytest.raises(wzp.WzpError) as info:
        relay.start()
    assert "not an IP address" in info.value.message


def test_relay_stats_report_the_quic_handshake_budget():
    with wzp.Relay(port=0) as relay:
        alice = wzp.Client(port=relay.port, room="general").connect(timeout=10)
        stats = relay.stats()
        # No load: nothing refused, no Retry, no reset; the joined client holds one session.
        for key in ("handshakes_in_progress", "handshakes_refused", "handshake_timeouts",
                    "retries_sent", "stateless_resets_sent"):
            assert stats[key] == 0, key
        assert stats["sessions_active"] == 1
        alice.hangup()


def test_sender_rate_policing_is_configurable_and_counted():
    import time

    with wzp.Relay(sender_datagrams_per_s=10, sender_burst_datagrams=5, sender_bytes_per_s=0) as relay:
        alice = wzp.Client(port=relay.port, room="policed").connect(TIMEOUT)
        bob = wzp.Client(port=relay.port, room="policed").connect(TIMEOUT)
        for i in range(50):
            alice.send_media(media(i, b"x" * 40))
        deadline = time.monotonic() + TIMEOUT
        while relay.stats()["datagrams_received"] < 50 and time.monotonic() < deadline:
            time.sleep(0.01)
        stats = relay.stats()
        assert stats["datagrams_received"] == 50
        assert stats["datagrams_forwarded"] + stats["datagrams_rate_limited"] == 50
        assert stats["datagrams_rate_limited"] >= 30  # burst 5, then 10/s
        members = relay.rooms()[0]["participants"]
        limited = sorted(p["datagrams_rate_limited"] for p in members)
        assert limited == [0, stats["datagrams_rate_limited"]]  # bob sent nothing
        assert all(p["signal_bytes_buffered"] == 0 for p in members)
        for key in ("tls_refused", "signal_streams_timed_out", "auth_cancelled"):
            assert stats[key] == 0
        alice.hangup()
        bob.hangup()


def test_admission_limits_are_keyword_arguments():
    with pytest.raises(wzp.WzpError) as err:
        wzp.Relay(handshake_timeout_ms=0)
    assert err.value.name == "WZP_ERR_INVALID_ARGUMENT"
    assert "handshake_timeout_ms" in str(err.value)
    with pytest.raises(wzp.WzpError):
        wzp.Relay(auth_max_pending_per_address=0)
    with wzp.Relay(max_handshakes=2, handshake_timeout_ms=2000, auth_max_pending=8,
                   auth_max_pending_per_address=2) as relay:
        alice = wzp.Client(port=relay.port, room="limits").connect(TIMEOUT)
        assert relay.stats()["sessions_active"] == 1
        alice.hangup()

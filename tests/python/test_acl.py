"""The relay's access list from Python: what each rule admits and refuses, default-deny mode,
plain room names, and entries that could never match."""
import pytest

import wzp
from featherchat_stub import FeatherChatStub

TIMEOUT = 10.0


def admitted(relay: wzp.Relay, room: str, identity: wzp.Identity, **options) -> bool:
    """Connect, wait for JOINED or CLOSED, hang up; True if joined. A refusal must be the ACL's."""
    client = wzp.Client(port=relay.port, room=room, identity=identity, **options)
    client.connect()
    while True:
        event = client.next_event(TIMEOUT)
        assert event is not None, "neither JOINED nor CLOSED"
        if event.type == "JOINED":
            client.hangup()
            return True
        if event.type == "CLOSED":
            assert event.close_code_name == "WZP_CLOSE_ACL_DENIED", event.close_reason
            return False


def test_entries_that_could_never_match_are_refused(tmp_path):
    fp = wzp.Identity.generate().fingerprint_str
    with wzp.Relay() as relay:
        with pytest.raises(wzp.WzpError) as info:
            relay.acl_allow("general", fp)  # a plain room name: clients send its hash
        assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"
        assert "room 'general' is neither a room hash" in info.value.message
        with pytest.raises(wzp.WzpError) as info:
            relay.acl_allow(wzp.hash_room_name("general"), "alice")
        assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"
        assert "fingerprint 'alice' is not valid" in info.value.message
        for call in (relay.acl_revoke, relay.acl_allow_room_name, relay.acl_revoke_room_name):
            with pytest.raises(wzp.WzpError):
                call("general" if call is relay.acl_revoke else "x", "a1b2")
        with pytest.raises(wzp.WzpError):
            relay.acl_clear_room("general")
        bad = tmp_path / "acl.txt"
        bad.write_text(f"# staff\n{wzp.hash_room_name('staff')} {fp}\nstaff {fp}\n")
        with pytest.raises(wzp.WzpError) as info:
            relay.acl_load_file(str(bad))
        assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"
        assert "line 3: room 'staff' is neither a room hash" in info.value.message
    with pytest.raises(wzp.WzpError) as info:
        wzp.Relay(acl_file=str(bad))
    assert "line 3" in info.value.message


def test_without_auth_the_handshake_identity_is_checked():
    alice, bob = wzp.Identity.generate(), wzp.Identity.generate()
    with wzp.Relay(acl_enabled=True) as relay:
        relay.acl_allow_room_name("staff", alice.fingerprint_str)
        relay.acl_allow("sni:lobby", bob.fingerprint_str.replace(":", "").upper())  # normalised
        assert admitted(relay, "staff", alice)
        assert not admitted(relay, "staff", bob)
        assert admitted(relay, "Lobby", bob, raw_room=True)
        assert not admitted(relay, "lobby", alice, raw_room=True)
        assert admitted(relay, "elsewhere", bob)  # an unlisted room admits anyone
        assert relay.stats()["rejected_acl"] == 2


def test_with_auth_the_token_fingerprint_is_checked():
    alice, bob = wzp.Identity.generate(), wzp.Identity.generate()
    tokens = {"alice": alice.fingerprint_str, "bob": bob.fingerprint_str}
    with FeatherChatStub(tokens) as fc, wzp.Relay(auth_url=fc.url, acl_default_deny=True) as relay:
        relay.acl_allow_room_name("staff", alice.fingerprint_str)
        assert admitted(relay, "staff", alice, token="alice")
        assert not admitted(relay, "staff", bob, token="bob")
        assert not admitted(relay, "elsewhere", alice, token="alice")  # default deny


def test_default_deny_refuses_unlisted_rooms():
    alice = wzp.Identity.generate()
    with wzp.Relay(acl_default_deny=True) as relay:  # turns the ACL on by itself
        relay.acl_allow_room_name("staff", alice.fingerprint_str)
        assert admitted(relay, "staff", alice)
        client = wzp.Client(port=relay.port, room="elsewhere", identity=alice)
        client.connect()
        closed = client.wait_for("CLOSED", timeout=TIMEOUT)
        assert closed.close_code_name == "WZP_CLOSE_ACL_DENIED"
        assert "denies by default" in closed.close_reason
        relay.acl_set_default_deny(False)
        assert admitted(relay, "elsewhere", alice)
        relay.acl_set_default_deny(True)
        assert not admitted(relay, "elsewhere", alice)


def test_revoking_the_last_entry_keeps_the_room_closed_until_cleared():
    alice = wzp.Identity.generate()
    with wzp.Relay(acl_enabled=True) as relay:
        relay.acl_allow_room_name("staff", alice.fingerprint_str)
        relay.acl_revoke_room_name("staff", alice.fingerprint_str)
        assert not admitted(relay, "staff", alice)
        relay.acl_revoke_room_name("open", alice.fingerprint_str)  # an unlisted room stays unlisted
        assert admitted(relay, "open", alice)
        relay.acl_clear_room(wzp.hash_room_name("staff"))
        assert admitted(relay, "staff", alice)

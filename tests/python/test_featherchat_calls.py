"""featherChat calls from Python: the signalling bridge, the call manager's state machine on a
virtual clock (a list stands in for featherChat's message channel), and whole calls through a
real relay that checks featherChat tokens with a stand-in featherChat server over real HTTP."""
import re
import subprocess
import sys
import time
from array import array
from pathlib import Path

import pytest

import wzp
from conftest import run_example
from wzp import featherchat_net as fcn
from wzp.featherchat import (CallManager, decode_signal, encode_signal, missed_call_decode,
                             missed_call_encode, open_signal, wrap_signal)
from featherchat_stub import FeatherChatStub

ROOT = Path(__file__).resolve().parents[2]
HANGUP = {"Hangup": {"reason": "Normal"}}


@pytest.fixture
def users():
    return wzp.Identity.generate(), wzp.Identity.generate()


# --- the bridge -------------------------------------------------------------------------------

def test_wrap_gives_the_specs_payload_and_fresh_ids(users):
    alice, bob = users
    first = wrap_signal(HANGUP, alice.fingerprint_str, bob.fingerprint_str)
    second = wrap_signal(HANGUP, alice.fingerprint_str, bob.fingerprint_str)
    assert first["payload"] == '{"signal":{"Hangup":{"reason":"Normal"}},"relay_addr":null,"room":null}'
    assert first["signal_type"] == "Hangup"
    assert (first["sender_fingerprint"], first["target"]) == (alice.fingerprint_str, bob.fingerprint_str)
    assert first["id"] != second["id"]
    routed = wrap_signal(HANGUP, alice.fingerprint_str, bob.fingerprint_str, relay_addr="relay.example:4433",
                         room="Design team")
    assert open_signal(routed) == {"signal": HANGUP, "relay_addr": "relay.example:4433", "room": "Design team"}
    assert decode_signal(encode_signal(routed)) == routed


def test_malformed_signals_raise_with_the_reason(users):
    alice, bob = users
    good = wrap_signal(HANGUP, alice.fingerprint_str, bob.fingerprint_str)
    # Not the shape of a CallSignal: WZP_ERR_JSON; well-formed but inconsistent: WZP_ERR_MALFORMED.
    for bad, name in (({**good, "signal_type": "Answer"}, "WZP_ERR_MALFORMED"),
                      ({**good, "payload": "{"}, "WZP_ERR_JSON"),
                      ({**good, "signal_type": "Shout"}, "WZP_ERR_JSON"),
                      ({k: v for k, v in good.items() if k != "payload"}, "WZP_ERR_JSON")):
        with pytest.raises(wzp.WzpError) as err:
            open_signal(bad)
        assert err.value.name == name and str(err.value)
    with pytest.raises(wzp.WzpError):
        wrap_signal({"Nope": 1}, alice.fingerprint_str, bob.fingerprint_str)
    with pytest.raises(wzp.WzpError):
        decode_signal(encode_signal(good)[:-1])
    record = {"caller": "0011223344556677", "callee": "8899aabbccddeeff", "time": 1767225600,
              "call_id": "0d6f1c7e-2b1a-4c55-9a0e-5b7e8f1a2c3d", "media": "audio"}
    assert len(missed_call_encode(record)) == 39
    assert missed_call_decode(missed_call_encode(record)) == record
    with pytest.raises(wzp.WzpError):
        missed_call_decode(b"\0" * 38)


# --- the state machine on a virtual clock ------------------------------------------------------

class Channel:
    """featherChat stood in for: SENDs held in a list, delivered to their target in order."""

    def __init__(self, **config):
        self.config = dict(manual_clock=True, join_relay=False, **config)
        self.phones = {}  # fingerprint -> (manager, events seen)
        self.held = []

    def add(self, **config):
        identity = wzp.Identity.generate()
        manager = CallManager(identity, **{**self.config, **config})
        self.phones[identity.fingerprint_str] = (manager, [])
        return identity.fingerprint_str, manager

    def events(self, fp):
        return self.phones[fp][1]

    def states(self, fp, call_id):
        return [(e["state"], e["end"]) for e in self.events(fp) if e["type"] == "STATE" and e["call_id"] == call_id]

    def collect(self):
        for manager, seen in self.phones.values():
            for event in manager.events():
                seen.append(event)
                if event["type"] == "SEND":
                    self.held.append((event["target"], event["bincode"]))

    def deliver(self, held=None):
        for _ in range(50):
            self.collect()
            messages, self.held = (held, self.held) if held is not None else (self.held, [])
            held = None
            if not messages:
                return
            for target, message in messages:
                self.phones[target][0].receive(message)
        raise AssertionError("the phones never went quiet")

    def advance(self, now_ms):
        for manager, _ in self.phones.values():
            manager.advance(now_ms)
        self.deliver()


def test_answered_call_walks_every_state():
    ch = Channel()
    alice, a = ch.add()
    bob, b = ch.add()
    call_id = a.place_call(bob, relay_addr="127.0.0.1:4433", room="family")
    ch.deliver()
    b.accept(call_id)
    ch.deliver()
    a.media_connected(call_id)
    b.media_connected(call_id)
    a.hangup(call_id)
    ch.deliver()
    assert ch.states(alice, call_id) == [("OFFERING", "NONE"), ("RINGING", "NONE"), ("CONNECTING", "NONE"),
                                         ("ACTIVE", "NONE"), ("ENDED", "HANGUP")]
    assert ch.states(bob, call_id) == [("RINGING", "NONE"), ("CONNECTING", "NONE"), ("ACTIVE", "NONE"),
                                       ("ENDED", "HANGUP")]
    assert [h["call_id"] for h in b.history()] == [call_id]
    assert b.call(call_id)["room"] == "family"


def test_missed_busy_and_timeouts():
    ch = Channel(ring_timeout_ms=30000, connect_timeout_ms=10000)
    alice, a = ch.add()
    bob, b = ch.add()
    carol, c = ch.add()
    missed = a.place_call(bob, relay_addr="127.0.0.1:4433")
    ch.deliver()
    ch.advance(29999)
    assert ch.states(bob, missed)[-1] == ("RINGING", "NONE")
    ch.advance(30000)
    assert ch.states(alice, missed)[-1] == ("ENDED", "MISSED")
    assert ch.states(bob, missed)[-1] == ("ENDED", "MISSED")
    records = [e for e in ch.events(bob) if e["type"] == "MISSED"]
    assert len(records) == 1 and len(records[0]["missed_call"]) == 39
    assert records[0]["record"]["call_id"] == missed
    assert missed_call_decode(records[0]["missed_call"]) == records[0]["record"]

    first = c.place_call(bob, relay_addr="127.0.0.1:4433")
    ch.deliver()
    b.accept(first)
    ch.deliver()
    b.media_connected(first)
    c.media_connected(first)
    second = a.place_call(bob, relay_addr="127.0.0.1:4433")
    ch.deliver()
    assert ch.states(alice, second)[-1] == ("ENDED", "BUSY")
    assert b.call(first)["state"] == "active"
    assert b.stats()["busy"] == 1

    c.hangup(first)
    ch.deliver()
    stuck = a.place_call(bob, relay_addr="127.0.0.1:4433")
    ch.deliver()
    b.accept(stuck)
    ch.deliver()
    ch.advance(30000 + 10000)  # nobody reports the media: the connect timeout
    assert ch.states(alice, stuck)[-1] == ("ENDED", "FAILED")


@pytest.mark.parametrize("alice_first", [True, False])
def test_glare_resolves_to_one_call(alice_first):
    ch = Channel()
    alice, a = ch.add()
    bob, b = ch.add()
    ids = {alice: a.place_call(bob, relay_addr="127.0.0.1:4433"), bob: b.place_call(alice, relay_addr="127.0.0.1:4433")}
    ch.collect()
    offers, ch.held = ch.held, []
    if (offers[0][0] == bob) != alice_first:
        offers.reverse()
    ch.deliver(offers)
    kept = min(ids.values())
    for manager in (a, b):
        assert [(c["call_id"], c["state"]) for c in manager.live_calls()] == [(kept, "connecting")]
    loser = alice if ids[alice] != kept else bob
    assert ch.states(loser, ids[loser])[-1] == ("ENDED", "GLARE")
    assert a.stats()["glare"] + b.stats()["glare"] == 2


def test_duplicates_and_strangers_are_counted():
    ch = Channel()
    alice, a = ch.add()
    bob, b = ch.add()
    call_id = a.place_call(bob, relay_addr="127.0.0.1:4433")
    ch.collect()
    offer, ch.held = ch.held, []
    ch.deliver(offer + offer)
    assert ch.states(bob, call_id) == [("RINGING", "NONE")]
    assert b.stats()["duplicates"] == 1
    stranger = wzp.Identity.generate().fingerprint_str
    with pytest.raises(wzp.WzpError):
        b.receive(wrap_signal(HANGUP, alice, stranger))  # not addressed to bob
    with pytest.raises(wzp.WzpError):
        b.receive(b"\x07\0\0")
    assert b.stats()["malformed"] == 2
    b.close()
    b.close()
    with pytest.raises(wzp.WzpError) as err:
        b.stats()
    assert err.value.name == "WZP_ERR_CLOSED"


# --- whole calls through a relay that checks featherChat tokens --------------------------------

def pump(managers, seen, until, timeout=30.0):
    """Route SENDs between real-time managers until until(seen) holds."""
    by_fp = {fp: m for fp, m in managers.items()}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for fp, manager in managers.items():
            for event in manager.events():
                seen.setdefault(fp, []).append(event)
                if event["type"] == "SEND" and event["target"] in by_fp:
                    by_fp[event["target"]].receive(event["bincode"])
        if until(seen):
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out; events: {seen}")


def last_state(seen, fp, call_id):
    states = [e for e in seen.get(fp, []) if e["type"] == "STATE" and e["call_id"] == call_id]
    return (states[-1]["state"], states[-1]["end"]) if states else None


def test_call_through_an_auth_relay_with_media():
    alice, bob = wzp.Identity.generate(), wzp.Identity.generate()
    tokens = {"alice-token": alice.fingerprint_str, "bob-token": bob.fingerprint_str}
    with FeatherChatStub(tokens) as fc, wzp.Relay(auth_url=fc.url) as relay:
        # featherChat's relay-config names the relay; the caller takes it as the call's relay, and
        # the callee (no relay of its own) joins the relay the offer names.
        fc.relay_config = {"relay_addr": f"127.0.0.1:{relay.port}", "web_bridge_url": None}
        config = fcn.fetch_relay_config(fc.relay_config_url)
        addr, reason = fcn.choose_relay("caller", config=config)
        assert (addr, reason) == (f"127.0.0.1:{relay.port}", "CONFIG_DEFAULT")
        a = CallManager(alice, default_relay=addr, token="alice-token", join_timeout_ms=20000)
        b = CallManager(bob, token="bob-token", join_timeout_ms=20000)
        managers = {alice.fingerprint_str: a, bob.fingerprint_str: b}
        seen = {}
        call_id = a.place_call(bob.fingerprint_str, room="alice-and-bob")
        pump(managers, seen, lambda s: last_state(s, bob.fingerprint_str, call_id) == ("RINGING", "NONE"))
        b.accept(call_id)
        pump(managers, seen, lambda s: all(last_state(s, fp, call_id) == ("ACTIVE", "NONE") for fp in managers))
        tone = array("h", [6000 if (i // 48) % 2 else -6000 for i in range(960)])
        for _ in range(60):
            a.media(call_id).send_pcm(tone)
            time.sleep(0.02)
        deadline = time.monotonic() + 10
        while b.media(call_id).stats()["played"] < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b.media(call_id).stats()["played"] >= 30
        # The relay admitted both by their featherChat tokens.
        assert [p for p, _, _ in fc.requests].count("/v1/auth/validate") >= 2
        assert "/v1/wzp/relay-config" in [p for p, _, _ in fc.requests]
        b.hangup(call_id)
        pump(managers, seen, lambda s: last_state(s, alice.fingerprint_str, call_id) == ("ENDED", "HANGUP"))
        assert a.stats()["media_joined"] == 1 and b.stats()["media_joined"] == 1
        with pytest.raises(wzp.WzpError):
            a.media(call_id).send_pcm(tone)  # the call ended: its client hung up
        a.close()
        b.close()


def test_an_end_to_end_encrypted_call_through_the_manager():
    """e2e="required": the two users' media are sealed with keys derived from their own CallOffer and
    CallAnswer (carried by featherChat, not the relay), and both read the same safety words."""
    alice, bob = wzp.Identity.generate(), wzp.Identity.generate()
    with wzp.Relay() as relay:
        addr = f"127.0.0.1:{relay.port}"
        a = CallManager(alice, default_relay=addr, e2e="required")
        b = CallManager(bob, e2e="required")
        managers = {alice.fingerprint_str: a, bob.fingerprint_str: b}
        seen = {}
        call_id = a.place_call(bob.fingerprint_str)
        pump(managers, seen, lambda s: last_state(s, bob.fingerprint_str, call_id) == ("RINGING", "NONE"))
        b.accept(call_id)
        pump(managers, seen, lambda s: all(last_state(s, fp, call_id) == ("ACTIVE", "NONE") for fp in managers))
        tone = array("h", [6000 if (i // 48) % 2 else -6000 for i in range(960)])
        deadline = time.monotonic() + 10
        while b.media(call_id).stats()["e2e_decrypted"] < 30 and time.monotonic() < deadline:
            a.media(call_id).send_pcm(tone)
            b.media(call_id).send_pcm(bytes(1920))
            time.sleep(0.02)
        rx = b.media(call_id).stats()
        assert rx["e2e_decrypted"] >= 30 and rx["e2e_decrypt_failed"] == 0 and rx["played"] > 0
        state = b.media(call_id).e2e_state()
        assert state["members"] == [alice.fingerprint_str] and state["sending"] == "encrypted"
        assert state["keys_from"] == "handshake"  # the users' own CallOffer/CallAnswer: nothing crossed the relay
        assert [p["state"] for p in state["participants"] if p["fingerprint"] == alice.fingerprint_str] == ["ok"]
        assert a.media(call_id).safety_words() == b.media(call_id).safety_words()
        assert relay.stats()["peer_signals_forwarded"] == 0  # no key message crossed the relay
        b.hangup(call_id)
        pump(managers, seen, lambda s: last_state(s, alice.fingerprint_str, call_id) == ("ENDED", "HANGUP"))
        a.close()
        b.close()


def test_a_refused_token_fails_the_call_with_the_reason():
    alice, bob = wzp.Identity.generate(), wzp.Identity.generate()
    with FeatherChatStub({"bob-token": bob.fingerprint_str}) as fc, wzp.Relay(auth_url=fc.url) as relay:
        addr = f"127.0.0.1:{relay.port}"
        with CallManager(alice, default_relay=addr, token="stolen-token") as a, \
                CallManager(bob, token="bob-token") as b:
            managers = {alice.fingerprint_str: a, bob.fingerprint_str: b}
            seen = {}
            call_id = a.place_call(bob.fingerprint_str)
            pump(managers, seen, lambda s: last_state(s, bob.fingerprint_str, call_id) == ("RINGING", "NONE"))
            b.accept(call_id)
            pump(managers, seen, lambda s: last_state(s, alice.fingerprint_str, call_id) == ("ENDED", "FAILED")
                 and last_state(s, bob.fingerprint_str, call_id) is not None
                 and last_state(s, bob.fingerprint_str, call_id)[0] == "ENDED")
            detail = a.call(call_id)["detail"]
            assert "auth" in detail.lower() or "token" in detail.lower(), detail
            assert a.stats()["media_failed"] == 1


def test_featherchat_call_example_runs():
    """examples/python/featherchat_call.py: answered with media, missed, busy, encrypted."""
    out = run_example(ROOT / "examples/python/featherchat_call.py", timeout=180)
    assert "RINGING -> CONNECTING" in out and "CONNECTING -> ACTIVE" in out
    assert "missed-call record (39 bytes)" in out
    assert "ENDED BUSY" in out
    assert "bob's call with carol goes on: active" in out
    assert "keys from the call's handshake" in out
    assert out.rstrip().endswith("featherchat_call: done")


def test_featherchat_group_example_runs():
    """examples/python/featherchat_group.py: relay-config and presence choose the relay; a group
    of four synced to the room's access list over HTTP all hear each other; a removed member is
    disconnected with the ACL close code and refused on rejoin, and goes offline."""
    out = run_example(ROOT / "examples/python/featherchat_group.py", timeout=180)
    assert "(CONFIG_DEFAULT)" in out and "(CALLEE_ONLINE)" in out
    assert out.count("hears 3 others") == 4
    assert "dave is disconnected: WZP_CLOSE_ACL_DENIED" in out
    assert "dave tries again: refused, WZP_ERR_ACL_DENIED" in out
    assert "presence: dave is offline" in out and "the other three are still in the call" in out
    assert out.rstrip().endswith("featherchat_group: done")


def test_featherchat_doc_code_is_the_examples_code(repo_root):
    """docs/FEATHERCHAT.md shows code the tests run: every ```c and ```python block is a verbatim
    excerpt of an example program."""
    doc = (repo_root / "docs" / "FEATHERCHAT.md").read_text(encoding="utf-8")
    sources = {
        "c": [(repo_root / "examples" / "c" / name).read_text(encoding="utf-8")
              for name in ("featherchat_call.c", "featherchat_group.c")],
        "python": [p.read_text(encoding="utf-8") for p in (repo_root / "examples" / "python").glob("featherchat*.py")],
    }
    blocks = 0
    for language, texts in sources.items():
        for block in re.findall(r"^```" + language + r"[ \t]*\n(.*?)^```[ \t]*$", doc, re.S | re.M):
            blocks += 1
            assert any(block in text for text in texts), f"not in an example:\n{block}"
    assert blocks >= 6


def test_the_manager_chooses_the_relay_from_presence():
    """A call placed without a relay goes where the policy says: the callee's relay when presence
    has the callee online, else my relay or the relay-config default; the call says why."""
    alice, bob = wzp.Identity.generate(), wzp.Identity.generate()
    registry = wzp.Presence()
    presence = fcn.Presence()
    presence.add_registry(registry, "bobs-relay.example:4433")
    with CallManager(alice, manual_clock=True, join_relay=False, presence=presence, relay_policy="callee",
                     my_relay="mine.example:4433", default_relay="default.example:4433") as manager:
        offline = manager.call(manager.place_call(bob.fingerprint_str))
        assert (offline["relay_addr"], offline["relay_choice"]) == ("mine.example:4433", "CALLER_RELAY")
        manager.hangup(offline["call_id"])
        registry.register_local(bob.fingerprint_str, 1)
        online = manager.call(manager.place_call(bob.fingerprint_str))
        assert (online["relay_addr"], online["relay_choice"]) == ("bobs-relay.example:4433", "CALLEE_ONLINE")
        carol = wzp.Identity.generate().fingerprint_str
        given = manager.call(manager.place_call(carol, relay_addr="given.example:1"))
        assert (given["relay_addr"], given["relay_choice"]) == ("given.example:1", None)
    with pytest.raises(ValueError):
        CallManager(alice, relay_policy="nearest")
    del presence  # the manager kept it alive while it needed it

"""The v2 media session from Python: known answers computed without libwzp
(tests/data/media_session_v2_gen.py) and the policy that refuses the reference session."""
import json
from pathlib import Path

import pytest

import wzp

KAT = json.loads((Path(__file__).resolve().parents[1] / "data" / "media_session_v2.json").read_text())
TIMEOUT = 10.0


def handshake(caller_kwargs=None, callee_kwargs=None, edit_offer=lambda offer: offer):
    caller = wzp.Caller(wzp.Identity.from_seed(bytes.fromhex(KAT["caller"]["seed_hex"])),
                        ephemeral_secret=bytes.fromhex(KAT["caller"]["ephemeral_secret_hex"]),
                        **(caller_kwargs or {}))
    callee = wzp.Callee(wzp.Identity.from_seed(bytes.fromhex(KAT["callee"]["seed_hex"])),
                        ephemeral_secret=bytes.fromhex(KAT["callee"]["ephemeral_secret_hex"]),
                        **(callee_kwargs or {}))
    answer, theirs = callee.accept_offer(edit_offer(caller.offer_json()))
    return caller, answer, theirs


def check_packets(packets, caller, callee):
    assert packets
    for p in packets:
        sender, receiver = (caller, callee) if p["direction"] == "caller->callee" else (callee, caller)
        header = bytes.fromhex(p["header_hex"])
        sealed = sender.seal(header, p["seq"], bytes.fromhex(p["plaintext_hex"]))
        assert sealed.hex() == p["sealed_hex"], p["direction"]
        assert receiver.open(header, p["seq"], sealed) == bytes.fromhex(p["plaintext_hex"])


def rekey(caller, callee):
    r = KAT["rekey"]
    mine = caller.rekey_begin(bytes.fromhex(r["caller_secret_hex"]))
    theirs = callee.rekey_begin(bytes.fromhex(r["callee_secret_hex"]))
    assert (mine.hex(), theirs.hex()) == (r["caller_public_hex"], r["callee_public_hex"])
    caller.rekey_complete(theirs)
    callee.rekey_complete(mine)


def test_fixed_ephemerals_give_the_known_v2_session_and_packets():
    caller, answer, callee_session = handshake()
    caller_session = caller.accept_answer(answer)
    assert caller_session.mode == callee_session.mode == "v2"
    assert caller_session.session_id.hex() == callee_session.session_id.hex() == KAT["v2_session_id_hex"]
    check_packets(KAT["packets"], caller_session, callee_session)
    rekey(caller_session, callee_session)
    check_packets(KAT["rekey"]["packets"], caller_session, callee_session)


def test_sessions_from_the_v2_key_give_the_known_packets():
    key = bytes.fromhex(KAT["v2_key_hex"])
    caller, callee = wzp.Session(key, "v2", "caller"), wzp.Session(key, "v2", "callee")
    assert caller.session_id.hex() == KAT["v2_session_id_hex"]
    check_packets(KAT["packets"], caller, callee)
    rekey(caller, callee)
    check_packets(KAT["rekey"]["packets"], caller, callee)


def strip(offer: str) -> str:
    assert ',"wzp_media_session":2' in offer
    return offer.replace(',"wzp_media_session":2', "")


def test_a_stripped_offer_downgrades_unless_v2_is_required():
    caller, answer, callee_session = handshake(edit_offer=strip)
    assert callee_session.mode == caller.accept_answer(answer).mode == "reference"
    with pytest.raises(wzp.WzpError) as info:
        handshake(callee_kwargs={"require_session_v2": True}, edit_offer=strip)
    assert info.value.name == "WZP_ERR_HANDSHAKE_FAILED"
    assert "v2 media session is required" in info.value.message


def test_a_caller_that_requires_v2_refuses_a_reference_answer():
    caller, answer, _ = handshake(caller_kwargs={"require_session_v2": True},
                                  callee_kwargs={"session_mode": "reference"})
    with pytest.raises(wzp.WzpError) as info:
        caller.accept_answer(answer)
    assert info.value.name == "WZP_ERR_HANDSHAKE_FAILED"


def test_a_relay_that_requires_v2_refuses_reference_clients_and_reports_sessions():
    with wzp.Relay(require_session_v2=True) as relay:
        old = wzp.Client(port=relay.port, room="strict", session_mode="reference").connect()
        with pytest.raises(wzp.WzpError):
            old.wait_joined(TIMEOUT)
        closed = old.wait_for("CLOSED", timeout=TIMEOUT)
        assert closed.close_code_name == "WZP_CLOSE_HANDSHAKE_FAILED"
        assert "v2 media session is required" in closed.close_reason
        assert old.media_session is None
        rejected = relay.wait_for("REJECTED", timeout=TIMEOUT)
        assert rejected.close_code_name == "WZP_CLOSE_HANDSHAKE_FAILED"

        good = wzp.Client(port=relay.port, room="strict", require_session_v2=True).connect(TIMEOUT)
        assert good.media_session == "v2"
        assert [p["media_session"] for p in relay.rooms()[0]["participants"]] == ["v2"]
        stats = relay.stats()
        assert (stats["media_sessions_v2"], stats["media_sessions_reference"]) == (1, 0)
        good.hangup()


def test_the_reference_session_is_reported_when_chosen():
    with wzp.Relay() as relay:
        old = wzp.Client(port=relay.port, room="lenient", session_mode="reference").connect(TIMEOUT)
        assert old.media_session == "reference"
        assert relay.stats()["media_sessions_reference"] == 1
        old.hangup()
    with pytest.raises(wzp.WzpError) as info:
        wzp.Client(port=1, session_mode="reference", require_session_v2=True)
    assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"

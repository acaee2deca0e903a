"""The CallOffer/CallAnswer handshake through `wzp`: crypto.json transcripts byte for byte,
session negotiation, v2 sessions, low-order ephemerals, tampering and call-order mistakes."""
import json

import pytest

import wzp

EXTENSION = '"wzp_media_session":2'
MODES = [("reference", "reference"), ("reference", "v2"), ("v2", "reference"), ("v2", "v2")]


def profile_json(wire_vectors, name):
    return next(p["json"] for p in wire_vectors["quality_profile"] if p["name"] == name)


def byte_array(data: bytes) -> str:
    return "[" + ",".join(str(b) for b in data) + "]"


def offer_json(wire_vectors, identity_pub, eph, sig, profiles):
    listed = ",".join(profile_json(wire_vectors, p) for p in profiles)
    return (f'{{"CallOffer":{{"identity_pub":{byte_array(identity_pub)},"ephemeral_pub":{byte_array(eph)},'
            f'"signature":{byte_array(sig)},"supported_profiles":[{listed}]}}}}')


def answer_json(wire_vectors, identity_pub, eph, sig, profile):
    return (f'{{"CallAnswer":{{"identity_pub":{byte_array(identity_pub)},"ephemeral_pub":{byte_array(eph)},'
            f'"signature":{byte_array(sig)},"chosen_profile":{profile_json(wire_vectors, profile)}}}}}')


@pytest.mark.parametrize("caller_mode,callee_mode", MODES)
def test_transcripts(crypto_handshake_transcripts, caller_mode, callee_mode):
    t = crypto_handshake_transcripts
    c, s = t["caller"], t["callee"]
    caller_id, callee_id = wzp.Identity.from_hex(c["seed_hex"]), wzp.Identity.from_hex(s["seed_hex"])
    caller = wzp.Caller(caller_id, bytes.fromhex(c["ephemeral_secret_hex"]), caller_mode)
    callee = wzp.Callee(callee_id, ephemeral_secret=bytes.fromhex(s["ephemeral_secret_hex"]), session_mode=callee_mode)
    v2 = caller_mode == callee_mode == "v2"

    offer = caller.offer_json()
    assert caller.offer_json() == offer
    if caller_mode == "reference":
        assert offer == t["call_offer_json"]
        assert wzp.signal_frame(offer).hex() == t["call_offer_frame_hex"]
    else:
        assert EXTENSION in offer
    assert wzp.signal_validate(offer) == "CallOffer"

    answer, callee_session = callee.accept_offer(offer)
    if v2:
        assert EXTENSION in answer
    else:
        assert answer == t["call_answer_json"]
        assert wzp.signal_frame(answer).hex() == t["call_answer_frame_hex"]
    caller_session = caller.accept_answer(answer)

    assert caller_session.session_id == callee_session.session_id
    assert (caller_session.session_id.hex() == t["session_id_hex"]) is not v2
    assert caller_session.profile == callee_session.profile == t["chosen_profile"]
    assert caller_session.peer_public_key.hex() == s["identity_pub_hex"]
    assert callee_session.peer_public_key.hex() == c["identity_pub_hex"]
    assert callee_session.peer_fingerprint == caller_id.fingerprint
    assert caller_session.peer_fingerprint == callee_id.fingerprint

    for p in t["packets"]:
        forward = p["direction"] == "caller_to_callee"
        sender, receiver = (caller_session, callee_session) if forward else (callee_session, caller_session)
        header, pt = bytes.fromhex(p["header_hex"]), bytes.fromhex(p["plaintext_hex"])
        ct = sender.seal(header, p["sender_seq"], pt)
        assert (ct.hex() == p["ciphertext_and_tag_hex"]) is not v2
        assert receiver.open(header, p["sender_seq"], ct) == pt


def test_handshake_material(wire_vectors):
    m = wire_vectors["handshake_material"]
    signals = {s["name"]: s["json"] for s in wire_vectors["signal_messages"]}
    caller = wzp.Caller(wzp.Identity.from_hex(m["caller_seed_hex"]), bytes.fromhex(m["caller_ephemeral_secret_hex"]),
                        "reference")
    callee = wzp.Callee(wzp.Identity.from_hex(m["callee_seed_hex"]), bytes.fromhex(m["callee_ephemeral_secret_hex"]),
                        "reference")
    assert caller.offer_json() == signals["call_offer_reference_client"]
    answer, callee_session = callee.accept_offer(caller.offer_json())
    assert answer == signals["call_answer_reference_relay"]
    session = caller.accept_answer(answer)
    assert session.peer_fingerprint.hex() == m["callee_fingerprint_hex"]
    assert callee_session.peer_fingerprint.hex() == m["caller_fingerprint_hex"]
    assert session.session_id == wzp.Session(bytes.fromhex(m["session_key_hex"]), mode="reference").session_id


def test_x25519_edge_cases(crypto_vectors, wire_vectors, crypto_x25519_edge_cases):
    v = crypto_x25519_edge_cases
    t = crypto_vectors["handshake_transcripts"][0]
    our_secret = bytes.fromhex(t["caller"]["ephemeral_secret_hex"])
    assert our_secret.hex() == v["our_secret_hex"]
    caller_id, callee_id = wzp.Identity.from_hex(t["caller"]["seed_hex"]), wzp.Identity.from_hex(t["callee"]["seed_hex"])
    peer = bytes.fromhex(v["peer_public_hex"])
    weak = v["libsodium_rc"] != 0

    answer = answer_json(wire_vectors, callee_id.public_key, peer, callee_id.sign(peer + b"call-answer"), "GOOD")
    caller = wzp.Caller(caller_id, our_secret, "reference")
    offer = offer_json(wire_vectors, caller_id.public_key, peer, caller_id.sign(peer + b"call-offer"),
                       ["GOOD", "DEGRADED", "CATASTROPHIC"])
    callee = wzp.Callee(callee_id, our_secret, "reference")
    if weak:
        with pytest.raises(wzp.WzpError) as info:
            caller.accept_answer(answer)
        assert info.value.name == "WZP_ERR_WEAK_KEY"
        with pytest.raises(wzp.WzpError) as info:
            callee.accept_offer(offer)
        assert info.value.name == "WZP_ERR_WEAK_KEY"
    else:
        assert v["original_shared_hex"] == t["x25519_shared_secret_hex"]
        assert caller.accept_answer(answer).session_id.hex() == t["session_id_hex"]
        callee_answer, callee_session = callee.accept_offer(offer)
        assert callee_session.session_id.hex() == t["session_id_hex"]
        assert callee_session.peer_public_key == caller_id.public_key
        assert wzp.signal_validate(callee_answer) == "CallAnswer"


def test_profile_choice(crypto_vectors, wire_vectors, crypto_profile_choice):
    v = crypto_profile_choice
    c = crypto_vectors["handshake_transcripts"][0]["caller"]
    offer = offer_json(wire_vectors, bytes.fromhex(c["identity_pub_hex"]), bytes.fromhex(c["ephemeral_pub_hex"]),
                       bytes.fromhex(c["offer_signature_hex"]), v["offered"])
    callee = wzp.Callee(wzp.Identity.generate())
    answer, session = callee.accept_offer(offer)
    assert session.profile == v["chosen"]
    assert '"chosen_profile":' + profile_json(wire_vectors, v["chosen"]) in answer


def handshake(caller_mode="v2", callee_mode="v2"):
    caller = wzp.Caller(wzp.Identity.generate(), session_mode=caller_mode)
    callee = wzp.Callee(wzp.Identity.generate(), session_mode=callee_mode)
    answer, callee_session = callee.accept_offer(caller.offer_json())
    return caller.accept_answer(answer), callee_session, answer


def test_v2_sessions_between_two_peers():
    caller, callee, answer = handshake()
    assert EXTENSION in answer
    assert caller.seal(b"h", 0, b"same") != callee.seal(b"h", 0, b"same")  # a key per direction
    up = {seq: caller.seal(b"h", seq, b"up%d" % seq) for seq in range(1, 50)}
    down = {seq: callee.seal(b"h", seq, b"down%d" % seq) for seq in range(1, 50)}
    order = [seq for seq in range(1, 50) if seq % 4]  # every fourth lost
    order = order[::2][::-1] + order[1::2]  # and reordered
    for seq in order:
        assert callee.open(b"h", seq, up[seq]) == b"up%d" % seq
        assert caller.open(b"h", seq, down[seq]) == b"down%d" % seq
    for seq in order[:3]:
        with pytest.raises(wzp.WzpError) as info:
            callee.open(b"h", seq, up[seq])
        assert info.value.name == "WZP_ERR_REPLAY"


def test_reference_negotiation_needs_in_order_delivery():
    caller, callee, answer = handshake("reference", "v2")
    assert "wzp_media_session" not in answer
    assert caller.seal(b"h", 0, b"x") == callee.seal(b"h", 0, b"x")  # the reference's shared nonces
    second = caller.seal(b"h", 1, b"second")
    with pytest.raises(wzp.WzpError) as info:
        callee.open(b"h", 1, second)
    assert info.value.name == "WZP_ERR_DECRYPT_FAILED"


def tamper(text, variant, field, index):
    doc = json.loads(text)
    doc[variant][field][index] ^= 1
    return json.dumps(doc, separators=(",", ":"))


@pytest.mark.parametrize("field", ["signature", "ephemeral_pub", "identity_pub"])
def test_tampered_offer(field):
    caller, callee = wzp.Caller(wzp.Identity.generate()), wzp.Callee(wzp.Identity.generate())
    with pytest.raises(wzp.WzpError) as info:
        callee.accept_offer(tamper(caller.offer_json(), "CallOffer", field, 3))
    assert info.value.name == "WZP_ERR_BAD_SIGNATURE"
    assert info.value.code == -20
    answer, callee_session = callee.accept_offer(caller.offer_json())  # the genuine offer still works
    assert caller.accept_answer(answer).session_id == callee_session.session_id


@pytest.mark.parametrize("field", ["signature", "ephemeral_pub", "identity_pub"])
def test_tampered_answer(field):
    caller, callee = wzp.Caller(wzp.Identity.generate()), wzp.Callee(wzp.Identity.generate())
    answer, callee_session = callee.accept_offer(caller.offer_json())
    with pytest.raises(wzp.WzpError) as info:
        caller.accept_answer(tamper(answer, "CallAnswer", field, 30))
    assert info.value.name == "WZP_ERR_BAD_SIGNATURE"
    session = caller.accept_answer(answer)  # the genuine answer still works
    assert session.session_id == callee_session.session_id
    assert callee_session.open(b"h", 1, session.seal(b"h", 1, b"after tampering")) == b"after tampering"


def test_wrong_messages_and_call_order():
    caller, callee = wzp.Caller(wzp.Identity.generate()), wzp.Callee(wzp.Identity.generate())
    offer = caller.offer_json()
    for bad, name in [(offer, "WZP_ERR_UNEXPECTED_MESSAGE"), ('"Hold"', "WZP_ERR_UNEXPECTED_MESSAGE"),
                      ("{nope", "WZP_ERR_JSON")]:
        with pytest.raises(wzp.WzpError) as info:
            caller.accept_answer(bad)
        assert info.value.name == name
    with pytest.raises(wzp.WzpError) as info:
        callee.accept_offer('{"Ping":{"timestamp_ms":1}}')
    assert info.value.name == "WZP_ERR_UNEXPECTED_MESSAGE"

    answer, callee_session = callee.accept_offer(offer)
    with pytest.raises(wzp.WzpError) as info:
        callee.accept_offer(offer)
    assert info.value.name == "WZP_ERR_INVALID_STATE"
    with pytest.raises(wzp.WzpError) as info:
        wzp.Callee(wzp.Identity.generate()).accept_offer(answer)
    assert info.value.name == "WZP_ERR_UNEXPECTED_MESSAGE"
    assert caller.accept_answer(answer).session_id == callee_session.session_id
    with pytest.raises(wzp.WzpError) as info:
        caller.accept_answer(answer)
    assert info.value.name == "WZP_ERR_INVALID_STATE"

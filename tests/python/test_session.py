"""crypto.json nonce, AEAD, session stream, rekey and anti-replay vectors through `wzp`."""
import pytest

import wzp


def test_reference_nonces(crypto_nonces):
    v = crypto_nonces
    nonce = wzp.reference_nonce(bytes.fromhex(v["session_id_hex"]), v["seq"], v["direction"])
    assert nonce.hex() == v["nonce_hex"]


def test_aead(crypto_aead):
    v = crypto_aead
    key, nonce = bytes.fromhex(v["key_hex"]), bytes.fromhex(v["nonce_hex"])
    aad, pt = bytes.fromhex(v["aad_hex"]), bytes.fromhex(v["plaintext_hex"])
    if "session_id_hex" in v:
        counter = int.from_bytes(nonce[4:8], "big")
        assert wzp.reference_nonce(bytes.fromhex(v["session_id_hex"]), counter, nonce[8]) == nonce
    ct = wzp.aead_seal(key, nonce, aad, pt)
    assert ct.hex() == v["ciphertext_and_tag_hex"]
    assert wzp.aead_open(key, nonce, aad, ct) == pt
    for i in range(len(ct)):
        bad = bytearray(ct)
        bad[i] ^= 1
        with pytest.raises(wzp.WzpError) as info:
            wzp.aead_open(key, nonce, aad, bytes(bad))
        assert info.value.name == "WZP_ERR_DECRYPT_FAILED"
    with pytest.raises(wzp.WzpError) as info:
        wzp.aead_open(key, nonce, aad + b"x", ct)
    assert info.value.name == "WZP_ERR_DECRYPT_FAILED"


def test_session_streams(crypto_session_streams):
    v = crypto_session_streams
    key = bytes.fromhex(v["key_hex"])
    sender = wzp.Session(key, mode="reference")
    receiver = wzp.Session(key, mode="reference", role="callee")
    assert sender.session_id.hex() == v["session_id_hex"]
    assert sender.profile is None and sender.peer_public_key is None and sender.peer_fingerprint is None
    for p in v["packets"]:
        header, pt = bytes.fromhex(p["header_hex"]), bytes.fromhex(p["plaintext_hex"])
        ct = sender.seal(header, p["seq"], pt)
        assert ct.hex() == p["ciphertext_and_tag_hex"]
        with pytest.raises(wzp.WzpError) as info:
            receiver.open(header + b"x", p["seq"], ct)  # wrong AAD; the counter does not move
        assert info.value.code == -30
        with pytest.raises(wzp.WzpError) as info:
            wzp.Session(bytes(32), mode="reference").open(header, p["seq"], ct)  # wrong key
        assert info.value.name == "WZP_ERR_DECRYPT_FAILED"
        assert receiver.open(header, p["seq"], ct) == pt


def rekeyed_pair(v):
    old_key = bytes.fromhex(v["old_key_hex"])
    a = wzp.Session(old_key, mode="reference")
    b = wzp.Session(old_key, mode="reference", role="callee")
    a_pub = a.rekey_begin(bytes.fromhex(v["side_a_new_secret_hex"]))
    b_pub = b.rekey_begin(bytes.fromhex(v["side_b_new_secret_hex"]))
    assert a_pub.hex() == v["side_a_new_pub_hex"]
    assert b_pub.hex() == v["side_b_new_pub_hex"]
    a.rekey_complete(b_pub)
    b.rekey_complete(a_pub)
    return a, b


def test_rekey(crypto_rekey):
    v = crypto_rekey
    a, b = rekeyed_pair(v)
    assert a.session_id.hex() == b.session_id.hex() == v["new_session_id_hex"]
    fresh = wzp.Session(bytes.fromhex(v["new_key_hex"]), mode="reference")
    ct = a.seal(b"hdr", 0, b"probe")
    assert ct == fresh.seal(b"hdr", 0, b"probe")
    assert b.open(b"hdr", 0, ct) == b"probe"
    if "first_packet_after_rekey" in v:
        p = v["first_packet_after_rekey"]
        a, b = rekeyed_pair(v)
        header, pt = bytes.fromhex(p["header_hex"]), bytes.fromhex(p["plaintext_hex"])
        ct = a.seal(header, 0, pt)
        assert ct.hex() == p["ciphertext_and_tag_hex"]
        assert b.open(header, 0, ct) == pt
        assert p["nonce_hex"].startswith(a.session_id.hex())


@pytest.mark.parametrize("mode", ["v2", "reference"])
def test_rekey_errors(mode):
    s = wzp.Session(bytes([0x33]) * 32, mode=mode)
    with pytest.raises(wzp.WzpError) as info:
        s.rekey_complete(bytes([9]) + bytes(31))
    assert info.value.name == "WZP_ERR_INVALID_STATE"
    ours = s.rekey_begin()
    assert len(ours) == 32 and ours != bytes(32)
    with pytest.raises(wzp.WzpError) as info:
        s.rekey_complete(bytes(32))
    assert info.value.name == "WZP_ERR_WEAK_KEY"


def test_should_rekey(crypto_should_rekey):
    v = crypto_should_rekey
    assert wzp.rekey_due(v["last_rekey_at"], v["packet_count"]) is v["should_rekey"]


def test_anti_replay(crypto_anti_replay):
    window = wzp.ReplayWindow()
    for i, step in enumerate(crypto_anti_replay["steps"]):
        assert window.check(step["seq"]) is step["accept"], f"step {i} seq {step['seq']}"


def test_v2_sessions_survive_loss_and_reordering():
    key = bytes([0x21]) * 32
    caller, callee = wzp.Session(key), wzp.Session(key, role="callee")
    assert caller.session_id == callee.session_id
    sent = {seq: caller.seal(b"hdr", seq, bytes([seq]) * seq) for seq in range(40)}
    for seq in range(39, 0, -2):  # odd packets, newest first; even ones lost
        assert callee.open(b"hdr", seq, sent[seq]) == bytes([seq]) * seq
    with pytest.raises(wzp.WzpError) as info:
        callee.open(b"hdr", 7, sent[7])
    assert info.value.name == "WZP_ERR_REPLAY"
    with pytest.raises(wzp.WzpError) as info:
        callee.open(b"hdr", 4, sent[6])  # the sequence number is authenticated
    assert info.value.name == "WZP_ERR_DECRYPT_FAILED"
    assert callee.open(b"hdr", 6, sent[6]) == bytes([6]) * 6
    with pytest.raises(wzp.WzpError) as info:
        caller.open(b"hdr", 0, sent[0])  # one key per direction
    assert info.value.name == "WZP_ERR_DECRYPT_FAILED"


def test_v2_never_reuses_a_nonce():
    s = wzp.Session(bytes([0x44]) * 32)
    peer = wzp.Session(bytes([0x44]) * 32, role="callee")
    assert peer.open(b"h", 10, s.seal(b"h", 10, b"a")) == b"a"
    for seq in (10, 9, 10 + 32768):
        with pytest.raises(wzp.WzpError) as info:
            s.seal(b"h", seq, b"b")
        assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"
    sealed = []
    for seq in (11, 11 + 32767, 65535, 2):  # forward, across the 16-bit wrap
        ct = s.seal(b"h", seq, b"c%d" % seq)
        assert peer.open(b"h", seq, ct) == b"c%d" % seq
        sealed.append(ct)
    assert len(set(sealed)) == len(sealed)

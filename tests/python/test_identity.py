"""crypto.json identity, parsing, fingerprint, room hash and signature vectors through `wzp`."""
import pytest

import wzp

MNEMONIC_STATUS = {
    "BadWordCount": "WZP_ERR_MNEMONIC_WORD_COUNT",
    "UnknownWord": "WZP_ERR_MNEMONIC_UNKNOWN_WORD",
    "InvalidChecksum": "WZP_ERR_MNEMONIC_CHECKSUM",
    "WrongEntropyLength": "WZP_ERR_MNEMONIC_ENTROPY_LENGTH",
}


def check_record(identity, record):
    assert identity.seed.hex() == record["seed_hex"]
    assert identity.public_key.hex() == record["ed25519_public_hex"]
    assert identity.x25519_public_key.hex() == record["x25519_public_hex"]
    assert identity.fingerprint.hex() == record["fingerprint_hex"]
    assert identity.fingerprint_str == record["fingerprint_display"]
    assert identity.mnemonic == record["mnemonic"]
    assert record["fingerprint_display"] in repr(identity)


def test_identity_records(crypto_identity):
    r = crypto_identity
    check_record(wzp.Identity.from_seed(bytes.fromhex(r["seed_hex"])), r)
    check_record(wzp.Identity.from_hex(r["seed_hex"]), r)
    check_record(wzp.Identity.from_hex(r["seed_hex"].upper()), r)
    check_record(wzp.Identity.from_mnemonic(r["mnemonic"]), r)
    assert wzp.fingerprint_parse(r["fingerprint_display"]).hex() == r["fingerprint_hex"]
    assert wzp.fingerprint_format(bytes.fromhex(r["fingerprint_hex"])) == r["fingerprint_display"]


def check_parse(parse, v, error_name):
    """A seed_hex_parse / mnemonic_parse vector: the seed when ok, else the status and exact text."""
    if v["ok"]:
        assert parse(v["input"]).seed.hex() == v["seed_hex"]
        return
    with pytest.raises(wzp.WzpError) as info:
        parse(v["input"])
    assert info.value.name == error_name
    assert wzp.strerror(info.value.code) == info.value.name
    assert info.value.message == v["error"]


def test_seed_hex_parse(crypto_seed_hex_parse):
    v = crypto_seed_hex_parse
    bad_hex = v.get("error", "").startswith("invalid hex")
    check_parse(wzp.Identity.from_hex, v, "WZP_ERR_INVALID_HEX" if bad_hex else "WZP_ERR_INVALID_LENGTH")


def test_mnemonic_parse(crypto_mnemonic_parse):
    v = crypto_mnemonic_parse
    check_parse(wzp.Identity.from_mnemonic, v, MNEMONIC_STATUS.get(v.get("error_kind")))


def test_fingerprint_parse(crypto_fingerprint_parse):
    v = crypto_fingerprint_parse
    if v["ok"]:
        fp = wzp.fingerprint_parse(v["input"])
        assert fp.hex() == v["fingerprint_hex"]
        assert wzp.fingerprint_format(fp) == v["display"]
        return
    with pytest.raises(wzp.WzpError) as info:
        wzp.fingerprint_parse(v["input"])
    expected = "WZP_ERR_INVALID_HEX" if v["error"].startswith("invalid hex") else "WZP_ERR_FINGERPRINT_TOO_SHORT"
    assert info.value.name == expected
    assert info.value.message == v["error"]


def test_hash_room_name(crypto_hash_room_name):
    v = crypto_hash_room_name
    if "name_repeat" in v:
        name = v["name_repeat"]["char"] * v["name_repeat"]["count"]
        assert len(name) == 1000
    else:
        name = v["name"]
        assert name.encode("utf-8").hex() == v["name_utf8_hex"]
    assert wzp.hash_room_name(name) == v["hash"]


def test_signatures(crypto_signatures):
    v = crypto_signatures
    identity = wzp.Identity.from_hex(v["seed_hex"])
    assert identity.public_key.hex() == v["ed25519_public_hex"]
    message = bytes.fromhex(v["message_hex"])
    signature = identity.sign(message)
    assert signature.hex() == v["signature_hex"]
    assert wzp.verify(identity.public_key, message, signature)
    for i in range(0, 64, 9):
        bad = bytearray(signature)
        bad[i] ^= 0x10
        assert not wzp.verify(identity.public_key, message, bytes(bad))
    assert not wzp.verify(identity.public_key, message + b"!", signature)


def test_verify_cases(crypto_verify_cases):
    v = crypto_verify_cases
    result = wzp.verify(bytes.fromhex(v["public_hex"]), bytes.fromhex(v["message_hex"]), bytes.fromhex(v["signature_hex"]))
    assert result is v["libsodium_accepts"]


def test_random_identities_round_trip():
    a, b = wzp.Identity.generate(), wzp.Identity.generate()
    assert a.seed != b.seed
    back = wzp.Identity.from_mnemonic(a.mnemonic)
    assert (back.seed, back.public_key, back.fingerprint_str) == (a.seed, a.public_key, a.fingerprint_str)
    assert len(a.fingerprint_str) == 39
    assert len(a.mnemonic.split()) == 24


def test_identity_is_shareable_between_threads():
    import threading

    identity = wzp.Identity.from_seed(bytes(range(32)))
    expected = identity.sign(b"m")
    results = []

    def work():
        results.append(all(identity.sign(b"m") == expected for _ in range(100)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 4


def test_mnemonic_with_lone_surrogate_is_rejected_cleanly():
    # A str that cannot be encoded as UTF-8 never reaches the library.
    with pytest.raises((UnicodeEncodeError, TypeError, ValueError)):
        wzp.Identity.from_mnemonic("abandon \udc80 amount")

"""Errors: WzpError's fields, and clean TypeError/ValueError for wrong argument types,
lengths and ranges (never a crash, never a silently truncated or wrapped value)."""
import pickle

import pytest

import wzp

ALL_NAMES = {
    0: "WZP_OK", -1: "WZP_ERR_INVALID_ARGUMENT", -2: "WZP_ERR_BUFFER_TOO_SMALL", -3: "WZP_ERR_NO_MEMORY",
    -4: "WZP_ERR_INTERNAL", -5: "WZP_ERR_INVALID_STATE", -6: "WZP_ERR_TIMEOUT", -7: "WZP_ERR_WOULD_BLOCK",
    -8: "WZP_ERR_NOT_FOUND", -9: "WZP_ERR_IO", -10: "WZP_ERR_INVALID_HEX", -11: "WZP_ERR_INVALID_LENGTH",
    -12: "WZP_ERR_MNEMONIC_WORD_COUNT", -13: "WZP_ERR_MNEMONIC_UNKNOWN_WORD", -14: "WZP_ERR_MNEMONIC_CHECKSUM",
    -15: "WZP_ERR_MNEMONIC_ENTROPY_LENGTH", -16: "WZP_ERR_FINGERPRINT_TOO_SHORT", -20: "WZP_ERR_BAD_SIGNATURE",
    -21: "WZP_ERR_WEAK_KEY", -22: "WZP_ERR_UNEXPECTED_MESSAGE", -30: "WZP_ERR_DECRYPT_FAILED",
    -31: "WZP_ERR_REPLAY", -32: "WZP_ERR_REKEY_FAILED", -40: "WZP_ERR_MALFORMED", -41: "WZP_ERR_JSON",
    -42: "WZP_ERR_TOO_LARGE", -50: "WZP_ERR_TRANSPORT", -51: "WZP_ERR_TLS", -52: "WZP_ERR_CLOSED",
    -60: "WZP_ERR_AUTH_REJECTED", -61: "WZP_ERR_AUTH_UNAVAILABLE", -62: "WZP_ERR_ACL_DENIED",
    -63: "WZP_ERR_ROOM_FULL", -64: "WZP_ERR_HANDSHAKE_FAILED", -65: "WZP_ERR_SERVER_FULL",
    -70: "WZP_ERR_NOT_SUPPORTED",
}


def test_strerror_names_every_code():
    for code, name in ALL_NAMES.items():
        assert wzp.strerror(code) == name
    for code in (-99, -17, 1, 2**31 - 1, -(2**31)):
        assert wzp.strerror(code) == "WZP_ERR_UNKNOWN"


def test_wzp_error_fields():
    with pytest.raises(wzp.WzpError) as info:
        wzp.Identity.from_hex("abc")
    e = info.value
    assert isinstance(e, Exception)
    assert (e.code, e.name, e.message) == (-10, "WZP_ERR_INVALID_HEX", "invalid hex: Odd number of digits")
    assert str(e) == "WZP_ERR_INVALID_HEX: invalid hex: Odd number of digits"
    assert wzp.strerror(e.code) == e.name


def test_wzp_error_pickles():
    e = wzp.WzpError(-20, "WZP_ERR_BAD_SIGNATURE", "callee signature verification failed")
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is wzp.WzpError
    assert (back.code, back.name, back.message, str(back)) == (e.code, e.name, e.message, str(e))


def test_errors_do_not_leak_between_calls():
    with pytest.raises(wzp.WzpError) as first:
        wzp.fingerprint_parse("ab")
    assert wzp.fingerprint_parse("00112233445566778899aabbccddeeff") == bytes.fromhex("00112233445566778899aabbccddeeff")
    with pytest.raises(wzp.WzpError) as second:
        wzp.fingerprint_parse("abc")
    assert first.value.name == "WZP_ERR_FINGERPRINT_TOO_SHORT"
    assert second.value.name == "WZP_ERR_INVALID_HEX"


SESSION = wzp.Session(bytes(32))

TYPE_ERRORS = [
    ("seed as str", lambda: wzp.Identity.from_seed("x" * 32)),
    ("seed as bytearray", lambda: wzp.Identity.from_seed(bytearray(32))),
    ("hex as bytes list", lambda: wzp.Identity.from_hex([1, 2])),
    ("mnemonic as None", lambda: wzp.Identity.from_mnemonic(None)),
    ("sign str", lambda: wzp.Identity.generate().sign("text")),
    ("verify str key", lambda: wzp.verify("k" * 32, b"", bytes(64))),
    ("hash None", lambda: wzp.hash_room_name(None)),
    ("session key str", lambda: wzp.Session("k" * 32)),
    ("seal header str", lambda: SESSION.seal("h", 0, b"")),
    ("seal seq str", lambda: SESSION.seal(b"h", "0", b"")),
    ("open ct None", lambda: SESSION.open(b"h", 0, None)),
    ("caller identity", lambda: wzp.Caller(b"not an identity")),
    ("callee identity", lambda: wzp.Callee(None)),
    ("media header positional", lambda: wzp.MediaHeader(1)),
    ("media header codec range", lambda: wzp.MediaHeader(codec=256)),
    ("media header seq range", lambda: wzp.MediaHeader(seq=65536)),
    ("media header timestamp range", lambda: wzp.MediaHeader(timestamp=2**32)),
    ("quality report range", lambda: wzp.QualityReport(256)),
    ("packet header type", lambda: wzp.build_media_packet(b"header", b"")),
    ("trunk entries type", lambda: wzp.trunk_frame_build([b"ab"])),
    ("nonce direction range", lambda: wzp.reference_nonce(b"abcd", 0, 256)),
    ("nonce counter range", lambda: wzp.reference_nonce(b"abcd", 2**32, 0)),
    ("rekey_due negative", lambda: wzp.rekey_due(-1, 0)),
    ("strerror str", lambda: wzp.strerror("WZP_OK")),
    ("no public constructor", lambda: wzp.Identity()),
]


@pytest.mark.parametrize("what,call", TYPE_ERRORS, ids=[t[0] for t in TYPE_ERRORS])
def test_type_errors(what, call):
    with pytest.raises(TypeError):
        call()


VALUE_ERRORS = [
    ("seed length", lambda: wzp.Identity.from_seed(bytes(31))),
    ("hex with NUL", lambda: wzp.Identity.from_hex("00" * 32 + "\0zz")),
    ("mnemonic with NUL", lambda: wzp.Identity.from_mnemonic("abandon\0")),
    ("fingerprint with NUL", lambda: wzp.fingerprint_parse("00112233445566778899aabbccddeeff\0ff")),
    ("verify key length", lambda: wzp.verify(bytes(31), b"", bytes(64))),
    ("fingerprint length", lambda: wzp.fingerprint_format(bytes(15))),
    ("session key length", lambda: wzp.Session(bytes(33))),
    ("session mode", lambda: wzp.Session(bytes(32), mode="V2")),
    ("session role", lambda: wzp.Session(bytes(32), role="relay")),
    ("seal seq too big", lambda: SESSION.seal(b"h", 65536, b"")),
    ("seal seq negative", lambda: SESSION.seal(b"h", -1, b"")),
    ("open seq too big", lambda: SESSION.open(b"h", 70000, bytes(16))),
    ("replay seq too big", lambda: wzp.ReplayWindow().check(65536)),
    ("replay seq negative", lambda: wzp.ReplayWindow().check(-1)),
    ("rekey secret length", lambda: SESSION.rekey_begin(bytes(31))),
    ("rekey peer length", lambda: SESSION.rekey_complete(bytes(33))),
    ("caller ephemeral length", lambda: wzp.Caller(wzp.Identity.generate(), bytes(16))),
    ("caller mode", lambda: wzp.Caller(wzp.Identity.generate(), session_mode="v3")),
    ("callee mode", lambda: wzp.Callee(wzp.Identity.generate(), session_mode="")),
    ("nonce session id length", lambda: wzp.reference_nonce(b"abc", 0, 0)),
    ("aead key length", lambda: wzp.aead_seal(bytes(31), bytes(12), b"", b"")),
    ("aead nonce length", lambda: wzp.aead_open(bytes(32), bytes(8), b"", bytes(16))),
    ("trunk tag length", lambda: wzp.trunk_frame_build([(b"a", b"")])),
]


@pytest.mark.parametrize("what,call", VALUE_ERRORS, ids=[t[0] for t in VALUE_ERRORS])
def test_value_errors(what, call):
    with pytest.raises(ValueError):
        call()


def test_library_errors_for_bad_values_are_wzp_errors():
    with pytest.raises(wzp.WzpError) as info:
        wzp.reference_nonce(b"abcd", 0, 2)
    assert info.value.name == "WZP_ERR_INVALID_ARGUMENT"
    with pytest.raises(wzp.WzpError) as info:
        SESSION.open(b"h", 0, b"short")
    assert info.value.name == "WZP_ERR_DECRYPT_FAILED"


def test_equality_with_other_types():
    assert wzp.MediaHeader() != None  # noqa: E711 (the comparison itself is what is tested)
    assert wzp.MediaHeader() != "header"
    assert wzp.QualityReport(1, 2, 3, 4) == wzp.QualityReport(1, 2, 3, 4)
    assert wzp.QualityReport(1, 2, 3, 4) != wzp.QualityReport(1, 2, 3, 5)
    assert wzp.QualityReport() != 0
    assert "loss_pct=1" in repr(wzp.QualityReport(1, 2, 3, 4))


def test_sizes_and_version():
    assert (wzp.SEED_BYTES, wzp.PUBLIC_KEY_BYTES, wzp.SIGNATURE_BYTES, wzp.FINGERPRINT_BYTES) == (32, 32, 64, 16)
    assert (wzp.SESSION_KEY_BYTES, wzp.AEAD_TAG_BYTES, wzp.MEDIA_HEADER_BYTES) == (32, 16, 12)
    assert wzp.MAX_SIGNAL_BYTES == 1 << 20
    assert wzp.version() == wzp.__version__
    assert [int(x) for x in wzp.__version__.split(".")] >= [0, 1, 0]


def test_sizes_and_version_come_from_the_library():
    assert (wzp.SEED_BYTES, wzp.PUBLIC_KEY_BYTES, wzp.SIGNATURE_BYTES) == (32, 32, 64)
    assert (wzp.FINGERPRINT_BYTES, wzp.FINGERPRINT_STR_LEN, wzp.ROOM_HASH_LEN) == (16, 39, 32)
    assert (wzp.SESSION_KEY_BYTES, wzp.AEAD_TAG_BYTES, wzp.MEDIA_HEADER_BYTES) == (32, 16, 12)
    assert wzp.MAX_SIGNAL_BYTES == 1 << 20
    major, minor, patch = (int(x) for x in wzp.version().split("."))
    assert wzp.version_number() == (major << 16) | (minor << 8) | patch
    assert len(wzp.Identity.generate().fingerprint_str) == wzp.FINGERPRINT_STR_LEN

#!/usr/bin/env python3
"""Generates tests/data/media_session_v2.json: known-answer values of libwzp's v2 media
session (docs/PROTOCOL.md, rows 1-4), computed here without libwzp or libsodium:
X25519, Ed25519 and ChaCha20-Poly1305 from python3-cryptography, HKDF-SHA256 and
SHA-256 from hmac/hashlib. Fixed seeds and ephemerals, so the values never change
unless the derivation does; a change of any label makes the C++ and Python checks fail.

    python3 tests/data/media_session_v2_gen.py > tests/data/media_session_v2.json
"""
import hashlib
import hmac
import json
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

LABELS = {
    "identity_ed25519": "warzone-ed25519",
    "session_key": "warzone-session-key",
    "transcript": "wzp-v2 transcript",
    "caller_to_callee": "wzp-v2 caller->callee",
    "callee_to_caller": "wzp-v2 callee->caller",
    "rekey": "wzp-v2 rekey",
}
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def hkdf32(salt: bytes, ikm: bytes, info: str) -> bytes:
    """RFC 5869 with L = 32 (one block); no salt = 32 zero bytes."""
    prk = hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    return hmac.new(prk, info.encode() + b"\x01", hashlib.sha256).digest()


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def identity_pub(seed: bytes) -> bytes:
    prk = hmac.new(bytes(32), seed, hashlib.sha256).digest()
    ed_seed = hmac.new(prk, LABELS["identity_ed25519"].encode() + b"\x01", hashlib.sha256).digest()
    return Ed25519PrivateKey.from_private_bytes(ed_seed).public_key().public_bytes(*RAW)


def x25519_pub(secret: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes(*RAW)


def x25519(secret: bytes, peer_pub: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(secret).exchange(X25519PublicKey.from_public_bytes(peer_pub))


def direction(key: bytes, label: str) -> dict:
    k = hkdf32(b"", key, LABELS[label])
    return {"key": k, "key_id": sha256(k)[:4]}


def packet(name: str, keys: dict, header: bytes, seq: int, plaintext: bytes) -> dict:
    index = seq  # first packets of a session: roll-over count 0
    nonce = keys["key_id"] + struct.pack(">Q", index)
    sealed = ChaCha20Poly1305(keys["key"]).encrypt(nonce, plaintext, header)
    return {"direction": name, "header_hex": header.hex(), "seq": seq, "index": index,
            "nonce_hex": nonce.hex(), "plaintext_hex": plaintext.hex(), "sealed_hex": sealed.hex()}


def side(seed: bytes, eph: bytes) -> dict:
    return {"seed_hex": seed.hex(), "identity_pub_hex": identity_pub(seed).hex(),
            "ephemeral_secret_hex": eph.hex(), "ephemeral_pub_hex": x25519_pub(eph).hex()}


def main() -> None:
    # The RFC 7748 §6.1 key pairs as ephemerals, as in crypto.json's handshake transcript.
    caller = side(bytes([0xAA] * 32), bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
    callee = side(bytes([0xBB] * 32), bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
    b = lambda s, k: bytes.fromhex(s[k])  # noqa: E731

    shared = x25519(b(caller, "ephemeral_secret_hex"), b(callee, "ephemeral_pub_hex"))
    assert shared == x25519(b(callee, "ephemeral_secret_hex"), b(caller, "ephemeral_pub_hex"))
    session_key = hkdf32(b"", shared, LABELS["session_key"])
    transcript = sha256(b(caller, "identity_pub_hex") + b(caller, "ephemeral_pub_hex") +
                        b(callee, "identity_pub_hex") + b(callee, "ephemeral_pub_hex"))
    v2_key = hkdf32(session_key, transcript, LABELS["transcript"])
    c2s, s2c = direction(v2_key, "caller_to_callee"), direction(v2_key, "callee_to_caller")

    header = bytes.fromhex("00010001000000140000abcd")  # 12 bytes of associated data (a MediaHeader)
    packets = [packet("caller->callee", c2s, header, 1, b"20 ms of opus from the caller"),
               packet("callee->caller", s2c, header[:3] + b"\x07" + header[4:], 7, b"and an answer")]

    # Rekey: each side's fixed secret; K' = HKDF(salt = K_v2, ikm = X25519(r, R_peer), "wzp-v2 rekey").
    r_caller, r_callee = bytes([0x11] * 32), bytes([0x22] * 32)
    rekey_shared = x25519(r_caller, x25519_pub(r_callee))
    rekeyed = hkdf32(v2_key, rekey_shared, LABELS["rekey"])
    c2s2, s2c2 = direction(rekeyed, "caller_to_callee"), direction(rekeyed, "callee_to_caller")
    rekey_packets = [packet("caller->callee", c2s2, header[:3] + b"\x02" + header[4:], 2, b"after the rekey"),
                     packet("callee->caller", s2c2, header[:3] + b"\x08" + header[4:], 8, b"both ways")]

    hexed = lambda d: {k + "_hex": v.hex() for k, v in d.items()}  # noqa: E731
    out = {
        "description": "libwzp v2 media session known answers: fixed seeds and ephemerals -> session "
                       "key, transcript-bound v2 key, session id, direction keys, sealed packets, rekey",
        "generator": "tests/data/media_session_v2_gen.py (python3-cryptography, hmac, hashlib)",
        "labels": LABELS,
        "caller": caller,
        "callee": callee,
        "x25519_shared_hex": shared.hex(),
        "session_key_hex": session_key.hex(),
        "transcript_sha256_hex": transcript.hex(),
        "v2_key_hex": v2_key.hex(),
        "v2_session_id_hex": sha256(v2_key)[:4].hex(),
        "caller_to_callee": hexed(c2s),
        "callee_to_caller": hexed(s2c),
        "packets": packets,
        "rekey": {
            "caller_secret_hex": r_caller.hex(), "caller_public_hex": x25519_pub(r_caller).hex(),
            "callee_secret_hex": r_callee.hex(), "callee_public_hex": x25519_pub(r_callee).hex(),
            "x25519_shared_hex": rekey_shared.hex(), "key_hex": rekeyed.hex(),
            "caller_to_callee": hexed(c2s2), "callee_to_caller": hexed(s2c2),
            "packets": rekey_packets,
        },
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

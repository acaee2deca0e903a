#!/usr/bin/env python3
"""Generates tests/data/e2e_key_share.json: known answers of libwzp's end-to-end key-share
messages and safety words (src/crypto/e2e_key_share.hpp, src/crypto/safety_words.hpp),
computed here without libwzp or libsodium: X25519, Ed25519 and ChaCha20-Poly1305 from
python3-cryptography, HKDF-SHA256 and SHA-256 from hmac/hashlib, the BIP39 words from
tests/data/bip39-english.txt. Fixed seeds, ephemeral, base key and kid, so the values never
change unless the format does; a change of any label or offset makes the C++ check fail.

    python3 tests/data/e2e_key_share_gen.py > tests/data/e2e_key_share.json
"""
import hashlib
import hmac
import json
import os
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

LABELS = {
    "identity_ed25519": "warzone-ed25519",
    "identity_x25519": "warzone-x25519",
    "room": "wzp-e2e room",
    "hello": "wzp-e2e hello v1",
    "key_share": "wzp-e2e key share v1",
    "safety_words": "wzp-e2e safety words v1",
}
MAGIC, VERSION, TYPE_HELLO, TYPE_KEY_SHARE, FLAG_REPLACES = b"WZPE", 1, 1, 2, 0x01
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw
WORDS = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "bip39-english.txt")).read().split()
assert len(WORDS) == 2048


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def hkdf_expand32(prk: bytes, info: str) -> bytes:
    return hmac.new(prk, info.encode() + b"\x01", hashlib.sha256).digest()


def hkdf32(salt: bytes, ikm: bytes, info: str) -> bytes:
    """RFC 5869 with L = 32 (one block)."""
    return hkdf_expand32(hmac.new(salt, ikm, hashlib.sha256).digest(), info)


def x25519_pub(secret: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes(*RAW)


def x25519(secret: bytes, peer_pub: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(secret).exchange(X25519PublicKey.from_public_bytes(peer_pub))


class Identity:
    """featherChat's derivation, as src/crypto/identity.hpp."""

    def __init__(self, seed: bytes):
        prk = hmac.new(bytes(32), seed, hashlib.sha256).digest()
        self.seed = seed
        self.ed = Ed25519PrivateKey.from_private_bytes(hkdf_expand32(prk, LABELS["identity_ed25519"]))
        self.ed_pub = self.ed.public_key().public_bytes(*RAW)
        self.x_secret = hkdf_expand32(prk, LABELS["identity_x25519"])
        self.x_pub = x25519_pub(self.x_secret)
        self.fingerprint = sha256(self.ed_pub)[:16]

    def json(self) -> dict:
        return {"seed_hex": self.seed.hex(), "ed25519_pub_hex": self.ed_pub.hex(),
                "x25519_pub_hex": self.x_pub.hex(), "fingerprint_hex": self.fingerprint.hex()}


def room_context(room: str) -> bytes:
    return sha256(LABELS["room"].encode() + room.encode())


def hello(who: Identity, ctx: bytes) -> bytes:
    body = MAGIC + bytes([TYPE_HELLO, VERSION]) + who.ed_pub + who.x_pub
    msg = body + who.ed.sign(LABELS["hello"].encode() + ctx + body)
    assert len(msg) == 134
    return msg


def key_share(sender: Identity, recipient: Identity, kid: int, replaces: bool, base_key: bytes,
              ctx: bytes, eph: bytes) -> dict:
    eph_pub = x25519_pub(eph)
    shared = x25519(eph, recipient.x_pub)
    key = hkdf32(eph_pub + recipient.x_pub, shared, LABELS["key_share"])
    head = (MAGIC + bytes([TYPE_KEY_SHARE, VERSION]) + sender.ed_pub + recipient.fingerprint +
            struct.pack(">Q", kid) + bytes([FLAG_REPLACES if replaces else 0]) + eph_pub)
    assert len(head) == 95
    sealed = ChaCha20Poly1305(key).encrypt(bytes(12), base_key, ctx + head)
    body = head + sealed
    msg = body + sender.ed.sign(LABELS["key_share"].encode() + ctx + body)
    assert len(msg) == 207
    # The recipient's view: same shared secret, the signature verifies, the key opens.
    assert x25519(recipient.x_secret, eph_pub) == shared
    Ed25519PublicKey.from_public_bytes(sender.ed_pub).verify(msg[143:], LABELS["key_share"].encode() + ctx + body)
    assert ChaCha20Poly1305(key).decrypt(bytes(12), sealed, ctx + head) == base_key
    return {"sender": "alice", "recipient": "bob", "kid": kid, "kid_hex": struct.pack(">Q", kid).hex(),
            "replaces": replaces, "base_key_hex": base_key.hex(), "ephemeral_secret_hex": eph.hex(),
            "ephemeral_pub_hex": eph_pub.hex(), "x25519_shared_hex": shared.hex(), "seal_key_hex": key.hex(),
            "sealed_hex": sealed.hex(), "message_hex": msg.hex()}


def safety_words(material: bytes, count: int = 5) -> list:
    bits = int.from_bytes(sha256(LABELS["safety_words"].encode() + material), "big")
    count = min(count, 23)
    return [WORDS[(bits >> (256 - 11 * (i + 1))) & 0x7FF] for i in range(count)]


def room_safety_words(members: list, ctx: bytes) -> list:
    material = ctx + b"".join(fp + struct.pack(">Q", kid) for fp, kid in sorted(members))
    return safety_words(material)


def main() -> None:
    room = "e2e test room"
    ctx = room_context(room)
    alice, bob = Identity(bytes([0xA1] * 32)), Identity(bytes([0xB2] * 32))
    share = key_share(alice, bob, kid=0x0102030405060708, replaces=True,
                      base_key=bytes(range(0x40, 0x60)), ctx=ctx,
                      eph=bytes.fromhex("e2e0e2e1e2e2e2e3e2e4e2e5e2e6e2e7e2e8e2e9e2eae2ebe2ece2ede2eee2ef"))
    material = b"libwzp safety words test material"
    room_members = [(alice.fingerprint, 7), (bob.fingerprint, 0xFFFFFFFF00000001)]
    out = {
        "description": "libwzp end-to-end key-share known answers: room context, Hello of alice and bob, "
                       "a KeyShare alice->bob with a fixed ephemeral, base key and kid; safety words",
        "generator": "tests/data/e2e_key_share_gen.py (python3-cryptography, hmac, hashlib)",
        "labels": LABELS,
        "room": room,
        "ctx_hex": ctx.hex(),
        "alice": alice.json(),
        "bob": bob.json(),
        "hello": {"alice_hex": hello(alice, ctx).hex(), "bob_hex": hello(bob, ctx).hex()},
        "key_share": share,
        "safety_words": {
            "material_hex": material.hex(),
            "words": safety_words(material),
            "words_23": safety_words(material, 23),
        },
        "room_safety_words": {
            "members": [{"fingerprint_hex": fp.hex(), "kid": kid} for fp, kid in room_members],
            "words": room_safety_words(room_members, ctx),
        },
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

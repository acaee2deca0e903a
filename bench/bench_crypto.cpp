// Crypto layer benchmarks, each beside a same-run baseline of bare libsodium:
//   media sessions      vs ChaCha20-Poly1305 IETF encrypt + decrypt of the same 100-byte packet
//   identity derivation vs the primitives it is made of (HKDF-SHA256 as HMAC, Ed25519 and X25519 keys)
//   handshake sides     vs one side's primitives (ephemeral X25519, sign, verify, X25519, HKDF)
//   SFrame protect + unprotect vs bare GnuTLS AES-128-GCM seal + open of the same 100-byte payload
#include <benchmark/benchmark.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <sodium.h>

#include <cstring>

#include "crypto/handshake.hpp"
#include "crypto/identity.hpp"
#include "crypto/media_session.hpp"
#include "crypto/reference_session.hpp"
#include "crypto/seed.hpp"
#include "crypto/sframe.hpp"
#include "crypto/sodium_init.hpp"

namespace {

using namespace wzp;
using namespace wzp::crypto;

constexpr size_t kPacketSize = 100;
const Bytes kHeader(12, 0x5a);

void BM_Baseline_LibsodiumSealOpen100(benchmark::State& state) {
  ensure_init();
  uint8_t key[32];
  uint8_t nonce[12] = {};
  randombytes_buf(key, sizeof key);
  const Bytes plaintext(kPacketSize, 7);
  Bytes sealed(kPacketSize + 16);
  Bytes opened(kPacketSize);
  uint32_t counter = 0;
  for (auto _ : state) {
    store_be32(nonce + 4, counter++);
    unsigned long long clen = 0;
    unsigned long long mlen = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(sealed.data(), &clen, plaintext.data(), plaintext.size(),
                                              kHeader.data(), kHeader.size(), nullptr, nonce, key);
    if (crypto_aead_chacha20poly1305_ietf_decrypt(opened.data(), &mlen, nullptr, sealed.data(), clen,
                                                  kHeader.data(), kHeader.size(), nonce, key) != 0) {
      state.SkipWithError("decrypt failed");
    }
    benchmark::DoNotOptimize(opened.data());
  }
}
BENCHMARK(BM_Baseline_LibsodiumSealOpen100);

void BM_MediaSessionSealOpen100(benchmark::State& state) {
  const SessionKey key = SessionKey::from_bytes(Bytes(32, 0x42)).value();
  MediaSession caller(key, Role::caller);
  MediaSession callee(key, Role::callee);
  const Bytes plaintext(kPacketSize, 7);
  Bytes sealed;
  Bytes opened;
  sealed.reserve(256);
  opened.reserve(256);
  uint16_t seq = 0;
  for (auto _ : state) {
    sealed.clear();
    opened.clear();
    if (!caller.seal_append(kHeader, seq, plaintext, sealed).ok() ||
        !callee.open_append(kHeader, seq, sealed, opened).ok()) {
      state.SkipWithError("media session failed");
      break;
    }
    ++seq;
    benchmark::DoNotOptimize(opened.data());
  }
}
BENCHMARK(BM_MediaSessionSealOpen100);

void BM_ReferenceSessionSealOpen100(benchmark::State& state) {
  const SessionKey key = SessionKey::from_bytes(Bytes(32, 0x42)).value();
  ReferenceSession a(key);
  ReferenceSession b(key);
  const Bytes plaintext(kPacketSize, 7);
  Bytes sealed;
  Bytes opened;
  sealed.reserve(256);
  opened.reserve(256);
  for (auto _ : state) {
    sealed.clear();
    opened.clear();
    if (!a.encrypt_append(kHeader, plaintext, sealed).ok() ||
        !b.decrypt_append(kHeader, sealed, opened).ok()) {
      state.SkipWithError("reference session failed");
      break;
    }
    benchmark::DoNotOptimize(opened.data());
  }
}
BENCHMARK(BM_ReferenceSessionSealOpen100);

// SFrame's AAD is header || metadata; with KID 1 and CTR from 0x10000 the header is 4 bytes
// (config byte + a 3-byte CTR) for the first 2^24 frames, so the baseline authenticates the
// same 16 bytes.
constexpr size_t kSframeMetadataSize = 12;
constexpr uint64_t kSframeFirstCtr = 0x10000;

void BM_BareGnutlsAesGcm(benchmark::State& state) {
  ensure_init();
  uint8_t key_bytes[16];
  randombytes_buf(key_bytes, sizeof key_bytes);
  gnutls_datum_t key{key_bytes, sizeof key_bytes};
  gnutls_aead_cipher_hd_t aead = nullptr;
  if (gnutls_aead_cipher_init(&aead, GNUTLS_CIPHER_AES_128_GCM, &key) < 0) {
    state.SkipWithError("gnutls_aead_cipher_init failed");
    return;
  }
  uint8_t nonce[12] = {};
  const Bytes aad(4 + kSframeMetadataSize, 0x5a);
  const Bytes plaintext(kPacketSize, 7);
  Bytes sealed(kPacketSize + 16);
  Bytes opened(kPacketSize);
  uint32_t counter = 0;
  for (auto _ : state) {
    store_be32(nonce + 8, counter++);
    size_t sealed_len = sealed.size();
    size_t opened_len = opened.size();
    if (gnutls_aead_cipher_encrypt(aead, nonce, sizeof nonce, aad.data(), aad.size(), 16, plaintext.data(),
                                   plaintext.size(), sealed.data(), &sealed_len) < 0 ||
        gnutls_aead_cipher_decrypt(aead, nonce, sizeof nonce, aad.data(), aad.size(), 16, sealed.data(),
                                   sealed_len, opened.data(), &opened_len) < 0) {
      state.SkipWithError("gnutls aead failed");
      break;
    }
    benchmark::DoNotOptimize(opened.data());
  }
  gnutls_aead_cipher_deinit(aead);
}
BENCHMARK(BM_BareGnutlsAesGcm);

void BM_SframeProtectUnprotect(benchmark::State& state) {
  auto derived = sframe::KeyContext::derive(1, Bytes(32, 0x42));
  if (!derived) {
    state.SkipWithError("sframe derive failed");
    return;
  }
  const sframe::KeyContext ctx = std::move(derived).value();
  const Bytes metadata(kSframeMetadataSize, 0x5a);
  const Bytes plaintext(kPacketSize, 7);
  Bytes frame;
  Bytes opened;
  frame.reserve(256);
  opened.reserve(256);
  uint64_t ctr = kSframeFirstCtr;
  for (auto _ : state) {
    frame.clear();
    opened.clear();
    if (!ctx.protect(ctr++, metadata, plaintext, frame).ok()) {
      state.SkipWithError("sframe protect failed");
      break;
    }
    auto parsed = sframe::parse_header(frame);
    if (!parsed || !ctx.unprotect(*parsed, frame, metadata, opened).ok()) {
      state.SkipWithError("sframe unprotect failed");
      break;
    }
    benchmark::DoNotOptimize(opened.data());
  }
}
BENCHMARK(BM_SframeProtectUnprotect);

// HKDF-SHA256 with an empty salt (an all-zero HMAC key, RFC 5869), written
// directly on libsodium's HMAC: extract, then one expand block.
void hmac_hkdf32(const uint8_t* ikm, size_t ikm_len, const char* info, uint8_t out[32]) {
  static const uint8_t zero_salt[32] = {};
  uint8_t prk[32];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, zero_salt, sizeof zero_salt);
  crypto_auth_hmacsha256_update(&st, ikm, ikm_len);
  crypto_auth_hmacsha256_final(&st, prk);
  const uint8_t counter = 1;
  crypto_auth_hmacsha256_init(&st, prk, sizeof prk);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const uint8_t*>(info), std::strlen(info));
  crypto_auth_hmacsha256_update(&st, &counter, 1);
  crypto_auth_hmacsha256_final(&st, out);
}

// What Identity::from_seed computes: two HKDF outputs, an Ed25519 key pair, an X25519 public key.
void BM_Baseline_IdentityPrimitives(benchmark::State& state) {
  ensure_init();
  uint8_t seed[32];
  randombytes_buf(seed, sizeof seed);
  uint8_t ed_seed[32], x_secret[32], ed_pk[32], ed_sk[64], x_pk[32];
  for (auto _ : state) {
    hmac_hkdf32(seed, sizeof seed, "ed25519", ed_seed);
    hmac_hkdf32(seed, sizeof seed, "x25519", x_secret);
    crypto_sign_seed_keypair(ed_pk, ed_sk, ed_seed);
    crypto_scalarmult_curve25519_base(x_pk, x_secret);
    benchmark::DoNotOptimize(x_pk);
    benchmark::DoNotOptimize(ed_pk);
  }
}
BENCHMARK(BM_Baseline_IdentityPrimitives);

void BM_IdentityFromSeed(benchmark::State& state) {
  const Seed seed = Seed::random();
  for (auto _ : state) {
    auto id = Identity::from_seed(seed);
    benchmark::DoNotOptimize(id.public_key().data());
  }
}
BENCHMARK(BM_IdentityFromSeed);

// One handshake side's primitives (each side does the same set): an ephemeral
// X25519 key pair, an Ed25519 signature over it, the peer's signature check,
// the X25519 shared secret and the HKDF of the session key.
void BM_Baseline_HandshakeSidePrimitives(benchmark::State& state) {
  ensure_init();
  uint8_t id_pk[32], id_sk[64], peer_pk[32], peer_sk[64];
  crypto_sign_keypair(id_pk, id_sk);
  crypto_sign_keypair(peer_pk, peer_sk);
  uint8_t peer_eph_secret[32], peer_eph[32];
  randombytes_buf(peer_eph_secret, sizeof peer_eph_secret);
  crypto_scalarmult_curve25519_base(peer_eph, peer_eph_secret);
  uint8_t peer_signature[64];
  crypto_sign_detached(peer_signature, nullptr, peer_eph, sizeof peer_eph, peer_sk);
  uint8_t eph_secret[32], eph[32], signature[64], shared[32], session[32];
  for (auto _ : state) {
    randombytes_buf(eph_secret, sizeof eph_secret);
    crypto_scalarmult_curve25519_base(eph, eph_secret);
    crypto_sign_detached(signature, nullptr, eph, sizeof eph, id_sk);
    if (crypto_sign_verify_detached(peer_signature, peer_eph, sizeof peer_eph, peer_pk) != 0 ||
        crypto_scalarmult_curve25519(shared, eph_secret, peer_eph) != 0) {
      state.SkipWithError("baseline handshake failed");
      break;
    }
    hmac_hkdf32(shared, sizeof shared, "session", session);
    benchmark::DoNotOptimize(session);
    benchmark::DoNotOptimize(signature);
  }
}
BENCHMARK(BM_Baseline_HandshakeSidePrimitives);

// Caller side: start (ephemeral + signature) and finish (verify + X25519 + HKDF).
void BM_HandshakeCaller(benchmark::State& state) {
  const auto caller_id = Identity::from_seed(Seed::random());
  const auto callee_id = Identity::from_seed(Seed::random());
  const auto answer =
      CalleeHandshake::accept(callee_id, CallerHandshake::start(caller_id).offer()).value().answer;
  for (auto _ : state) {
    auto caller = CallerHandshake::start(caller_id);
    auto session = caller.finish(answer);
    benchmark::DoNotOptimize(session.ok());
  }
}
BENCHMARK(BM_HandshakeCaller);

// Callee side: verify the offer, ephemeral, signature, X25519 + HKDF.
void BM_HandshakeCallee(benchmark::State& state) {
  const auto caller_id = Identity::from_seed(Seed::random());
  const auto callee_id = Identity::from_seed(Seed::random());
  const auto offer = CallerHandshake::start(caller_id).offer();
  for (auto _ : state) {
    auto accepted = CalleeHandshake::accept(callee_id, offer);
    benchmark::DoNotOptimize(accepted.ok());
  }
}
BENCHMARK(BM_HandshakeCallee);

}  // namespace

BENCHMARK_MAIN();

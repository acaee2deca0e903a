// Crypto layer benchmarks. Baseline: a bare libsodium ChaCha20-Poly1305 IETF
// encrypt + decrypt of the same 100-byte packet, in the same run.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include "crypto/handshake.hpp"
#include "crypto/identity.hpp"
#include "crypto/media_session.hpp"
#include "crypto/reference_session.hpp"
#include "crypto/seed.hpp"
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
    crypto_aead_chacha20poly1305_ietf_encrypt(sealed.data(), &clen, plaintext.data(), plaintext.size(), kHeader.data(),
                                              kHeader.size(), nullptr, nonce, key);
    if (crypto_aead_chacha20poly1305_ietf_decrypt(opened.data(), &mlen, nullptr, sealed.data(), clen, kHeader.data(),
                                                  kHeader.size(), nonce, key) != 0) {
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
    if (!a.encrypt_append(kHeader, plaintext, sealed).ok() || !b.decrypt_append(kHeader, sealed, opened).ok()) {
      state.SkipWithError("reference session failed");
      break;
    }
    benchmark::DoNotOptimize(opened.data());
  }
}
BENCHMARK(BM_ReferenceSessionSealOpen100);

void BM_IdentityFromSeed(benchmark::State& state) {
  const Seed seed = Seed::random();
  for (auto _ : state) {
    auto id = Identity::from_seed(seed);
    benchmark::DoNotOptimize(id.public_key().data());
  }
}
BENCHMARK(BM_IdentityFromSeed);

// Caller side: start (ephemeral + signature) and finish (verify + X25519 + HKDF).
void BM_HandshakeCaller(benchmark::State& state) {
  const auto caller_id = Identity::from_seed(Seed::random());
  const auto callee_id = Identity::from_seed(Seed::random());
  const auto answer = CalleeHandshake::accept(callee_id, CallerHandshake::start(caller_id).offer()).value().answer;
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

// Argument helpers shared by the C ABI's crypto adapters (sessions, handshake, raw AEAD).
#pragma once

#include <cstring>

#include "capi/capi_support.hpp"
#include "core/bytes.hpp"
#include "crypto/secret.hpp"
#include "wzp.h"

namespace wzp::capi {

template <size_t N>
inline ByteArray<N> array_of(const uint8_t* p) {
  ByteArray<N> a{};
  std::memcpy(a.data(), p, N);
  return a;
}

template <size_t N>
inline crypto::Secret<N> secret_of(const uint8_t* p) {
  return *crypto::Secret<N>::from(ByteView(p, N));
}

inline bool valid_mode(long long mode) { return mode == WZP_SESSION_V2 || mode == WZP_SESSION_REFERENCE; }

// Runs a sealing/opening step that appends to a scratch buffer, then copies out.
// The output arguments are checked before the step runs: a session step consumes a
// nonce or a replay-window slot, which must not be lost to a caller's NULL buffer.
template <class Step>
int crypt_into(Step step, size_t expected, uint8_t* out, size_t out_cap, size_t* out_len) {
  WZP_CAPI_REQUIRE(out_len);
  if (out == nullptr && expected != 0) return capi::null_argument("out");
  Bytes scratch;
  scratch.reserve(expected);
  auto status = step(scratch);
  if (!status) return fail(status.error());
  return capi::copy_out(scratch, out, out_cap, out_len);
}

}  // namespace wzp::capi

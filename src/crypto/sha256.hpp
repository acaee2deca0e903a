// SHA-256 convenience wrapper (libsodium).
#pragma once

#include <sodium.h>

#include "core/bytes.hpp"
#include "crypto/sodium_init.hpp"

namespace wzp::crypto {

inline ByteArray<32> sha256(ByteView data) {
  ensure_init();
  ByteArray<32> out;
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

}  // namespace wzp::crypto

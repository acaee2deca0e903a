#include "crypto/hkdf.hpp"

#include <sodium.h>

#include <algorithm>

#include "crypto/sodium_init.hpp"

namespace wzp::crypto::hkdf {

Prk extract(ByteView salt, ByteView ikm) {
  ensure_init();
  // HMAC zero-pads short keys, so "no salt" is the same as 32 zero bytes (and
  // libsodium wants a non-null key pointer).
  static constexpr uint8_t kNoSalt[32] = {};
  if (salt.empty()) salt = ByteView(kNoSalt, sizeof kNoSalt);
  Prk prk;
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, salt.data(), salt.size());
  crypto_auth_hmacsha256_update(&state, ikm.data(), ikm.size());
  crypto_auth_hmacsha256_final(&state, prk.data());
  sodium_memzero(&state, sizeof state);
  return prk;
}

Status expand(const Prk& prk, ByteView info, MutableByteView out) {
  if (out.size() > kMaxOutput)
    return make_error(Errc::invalid_argument, "hkdf: output longer than 255 blocks");
  ensure_init();
  Secret<32> block;
  size_t produced = 0;
  for (uint8_t counter = 1; produced < out.size(); ++counter) {
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, prk.data(), prk.size());
    if (counter > 1) crypto_auth_hmacsha256_update(&state, block.data(), block.size());
    crypto_auth_hmacsha256_update(&state, info.data(), info.size());
    crypto_auth_hmacsha256_update(&state, &counter, 1);
    crypto_auth_hmacsha256_final(&state, block.data());
    sodium_memzero(&state, sizeof state);
    size_t take = std::min(out.size() - produced, block.size());
    std::copy_n(block.data(), take, out.data() + produced);
    produced += take;
  }
  return {};
}

Okm32 expand32(const Prk& prk, std::string_view info) {
  Okm32 okm;
  (void)expand(prk, as_bytes(info), okm.mutable_view());  // 32 <= kMaxOutput: cannot fail
  return okm;
}

Okm32 derive32(ByteView salt, ByteView ikm, std::string_view info) {
  return expand32(extract(salt, ikm), info);
}

}  // namespace wzp::crypto::hkdf

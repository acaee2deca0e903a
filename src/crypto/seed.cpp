#include "crypto/seed.hpp"

#include <sodium.h>

#include "core/hex.hpp"
#include "crypto/bip39.hpp"
#include "crypto/sodium_init.hpp"

namespace wzp::crypto {

Seed Seed::random() {
  ensure_init();
  Secret<kSize> bytes;
  randombytes_buf(bytes.data(), bytes.size());
  return Seed(bytes);
}

Result<Seed> Seed::from_bytes(ByteView bytes) {
  auto secret = Secret<kSize>::from(bytes);
  if (!secret)
    return make_error(Errc::invalid_length, "expected 32 bytes, got " + std::to_string(bytes.size()));
  return Seed(*secret);
}

Result<Seed> Seed::from_hex(std::string_view text) {
  auto decoded = wzp::from_hex(text);
  if (!decoded) return std::move(decoded).error();
  auto seed = from_bytes(decoded.value());
  wipe_bytes(decoded.value());
  return seed;
}

Result<Seed> Seed::from_mnemonic(std::string_view mnemonic) {
  auto entropy = bip39::decode(mnemonic);
  if (!entropy) return std::move(entropy).error();
  if (entropy->size != kSize) {
    return make_error(Errc::mnemonic_entropy_length,
                      "expected 32 bytes entropy, got " + std::to_string(entropy->size));
  }
  return from_bytes(entropy->view());
}

std::string Seed::to_hex() const { return wzp::to_hex(bytes_.view()); }

std::string Seed::to_mnemonic() const {
  return bip39::encode(bytes_.view()).value();  // 32 bytes is always a valid entropy length
}

}  // namespace wzp::crypto

#include "relay/relay_secrets.hpp"

#include <cstring>

#include "crypto/hkdf.hpp"

namespace wzp::relay {

ByteArray<32> derive_endpoint_secret(const crypto::Identity& identity, std::string_view label) {
  // The first half of libsodium's secret key is the Ed25519 seed, itself
  // derived from the identity seed.
  ByteView ed_seed = identity.ed25519_secret_key().view().first(32);
  crypto::hkdf::Okm32 okm = crypto::hkdf::derive32({}, ed_seed, label);
  ByteArray<32> out{};
  std::memcpy(out.data(), okm.data(), out.size());
  return out;
}

}  // namespace wzp::relay

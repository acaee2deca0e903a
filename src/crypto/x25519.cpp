#include "crypto/x25519.hpp"

#include <sodium.h>

#include "crypto/sodium_init.hpp"

namespace wzp::crypto {

X25519Public x25519_public(const X25519Secret& secret) {
  ensure_init();
  X25519Public pub;
  crypto_scalarmult_curve25519_base(pub.data(), secret.data());
  return pub;
}

Result<SharedSecret> x25519(const X25519Secret& secret, const X25519Public& peer_public) {
  ensure_init();
  SharedSecret shared;
  if (crypto_scalarmult_curve25519(shared.data(), secret.data(), peer_public.data()) != 0) {
    return make_error(Errc::weak_key, "weak peer key: X25519 result is all-zero (low-order point)");
  }
  return shared;
}

EphemeralKeyPair EphemeralKeyPair::generate(const std::optional<X25519Secret>& fixed_secret) {
  ensure_init();
  EphemeralKeyPair pair;
  if (fixed_secret) {
    pair.secret = *fixed_secret;
  } else {
    randombytes_buf(pair.secret.data(), pair.secret.size());
  }
  pair.public_key = x25519_public(pair.secret);
  return pair;
}

}  // namespace wzp::crypto

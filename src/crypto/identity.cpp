#include "crypto/identity.hpp"

#include <sodium.h>

#include "crypto/hkdf.hpp"
#include "crypto/sodium_init.hpp"

namespace wzp::crypto {

Identity Identity::from_seed(const Seed& seed) {
  ensure_init();
  const hkdf::Prk prk = hkdf::extract({}, seed.bytes());
  const hkdf::Okm32 ed_seed = hkdf::expand32(prk, kEd25519Info);
  Identity id;
  id.x25519_secret_ = hkdf::expand32(prk, kX25519Info);
  crypto_sign_seed_keypair(id.ed25519_public_.data(), id.ed25519_secret_.data(), ed_seed.data());
  id.x25519_public_ = x25519_public(id.x25519_secret_);
  return id;
}

Ed25519Signature Identity::sign(ByteView message) const {
  Ed25519Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), ed25519_secret_.data());
  return sig;
}

bool verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) return false;
  ensure_init();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) ==
         0;
}

}  // namespace wzp::crypto

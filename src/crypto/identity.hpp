// Identity keys derived from a Seed (featherChat-compatible):
//   PRK      = HMAC-SHA256(32 zero bytes, seed)
//   ed_seed  = HKDF-Expand(PRK, "warzone-ed25519", 32) -> Ed25519 key pair
//   x_secret = HKDF-Expand(PRK, "warzone-x25519", 32)  -> X25519 key pair (kept unclamped)
// The X25519 key is independent of the Ed25519 key (not a Montgomery conversion).
#pragma once

#include <string_view>

#include "core/bytes.hpp"
#include "crypto/fingerprint.hpp"
#include "crypto/secret.hpp"
#include "crypto/seed.hpp"
#include "crypto/x25519.hpp"

namespace wzp::crypto {

inline constexpr std::string_view kEd25519Info = "warzone-ed25519";
inline constexpr std::string_view kX25519Info = "warzone-x25519";

using Ed25519Public = ByteArray<32>;
using Ed25519Signature = ByteArray<64>;

class Identity {
 public:
  /// Deterministic derivation (cannot fail).
  static Identity from_seed(const Seed& seed);

  /// Ed25519 identity public key ("identity_pub").
  const Ed25519Public& public_key() const noexcept { return ed25519_public_; }
  /// libsodium 64-byte secret key: ed_seed || public key.
  const Secret<64>& ed25519_secret_key() const noexcept { return ed25519_secret_; }
  /// Raw HKDF output (libsodium clamps it inside every scalar multiplication).
  const X25519Secret& x25519_secret() const noexcept { return x25519_secret_; }
  const X25519Public& x25519_public_key() const noexcept { return x25519_public_; }

  /// SHA-256(public_key())[0..16].
  Fingerprint fingerprint() const { return Fingerprint::of(ed25519_public_); }

  /// Deterministic RFC 8032 Ed25519 signature over `message`.
  Ed25519Signature sign(ByteView message) const;

 private:
  Identity() = default;
  Ed25519Public ed25519_public_{};
  Secret<64> ed25519_secret_;
  X25519Secret x25519_secret_;
  X25519Public x25519_public_{};
};

/// Strict Ed25519 verification (libsodium crypto_sign_verify_detached): false
/// unless `public_key` is 32 bytes, `signature` is exactly 64 bytes and valid
/// for `message`. Stricter than the reference for adversarial inputs only
/// (small-order or non-canonical keys and R are rejected).
bool verify(ByteView public_key, ByteView message, ByteView signature);

}  // namespace wzp::crypto

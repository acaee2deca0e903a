// X25519 key agreement (RFC 7748) with libsodium, which clamps the scalar and
// masks bit 255 of the peer value itself, so raw secrets are passed as is.
#pragma once

#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/secret.hpp"

namespace wzp::crypto {

using X25519Secret = Secret<32>;
using X25519Public = ByteArray<32>;
using SharedSecret = Secret<32>;

/// Public value X25519(secret, 9).
X25519Public x25519_public(const X25519Secret& secret);

/// Shared secret X25519(secret, peer_public). Errors: Errc::weak_key
/// "weak peer key: X25519 result is all-zero (low-order point)" when libsodium
/// rejects the result (a peer public of small order; only a malicious peer can
/// produce it. The reference would carry on with an all-zero secret).
Result<SharedSecret> x25519(const X25519Secret& secret, const X25519Public& peer_public);

/// A fresh (or, for tests, a given) ephemeral X25519 key pair.
struct EphemeralKeyPair {
  X25519Secret secret;
  X25519Public public_key{};

  /// Random secret from the CSPRNG unless `fixed_secret` is given.
  static EphemeralKeyPair generate(const std::optional<X25519Secret>& fixed_secret = std::nullopt);
};

}  // namespace wzp::crypto

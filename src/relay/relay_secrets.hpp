// Keys the relay derives from its identity for its QUIC endpoint, so that a
// relay restarted with the same identity recognises what it issued before:
// stateless reset tokens (its former connections are reset at once) and
// Retry tokens.
#pragma once

#include <string_view>

#include "core/bytes.hpp"
#include "crypto/identity.hpp"

namespace wzp::relay {

inline constexpr std::string_view kStatelessResetLabel = "libwzp relay stateless reset v1";
inline constexpr std::string_view kRetryTokenLabel = "libwzp relay retry token v1";

/// HKDF-SHA256(ikm = the identity's Ed25519 seed, info = label).
ByteArray<32> derive_endpoint_secret(const crypto::Identity& identity, std::string_view label);

}  // namespace wzp::relay

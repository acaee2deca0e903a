// What a call does about end-to-end encryption, and what it knows of each
// remote participant's keys (docs/SECURITY.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wzp::e2e {

enum class Policy : uint8_t {
  off = 0,        // media as the reference sends it: readable by the relay
  preferred = 1,  // encrypted while every member takes part; clear (and the app is told) otherwise
  required = 2,   // never clear: members without keys are not heard and do not get ours
};

/// One remote participant, as this call sees it.
enum class KeyState : uint8_t {
  no_key = 0,          // no key from it (yet): its frames cannot be opened
  ok = 1,              // its key is here and its frames open
  missing_key = 2,     // its frames name a key we were not given (e.g. a fresh key still on its way)
  decrypt_failed = 3,  // its frames do not authenticate (tampered, or a wrong key)
  clear = 4,           // it sends clear media (no end-to-end support); heard only with `preferred`
  unauthorised = 5,    // not in the application's member list: it gets no key, its keys are ignored
};

std::string_view policy_name(Policy policy) noexcept;
std::string_view key_state_name(KeyState state) noexcept;

/// Byte 11 of the media header (csrc_count: opaque, copied verbatim by relays, 0 from every
/// sender) on a frame whose payload is an SFrame ciphertext. It is authenticated with the rest
/// of the header. (Byte 10 is taken: libwzp's Reed-Solomon repair packets are marked there.)
inline constexpr size_t kEncryptedMarkerOffset = 11;
inline constexpr uint8_t kEncryptedMarker = 0xE2;

}  // namespace wzp::e2e

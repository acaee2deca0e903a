// This participant's own media key: a random base key under a random 48-bit
// prefix, ratcheted forward when someone joins (the newcomer gets only the new
// step), replaced by a fresh one when someone who held it leaves.
//
//   KID (SFrame key id) = prefix << 16 | ratchet step
//
// Receivers find the sender by the prefix and derive later steps themselves.
#pragma once

#include <cstdint>

#include "crypto/sframe.hpp"

namespace wzp::e2e {

inline constexpr uint64_t kid_of(uint64_t prefix, uint16_t step) noexcept { return (prefix << 16) | step; }
inline constexpr uint64_t prefix_of(uint64_t kid) noexcept { return kid >> 16; }
inline constexpr uint16_t step_of(uint64_t kid) noexcept { return static_cast<uint16_t>(kid & 0xFFFF); }
inline constexpr uint64_t kPrefixMask = (uint64_t{1} << 48) - 1;

struct SenderKey {
  uint64_t prefix = 0;  // 48 bits
  uint16_t step = 0;
  crypto::sframe::BaseKey base;

  /// A random key (fresh prefix and base key, step 0).
  static SenderKey fresh();
  /// The next step (base = RFC 9605 ratchet of base). Past 65535 steps a fresh key is made.
  void ratchet();
  uint64_t kid() const noexcept { return kid_of(prefix, step); }
};

}  // namespace wzp::e2e

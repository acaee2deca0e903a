// Serial-number arithmetic (RFC 1982 style) for the 16-bit media seq and the 32-bit media
// timestamp: both wrap, so they are unwrapped into 64-bit counters against a recent reference.
#pragma once

#include <cstdint>

namespace wzp::media {

/// The unwrapped value of `seq` nearest to `reference` (within -32768..32767 of it).
constexpr int64_t unwrap_seq(uint16_t seq, int64_t reference) noexcept {
  const auto delta = static_cast<int16_t>(static_cast<uint16_t>(seq - static_cast<uint16_t>(reference)));
  return reference + delta;
}

/// The unwrapped value of `timestamp` nearest to `reference` (within +-2^31 ms of it).
constexpr int64_t unwrap_timestamp(uint32_t timestamp, int64_t reference) noexcept {
  const auto delta =
      static_cast<int32_t>(static_cast<uint32_t>(timestamp - static_cast<uint32_t>(reference)));
  return reference + delta;
}

/// True when `a` comes before `b` in 16-bit serial order (0 < (b - a) mod 2^16 < 2^15).
constexpr bool seq_before(uint16_t a, uint16_t b) noexcept {
  const auto d = static_cast<uint16_t>(b - a);
  return d != 0 && d < 0x8000;
}

}  // namespace wzp::media

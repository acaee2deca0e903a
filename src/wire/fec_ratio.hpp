// The 7-bit FEC ratio code carried in the MediaHeader (wire spec §4.2).
#pragma once

#include <cstdint>

namespace wzp::wire {

inline constexpr uint8_t kFecRatioCodeMax = 127;

/// Encode a ratio: min(127, saturate(round_half_away_from_zero(ratio * 63.5)))
/// computed in binary32. Negative or NaN gives 0, anything >= 2.0 gives 127.
uint8_t encode_fec_ratio(float ratio) noexcept;

/// Decode a code: (code & 0x7F) / 63.5 in binary32.
float decode_fec_ratio(uint8_t code) noexcept;

}  // namespace wzp::wire

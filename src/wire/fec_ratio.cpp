#include "wire/fec_ratio.hpp"

#include <algorithm>
#include <cmath>

namespace wzp::wire {

uint8_t encode_fec_ratio(float ratio) noexcept {
  const float scaled = std::round(ratio * 63.5f);  // std::round rounds half away from zero
  // Saturating float -> u8 conversion as Rust's `as u8`: NaN and negatives give 0.
  if (!(scaled > 0.0f)) return 0;
  const float saturated = std::min(scaled, 255.0f);
  return std::min<uint8_t>(kFecRatioCodeMax, static_cast<uint8_t>(saturated));
}

float decode_fec_ratio(uint8_t code) noexcept { return static_cast<float>(code & kFecRatioCodeMax) / 63.5f; }

}  // namespace wzp::wire

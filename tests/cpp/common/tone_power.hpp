// The power of one frequency in 48 kHz PCM (Goertzel), normalised by the length: how the
// call tests tell which tone a side hears.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>

namespace wzp::test {

inline double tone_power(std::span<const int16_t> pcm, double hz) {
  const double w = 2 * std::numbers::pi * hz / 48000, c = 2 * std::cos(w);
  double s1 = 0, s2 = 0;
  for (int16_t x : pcm) {
    const double s0 = x + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double p = s1 * s1 + s2 * s2 - c * s1 * s2;
  return p / double(pcm.size()) / double(pcm.size());
}

}  // namespace wzp::test

// Test tones for the call tests: a continuous sine, 20 ms at a time, and the power of one
// frequency in 48 kHz PCM (Goertzel), how a test tells which tone a side hears.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <span>

namespace wzp::test {

/// A sine at `hz`, one 960-sample (20 ms at 48 kHz) frame at a time, phase continuous: no
/// silence, so every frame is sent.
class Tone {
 public:
  static constexpr size_t kFrameSamples = 960;
  explicit Tone(double hz, double amplitude = 8000) : hz_(hz), amplitude_(amplitude) {}
  std::array<int16_t, kFrameSamples> next() {
    std::array<int16_t, kFrameSamples> out{};
    for (auto& s : out) {
      s = static_cast<int16_t>(amplitude_ * std::sin(2 * std::numbers::pi * hz_ * double(n_++) / 48000));
    }
    return out;
  }

 private:
  double hz_, amplitude_;
  uint64_t n_ = 0;
};

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

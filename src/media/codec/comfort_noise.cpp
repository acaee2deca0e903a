#include "media/codec/comfort_noise.hpp"

namespace wzp::media {

// xorshift64*: cheap, seedable and the same on every platform.
uint64_t ComfortNoise::next() {
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return state_ * 0x2545F4914F6CDD1DULL;
}

void ComfortNoise::generate(PcmSpan out) {
  const uint64_t span = 2 * uint64_t{level_} + 1;
  for (int16_t& s : out) {
    // The top 32 bits scaled to [0, span): no modulo bias worth speaking of at these levels.
    const uint64_t r = ((next() >> 32) * span) >> 32;
    s = static_cast<int16_t>(static_cast<int64_t>(r) - level_);
  }
}

}  // namespace wzp::media

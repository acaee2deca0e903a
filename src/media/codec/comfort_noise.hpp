// Receiver-side comfort noise for periods the sender suppressed (media.md §7.3).
#pragma once

#include <cstdint>

#include "media/pcm.hpp"

namespace wzp::media {

/// The level a reference sender puts in its CN packets (and the level it plays).
inline constexpr uint8_t kDefaultComfortNoiseLevel = 50;

class ComfortNoise {
 public:
  explicit ComfortNoise(uint64_t seed = 1) : state_(seed == 0 ? 1 : seed) {}

  /// The CN packet's payload byte: the noise's peak amplitude in sample units.
  void set_level(uint8_t level) { level_ = level; }
  uint8_t level() const { return level_; }

  /// One frame of white noise, uniform in [-level, +level] as the reference plays it.
  void generate(PcmSpan out);

 private:
  uint64_t next();

  uint64_t state_;
  uint8_t level_ = kDefaultComfortNoiseLevel;
};

}  // namespace wzp::media

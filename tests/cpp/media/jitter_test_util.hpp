// Helpers for the jitter-buffer tests: frames on a virtual clock.
#pragma once

#include <cstdint>

#include "media/playout/jitter_buffer.hpp"

namespace wzp::media::test {

inline JitterEntry audio(uint16_t seq, uint32_t ts, wire::CodecId codec = wire::CodecId::opus24k,
                         bool recovered = false) {
  JitterEntry e;
  e.seq = seq;
  e.timestamp = ts;
  e.codec = codec;
  e.frame = {static_cast<uint8_t>(seq), static_cast<uint8_t>(seq >> 8)};
  e.recovered = recovered;
  return e;
}

inline JitterEntry comfort_noise(uint16_t seq, uint32_t ts, uint8_t level = 50) {
  JitterEntry e;
  e.seq = seq;
  e.timestamp = ts;
  e.codec = wire::CodecId::comfort_noise;
  e.frame = {level};
  return e;
}

using Kind = JitterBuffer::Playout::Kind;

}  // namespace wzp::media::test

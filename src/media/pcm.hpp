// PCM at every media boundary: 48 kHz, mono, signed 16-bit, one frame of 20 or 40 ms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "wire/codec_id.hpp"

namespace wzp::media {

inline constexpr uint32_t kSampleRate = 48000;
/// The longest frame any profile uses (40 ms); decode buffers hold at least this many samples.
inline constexpr size_t kMaxFrameSamples = 1920;

constexpr size_t samples_per_frame(uint32_t frame_ms) { return size_t{kSampleRate / 1000} * frame_ms; }

using PcmView = std::span<const int16_t>;
using PcmSpan = std::span<int16_t>;

/// The codec's preferred frame in milliseconds (media.md §1.2): 20, or 40 for Opus6k and
/// Codec2_1200.
uint32_t frame_ms_of(wire::CodecId codec);

}  // namespace wzp::media

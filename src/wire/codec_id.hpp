// CodecId: the audio codec identifier carried in the MediaHeader (4 bits) and
// in QualityProfile JSON (by name).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace wzp::wire {

/// Codec identifiers; the enumerator value is the 4-bit wire value.
enum class CodecId : uint8_t {
  opus24k = 0,
  opus16k = 1,
  opus6k = 2,
  codec2_3200 = 3,
  codec2_1200 = 4,
  comfort_noise = 5,
};

inline constexpr uint8_t kCodecCount = 6;

/// The codec for a wire value, or nullopt for 6..255 (invalid on the wire).
std::optional<CodecId> codec_from_wire(uint8_t wire) noexcept;
inline constexpr uint8_t codec_wire(CodecId codec) noexcept { return static_cast<uint8_t>(codec); }

/// The case-sensitive JSON name, e.g. "Opus24k", "Codec2_1200", "ComfortNoise".
std::string_view codec_name(CodecId codec) noexcept;
/// The codec with exactly this JSON name, or nullopt.
std::optional<CodecId> codec_from_name(std::string_view name) noexcept;

/// Nominal codec bitrate in bit/s (ComfortNoise: 0).
uint32_t codec_bitrate_bps(CodecId codec) noexcept;
/// Audio frame length in milliseconds (20 or 40).
uint8_t codec_frame_duration_ms(CodecId codec) noexcept;
/// Sample rate in Hz (48000 for Opus and comfort noise, 8000 for Codec2).
uint32_t codec_sample_rate_hz(CodecId codec) noexcept;

}  // namespace wzp::wire

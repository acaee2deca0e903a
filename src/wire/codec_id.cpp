#include "wire/codec_id.hpp"

#include <array>

namespace wzp::wire {
namespace {

struct CodecInfo {
  std::string_view name;
  uint32_t bitrate_bps;
  uint8_t frame_duration_ms;
  uint32_t sample_rate_hz;
};

// Indexed by wire value.
constexpr std::array<CodecInfo, kCodecCount> kCodecs{{
    {"Opus24k", 24000, 20, 48000},
    {"Opus16k", 16000, 20, 48000},
    {"Opus6k", 6000, 40, 48000},
    {"Codec2_3200", 3200, 20, 8000},
    {"Codec2_1200", 1200, 40, 8000},
    {"ComfortNoise", 0, 20, 48000},
}};

const CodecInfo& info(CodecId codec) noexcept { return kCodecs[codec_wire(codec) % kCodecCount]; }

}  // namespace

std::optional<CodecId> codec_from_wire(uint8_t wire) noexcept {
  if (wire >= kCodecCount) return std::nullopt;
  return static_cast<CodecId>(wire);
}

std::string_view codec_name(CodecId codec) noexcept { return info(codec).name; }

std::optional<CodecId> codec_from_name(std::string_view name) noexcept {
  for (uint8_t i = 0; i < kCodecCount; ++i) {
    if (kCodecs[i].name == name) return static_cast<CodecId>(i);
  }
  return std::nullopt;
}

uint32_t codec_bitrate_bps(CodecId codec) noexcept { return info(codec).bitrate_bps; }
uint8_t codec_frame_duration_ms(CodecId codec) noexcept { return info(codec).frame_duration_ms; }
uint32_t codec_sample_rate_hz(CodecId codec) noexcept { return info(codec).sample_rate_hz; }

}  // namespace wzp::wire

#include "wire/quality_profile.hpp"

#include <cmath>

namespace wzp::wire {

float total_kbps(const QualityProfile& profile) noexcept {
  const float kbps = static_cast<float>(codec_bitrate_bps(profile.codec)) / 1000.0f;
  return kbps * (1.0f + profile.fec_ratio);
}

uint32_t repair_symbols_per_block(const QualityProfile& profile) noexcept {
  const float symbols = std::ceil(static_cast<float>(profile.frames_per_block) * profile.fec_ratio);
  if (!(symbols > 0.0f)) return 0;
  return static_cast<uint32_t>(symbols);  // at most 255 * finite ratio; callers keep ratios small
}

std::optional<size_t> choose_profile_index(std::span<const QualityProfile> offered) noexcept {
  if (offered.empty()) return std::nullopt;
  size_t best = 0;
  float best_kbps = total_kbps(offered[0]);
  for (size_t i = 1; i < offered.size(); ++i) {
    const float kbps = total_kbps(offered[i]);
    // Keep the current best only if strictly greater: ties and NaN go to the later element.
    if (!(best_kbps > kbps)) {
      best = i;
      best_kbps = kbps;
    }
  }
  return best;
}

QualityProfile choose_profile(std::span<const QualityProfile> offered) noexcept {
  const auto index = choose_profile_index(offered);
  return index ? offered[*index] : kProfileGood;
}

}  // namespace wzp::wire

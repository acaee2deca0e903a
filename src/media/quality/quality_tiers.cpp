#include "media/quality/quality_tiers.hpp"

#include <array>

namespace wzp::media {
namespace {

constexpr std::array<QualityTier, 3> kReference{{
    {"GOOD", wire::kProfileGood},
    {"DEGRADED", wire::kProfileDegraded, 10.0f, 400},
    {"CATASTROPHIC", wire::kProfileCatastrophic, 40.0f, 600},
}};

constexpr std::array<QualityTier, 4> kLibwzp{{
    {"GOOD", wire::kProfileGood},
    {"RESILIENT", wire::kProfileResilient, 10.0f, 400},
    {"RESILIENT_DEEP", wire::kProfileResilientDeep, 25.0f, kNoRttThreshold},
    {"CATASTROPHIC", wire::kProfileCatastrophic, 40.0f, 600},
}};

}  // namespace

std::span<const QualityTier> reference_quality_tiers() noexcept { return kReference; }
std::span<const QualityTier> libwzp_quality_tiers() noexcept { return kLibwzp; }

size_t classify(std::span<const QualityTier> tiers, float loss_pct, uint32_t rtt_ms) noexcept {
  for (size_t i = tiers.size(); i-- > 1;) {
    if (loss_pct > tiers[i].loss_above_pct || rtt_ms > tiers[i].rtt_above_ms) return i;
  }
  return 0;
}

}  // namespace wzp::media

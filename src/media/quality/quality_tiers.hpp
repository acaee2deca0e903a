// Quality tiers: the data table the QualityController walks. Each tier is a profile and the
// thresholds that send a report to it; the table is ordered best first, and a report belongs
// to the worst tier whose loss OR RTT threshold it exceeds (tier 0 when none). A tier can be
// inserted anywhere (e.g. "GOOD with more FEC") without touching the controller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

#include "wire/quality_profile.hpp"

namespace wzp::media {

inline constexpr float kNoLossThreshold = std::numeric_limits<float>::infinity();
inline constexpr uint32_t kNoRttThreshold = std::numeric_limits<uint32_t>::max();

struct QualityTier {
  std::string_view name;
  wire::QualityProfile profile;
  float loss_above_pct = kNoLossThreshold;  // strict: loss > this
  uint32_t rtt_above_ms = kNoRttThreshold;  // strict: RTT > this
};

/// The reference's controller A (media spec §12.2): GOOD; DEGRADED above 10 % loss or
/// 400 ms RTT; CATASTROPHIC above 40 % or 600 ms. Interoperable with any peer.
std::span<const QualityTier> reference_quality_tiers() noexcept;

/// Between libwzp peers only: Reed–Solomon profiles that reach the targets under
/// random loss (frames played by FEC alone at 20 % / 30 % loss: 99.6 % / 97.0 % for
/// RESILIENT, 99.9 % / 98.5 % for RESILIENT_DEEP, against 97.4 % / 87.5 % for DEGRADED).
/// GOOD; RESILIENT above 10 % or 400 ms; RESILIENT_DEEP above 25 %; CATASTROPHIC above
/// 40 % or 600 ms.
std::span<const QualityTier> libwzp_quality_tiers() noexcept;

/// The tier index of one report (loss in percent, RTT in ms).
size_t classify(std::span<const QualityTier> tiers, float loss_pct, uint32_t rtt_ms) noexcept;

}  // namespace wzp::media

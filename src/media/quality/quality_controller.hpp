// QualityController: the sender's side of quality adaptation. Receivers' QualityReports go
// in; a new profile comes out when the tier changes, with the reference's hysteresis
// (media spec §12.2): 3 consecutive worse evaluations jump straight to the observed tier,
// 10 consecutive better ones move up one tier.
//
// Rooms: each reporter's latest report is kept for `window_ms`; an evaluation sees the worst
// of them, so the sender protects its worst-placed receiver (a single stream serves all;
// adapting to an average would leave that receiver with gaps). Evaluations happen at most
// once per `eval_interval_ms`, so the hysteresis lasts as long in a room of ten as in a
// call of two (each receiver reports once a second).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "media/quality/quality_tiers.hpp"
#include "wire/quality_profile.hpp"
#include "wire/quality_report.hpp"

namespace wzp::media {

struct QualityControllerConfig {
  uint32_t down_after = 3;          // consecutive worse evaluations
  uint32_t up_after = 10;           // consecutive better evaluations
  uint32_t window_ms = 5000;        // a reporter's latest report counts this long
  uint32_t eval_interval_ms = 750;  // at most one evaluation per this (reports come ~1/s)
  double loss_smoothing = 0.25;     // EMA weight of a new report in expected_loss_pct()
};

class QualityController {
 public:
  explicit QualityController(wire::QualityProfile start = wire::kProfileGood);
  QualityController(std::span<const QualityTier> tiers, wire::QualityProfile start,
                    QualityControllerConfig config = {});

  /// A report from receiver `reporter`; the new profile when the controller switches.
  std::optional<wire::QualityProfile> on_report(uint32_t reporter, const wire::QualityReport& r,
                                                int64_t now_ms);
  /// A receiver left: its report no longer counts.
  void forget(uint32_t reporter);
  /// Pin a profile (reports are still followed silently); nullopt returns to the profile
  /// the reports call for. Read profile() afterwards.
  void force_profile(std::optional<wire::QualityProfile> p);

  const wire::QualityProfile& profile() const noexcept { return profile_; }
  bool forced() const noexcept { return forced_; }
  size_t tier() const noexcept { return tier_; }
  std::string_view tier_name() const noexcept { return tiers_[tier_].name; }
  /// The smoothed worst reported loss, rounded up (any loss gives >= 1), for the Opus
  /// encoder's expected-loss setting (in-band FEC is inert at 0).
  int expected_loss_pct() const noexcept;

 private:
  struct Latest {
    wire::QualityReport report;
    int64_t at_ms;
  };
  size_t tier_of(const wire::QualityProfile& p) const noexcept;

  std::vector<QualityTier> tiers_;
  QualityControllerConfig config_;
  wire::QualityProfile profile_;
  size_t tier_ = 0;
  bool forced_ = false;
  uint32_t down_count_ = 0, up_count_ = 0;
  bool evaluated_ = false;
  int64_t last_eval_ms_ = 0;
  double expected_loss_ = 0.0;
  std::map<uint32_t, Latest> latest_;
};

}  // namespace wzp::media

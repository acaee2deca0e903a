#include "media/quality/quality_controller.hpp"

#include <algorithm>
#include <cmath>

namespace wzp::media {

QualityController::QualityController(wire::QualityProfile start)
    : QualityController(reference_quality_tiers(), start) {}

QualityController::QualityController(std::span<const QualityTier> tiers, wire::QualityProfile start,
                                     QualityControllerConfig config)
    : tiers_(tiers.begin(), tiers.end()), config_(config), profile_(start) {
  if (tiers_.empty()) tiers_.push_back(QualityTier{"GOOD", start});
  tier_ = tier_of(start);
}

// The tier with this profile; a profile outside the table starts at the best tier.
size_t QualityController::tier_of(const wire::QualityProfile& p) const noexcept {
  for (size_t i = 0; i < tiers_.size(); ++i) {
    if (tiers_[i].profile == p) return i;
  }
  return 0;
}

std::optional<wire::QualityProfile> QualityController::on_report(uint32_t reporter,
                                                                 const wire::QualityReport& r,
                                                                 int64_t now_ms) {
  latest_[reporter] = Latest{r, now_ms};
  std::erase_if(latest_, [&](const auto& kv) { return now_ms - kv.second.at_ms > config_.window_ms; });

  // The worst fresh report decides.
  size_t observed = 0;
  float worst_loss = 0.0f;
  for (const auto& [id, l] : latest_) {
    const float loss = wire::loss_percent(l.report);
    observed = std::max(observed, classify(tiers_, loss, wire::rtt_ms(l.report)));
    worst_loss = std::max(worst_loss, loss);
  }
  expected_loss_ += config_.loss_smoothing * (worst_loss - expected_loss_);

  if (evaluated_ && now_ms - last_eval_ms_ < config_.eval_interval_ms) return std::nullopt;
  evaluated_ = true;
  last_eval_ms_ = now_ms;

  const size_t before = tier_;
  if (observed == tier_) {
    down_count_ = up_count_ = 0;
  } else if (observed > tier_) {
    up_count_ = 0;
    if (++down_count_ >= config_.down_after) {
      tier_ = observed;
      down_count_ = 0;
    }
  } else {
    down_count_ = 0;
    if (++up_count_ >= config_.up_after) {
      --tier_;
      up_count_ = 0;
    }
  }
  if (tier_ == before || forced_) return std::nullopt;
  profile_ = tiers_[tier_].profile;
  return profile_;
}

void QualityController::forget(uint32_t reporter) { latest_.erase(reporter); }

void QualityController::force_profile(std::optional<wire::QualityProfile> p) {
  down_count_ = up_count_ = 0;
  forced_ = p.has_value();
  profile_ = forced_ ? *p : tiers_[tier_].profile;
}

int QualityController::expected_loss_pct() const noexcept {
  return std::clamp(static_cast<int>(std::ceil(expected_loss_ - 1e-9)), 0, 100);
}

}  // namespace wzp::media

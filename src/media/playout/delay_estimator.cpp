#include "media/playout/delay_estimator.hpp"

#include <algorithm>
#include <cmath>

namespace wzp::media {

double DelayEstimator::Peak::at(int64_t now_ms, uint32_t half_life_ms) const noexcept {
  if (now_ms <= at_ms) return value;
  if (half_life_ms == 0) return 0.0;
  return value * std::exp2(-static_cast<double>(now_ms - at_ms) / half_life_ms);
}

int64_t DelayEstimator::on_arrival(int64_t media_ms, int64_t arrival_ms, bool recovered) {
  const int64_t transit = arrival_ms - media_ms;
  if (!recovered) {
    // The base is the minimum transit over the current and the previous window, so a path
    // that becomes slower (or a drifting clock) is followed within two windows.
    if (!has_base_) {
      has_base_ = true;
      window_start_ms_ = arrival_ms;
      window_min_ = prev_window_min_ = transit;
    } else if (arrival_ms - window_start_ms_ >= config_.base_window_ms) {
      prev_window_min_ = window_min_;
      window_min_ = transit;
      window_start_ms_ = arrival_ms;
    } else {
      window_min_ = std::min(window_min_, transit);
    }
    base_ = std::min(window_min_, prev_window_min_);
    if (has_last_transit_) {
      const double d = std::abs(static_cast<double>(transit - last_transit_));
      jitter_ += (d - jitter_) / 16.0;
    }
    has_last_transit_ = true;
    last_transit_ = transit;
  }
  if (!has_base_) return 0;  // a recovered frame before any packet: nothing to compare with
  const int64_t lateness = std::max<int64_t>(0, transit - base_);
  const double net_now = net_peak_.at(arrival_ms, config_.half_life_ms);
  if (!recovered) {
    net_peak_.value = std::max(net_now, static_cast<double>(lateness));
    net_peak_.at_ms = arrival_ms;
  } else if (config_.wait_for_fec) {
    // A recovered frame is as late as the packet that completed its block: the part of its
    // lateness beyond the network's own is what waiting for the block costs.
    const double extra = std::max(0.0, static_cast<double>(lateness) - net_now);
    fec_peak_.value = std::max(fec_peak_.at(arrival_ms, config_.fec_half_life_ms), extra);
    fec_peak_.at_ms = arrival_ms;
  }
  return lateness;
}

uint32_t DelayEstimator::target_ms(int64_t now_ms) const noexcept {
  // Network lateness and the wait for FEC blocks add up in the worst case.
  const double peak =
      net_peak_.at(now_ms, config_.half_life_ms) + fec_peak_.at(now_ms, config_.fec_half_life_ms);
  const double target = std::ceil(peak) + config_.margin_ms;
  const double clamped =
      std::clamp(target, static_cast<double>(config_.min_delay_ms),
                 static_cast<double>(std::max(config_.min_delay_ms, config_.max_delay_ms)));
  return static_cast<uint32_t>(clamped);
}

uint32_t DelayEstimator::jitter_ms() const noexcept { return static_cast<uint32_t>(std::lround(jitter_)); }

}  // namespace wzp::media

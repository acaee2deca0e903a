#include "relay/metric_histogram.hpp"

#include <algorithm>

namespace wzp::relay {

MetricHistogram::MetricHistogram(std::vector<double> bounds) {
  state_.bounds = std::move(bounds);
  state_.counts.assign(state_.bounds.size() + 1, 0);
}

void MetricHistogram::observe(double value) {
  // A value equal to a bound belongs to that bucket (le = less or equal).
  size_t bucket = static_cast<size_t>(std::lower_bound(state_.bounds.begin(), state_.bounds.end(), value) -
                                      state_.bounds.begin());
  std::lock_guard lock(mutex_);
  ++state_.counts[bucket];
  state_.sum += value;
}

HistogramSnapshot MetricHistogram::snapshot() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::vector<double> handshake_duration_buckets() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};
}

}  // namespace wzp::relay

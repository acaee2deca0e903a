// A thread-safe histogram: observed on the relay's loop thread, read by a scrape
// on an HTTP thread.
#pragma once

#include <mutex>
#include <vector>

#include "relay/metrics_text.hpp"

namespace wzp::relay {

class MetricHistogram {
 public:
  /// `bounds`: ascending upper bounds; +Inf is implied.
  explicit MetricHistogram(std::vector<double> bounds);
  void observe(double value);
  HistogramSnapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  HistogramSnapshot state_;
};

/// The reference's wzp_relay_handshake_duration_seconds buckets.
std::vector<double> handshake_duration_buckets();

}  // namespace wzp::relay

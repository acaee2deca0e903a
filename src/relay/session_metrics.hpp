// Per-session gauges from each sender's quality reports (wzp_relay_session_*):
// written on the relay's loop thread, read by a scrape on an HTTP thread, and
// removed when the session ends.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "wire/quality_report.hpp"

namespace wzp::relay {

struct SessionGauges {
  std::string session_id;  // 32 lower-case hex characters
  double loss_pct = 0;     // loss byte / 255 * 100, computed in float as the reference does
  double rtt_ms = 0;       // rtt_4ms * 4
};

class SessionMetrics {
 public:
  /// Record `session_id`'s latest quality report (creates its series).
  void report(const std::string& session_id, const wire::QualityReport& report);
  /// Remove every series of `session_id`.
  void remove(const std::string& session_id);
  std::vector<SessionGauges> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, SessionGauges> sessions_;
};

}  // namespace wzp::relay

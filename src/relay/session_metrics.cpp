#include "relay/session_metrics.hpp"

namespace wzp::relay {

void SessionMetrics::report(const std::string& session_id, const wire::QualityReport& report) {
  // In float, then widened: the reference's gauge reads 50.196083068847656 for a loss byte of 128.
  float loss = static_cast<float>(report.loss_pct) / 255.0f * 100.0f;
  SessionGauges g{session_id, static_cast<double>(loss), static_cast<double>(report.rtt_4ms) * 4.0};
  std::lock_guard lock(mutex_);
  sessions_[session_id] = std::move(g);
}

void SessionMetrics::remove(const std::string& session_id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session_id);
}

std::vector<SessionGauges> SessionMetrics::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<SessionGauges> out;
  out.reserve(sessions_.size());
  for (const auto& [id, g] : sessions_) out.push_back(g);
  return out;
}

}  // namespace wzp::relay

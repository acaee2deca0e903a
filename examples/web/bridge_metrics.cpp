#include "bridge_metrics.hpp"

#include <cstdio>

namespace {

const char* refusal_label(size_t i) {
  switch (static_cast<Refusal>(i)) {
    case Refusal::origin: return "origin";
    case Refusal::bridge_full: return "bridge_full";
    case Refusal::bad_auth_frame: return "bad_auth_frame";
    case Refusal::token_rejected: return "token_rejected";
    case Refusal::auth_unavailable: return "auth_unavailable";
    case Refusal::timeout: return "timeout";
    case Refusal::relay: return "relay";
    case Refusal::count: break;
  }
  return "other";
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

void BridgeMetrics::observe_handshake(double seconds) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  handshake_sum_us_.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  handshake_count_.fetch_add(1, std::memory_order_relaxed);
}

std::string BridgeMetrics::render() const {
  std::string out;
  auto line = [&out](const std::string& text) { out += text + "\n"; };
  line("# HELP wzp_web_active_connections WebSocket sessions in progress");
  line("# TYPE wzp_web_active_connections gauge");
  line("wzp_web_active_connections " + std::to_string(active_connections.load()));
  line(
      "# HELP wzp_web_frames_bridged_total 20 ms frames moved browser to relay (up) and relay to browser "
      "(down)");
  line("# TYPE wzp_web_frames_bridged_total counter");
  line("wzp_web_frames_bridged_total{direction=\"up\"} " + std::to_string(frames_up.load()));
  line("wzp_web_frames_bridged_total{direction=\"down\"} " + std::to_string(frames_down.load()));
  line("# HELP wzp_web_auth_failures_total Browser sessions refused during authentication");
  line("# TYPE wzp_web_auth_failures_total counter");
  line("wzp_web_auth_failures_total " + std::to_string(auth_failures.load()));
  line("# HELP wzp_web_handshake_latency_seconds Time from connecting to the relay to joining its room");
  line("# TYPE wzp_web_handshake_latency_seconds histogram");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets_[i].load();
    line("wzp_web_handshake_latency_seconds_bucket{le=\"" + number(kBuckets[i]) + "\"} " +
         std::to_string(cumulative));
  }
  const uint64_t count = handshake_count_.load();
  line("wzp_web_handshake_latency_seconds_bucket{le=\"+Inf\"} " + std::to_string(count));
  line("wzp_web_handshake_latency_seconds_sum " +
       number(static_cast<double>(handshake_sum_us_.load()) / 1e6));
  line("wzp_web_handshake_latency_seconds_count " + std::to_string(count));
  line("# HELP wzp_web_sessions_total WebSocket sessions accepted");
  line("# TYPE wzp_web_sessions_total counter");
  line("wzp_web_sessions_total " + std::to_string(sessions.load()));
  line(
      "# HELP wzp_web_sessions_refused_total Sessions that ended before joining their relay room, by reason");
  line("# TYPE wzp_web_sessions_refused_total counter");
  for (size_t i = 0; i < refused_.size(); ++i) {
    line(std::string("wzp_web_sessions_refused_total{reason=\"") + refusal_label(i) + "\"} " +
         std::to_string(refused_[i].load()));
  }
  line("# HELP wzp_web_bad_frames_total Binary frames from browsers shorter than 1920 bytes, dropped");
  line("# TYPE wzp_web_bad_frames_total counter");
  line("wzp_web_bad_frames_total " + std::to_string(bad_frames.load()));
  line("# HELP wzp_web_frames_dropped_total Frames to browsers dropped because the browser read too slowly");
  line("# TYPE wzp_web_frames_dropped_total counter");
  line("wzp_web_frames_dropped_total " + std::to_string(frames_dropped.load()));
  line("# HELP wzp_web_sessions_stalled_total Sessions dropped because the browser stopped reading");
  line("# TYPE wzp_web_sessions_stalled_total counter");
  line("wzp_web_sessions_stalled_total " + std::to_string(stalled.load()));
  return out;
}

// The bridge's counters and their Prometheus text (GET /metrics).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

// Why a session ended before it joined its relay room (label of wzp_web_sessions_refused_total).
enum class Refusal {
  origin,
  bridge_full,
  bad_auth_frame,
  token_rejected,
  auth_unavailable,
  timeout,
  relay,
  count
};

class BridgeMetrics {
 public:
  // The names and buckets are the reference bridge's, so existing dashboards keep working.
  static constexpr std::array<double, 9> kBuckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

  std::atomic<int64_t> active_connections{0};
  std::atomic<uint64_t> frames_up{0};
  std::atomic<uint64_t> frames_down{0};
  std::atomic<uint64_t> frames_dropped{0};  // down frames dropped because the browser read too slowly
  std::atomic<uint64_t> stalled{0};         // sessions dropped because the browser stopped reading
  std::atomic<uint64_t> auth_failures{0};
  std::atomic<uint64_t> bad_frames{0};
  std::atomic<uint64_t> sessions{0};

  void refused(Refusal why) { refused_[static_cast<size_t>(why)].fetch_add(1, std::memory_order_relaxed); }
  void observe_handshake(double seconds);
  std::string render() const;

 private:
  std::array<std::atomic<uint64_t>, static_cast<size_t>(Refusal::count)> refused_{};
  std::array<std::atomic<uint64_t>, kBuckets.size()> buckets_{};  // not cumulative; summed in render
  std::atomic<uint64_t> handshake_count_{0};
  std::atomic<uint64_t> handshake_sum_us_{0};
};

// Holds one unit of the active-connections gauge for as long as it lives, so every way a session
// ends (early failures included) gives it back.
class GaugeHold {
 public:
  explicit GaugeHold(BridgeMetrics& m) : metrics_(m) { metrics_.active_connections.fetch_add(1); }
  ~GaugeHold() { metrics_.active_connections.fetch_sub(1); }
  GaugeHold(const GaugeHold&) = delete;
  GaugeHold& operator=(const GaugeHold&) = delete;

 private:
  BridgeMetrics& metrics_;
};

// The playout-delay estimator of the jitter buffer. It measures how late each packet arrives
// compared with the fastest recent one (the "base" transit, arrival minus media time) and
// keeps a peak of those latenesses that rises at once and decays slowly (exponentially, with
// a half-life). Frames rebuilt by FEC arrive as late as the packet that completed their
// block: what they add beyond the network's lateness has its own, slower peak, so the delay
// grows to let recovered frames be played while losses occur and shrinks back when they stop.
// Target = network peak + FEC peak + margin, clamped to [min, max].
#pragma once

#include <cstdint>

namespace wzp::media {

struct DelayEstimatorConfig {
  uint32_t min_delay_ms = 40;
  uint32_t max_delay_ms = 1000;
  uint32_t margin_ms = 10;            // added to the lateness peak
  uint32_t half_life_ms = 2000;       // decay of the network lateness peak
  uint32_t fec_half_life_ms = 20000;  // decay of the FEC-recovery lateness peak
  uint32_t base_window_ms = 10000;    // the base transit is the minimum over 1-2 windows
  bool wait_for_fec = true;           // let recovered frames' lateness raise the target
};

class DelayEstimator {
 public:
  explicit DelayEstimator(DelayEstimatorConfig config = {}) : config_(config) {}

  /// One arrival: its unwrapped media time and local arrival time (ms). Returns how late it
  /// is compared with the base transit (>= 0).
  int64_t on_arrival(int64_t media_ms, int64_t arrival_ms, bool recovered);

  bool has_base() const noexcept { return has_base_; }
  /// Arrival minus media time of the fastest recent packet.
  int64_t base() const noexcept { return base_; }
  /// The delay playout should keep at `now_ms`.
  uint32_t target_ms(int64_t now_ms) const noexcept;
  /// Interarrival jitter, RFC 3550 style (ms, smoothed over 16 packets).
  uint32_t jitter_ms() const noexcept;
  const DelayEstimatorConfig& config() const noexcept { return config_; }

 private:
  struct Peak {
    double value = 0.0;
    int64_t at_ms = 0;
    double at(int64_t now_ms, uint32_t half_life_ms) const noexcept;
  };

  DelayEstimatorConfig config_;
  bool has_base_ = false;
  int64_t base_ = 0;
  int64_t window_start_ms_ = 0;
  int64_t window_min_ = 0;       // minimum transit in the current window
  int64_t prev_window_min_ = 0;  // and in the previous one
  bool has_last_transit_ = false;
  int64_t last_transit_ = 0;
  double jitter_ = 0.0;
  Peak net_peak_;
  Peak fec_peak_;
};

}  // namespace wzp::media

#include "media/quality/reception_monitor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "media/serial.hpp"

namespace wzp::media {
namespace {

constexpr int64_t kRestartSeqs = 3000;  // a jump this far is a restarted sender, not loss

uint8_t saturate(double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

}  // namespace

void ReceptionMonitor::on_packet(uint16_t seq16, uint32_t timestamp, int64_t arrival_ms, bool repair) {
  if (!started_ || std::abs(unwrap_seq(seq16, high_seq_) - high_seq_) > kRestartSeqs) {
    if (!started_) first_arrival_ms_ = arrival_ms;
    started_ = true;
    high_seq_ = seq16;
    interval_base_ = high_seq_ - 1;  // this packet is the first expected one
    interval_received_ = 0;
    has_transit_ = false;
    ts_ref_ = timestamp;
  }
  const int64_t seq = unwrap_seq(seq16, high_seq_);
  high_seq_ = std::max(high_seq_, seq);
  ++interval_received_;
  ++stats_.received;
  if (repair) return;
  ts_ref_ = unwrap_timestamp(timestamp, ts_ref_);
  const int64_t transit = arrival_ms - ts_ref_;
  if (has_transit_) jitter_ += (std::abs(static_cast<double>(transit - last_transit_)) - jitter_) / 16.0;
  has_transit_ = true;
  last_transit_ = transit;
  stats_.jitter_ms = jitter_;
}

wire::QualityReport ReceptionMonitor::report(uint32_t rtt_ms) {
  const int64_t expected = started_ ? high_seq_ - interval_base_ : 0;
  // Late packets of the previous interval count here: clamp at no loss.
  const int64_t lost = std::max<int64_t>(0, expected - static_cast<int64_t>(interval_received_));
  const double fraction = expected > 0 ? static_cast<double>(lost) / static_cast<double>(expected) : 0.0;
  stats_.expected += static_cast<uint64_t>(std::max<int64_t>(expected, 0));
  stats_.lost += static_cast<uint64_t>(lost);
  stats_.loss_fraction = fraction;
  ++stats_.reports;
  interval_base_ = high_seq_;
  interval_received_ = 0;

  wire::QualityReport r;
  r.loss_pct = saturate(fraction * 255.0);
  r.rtt_4ms = saturate(rtt_ms / 4.0);
  r.jitter_ms = saturate(jitter_);
  r.bitrate_cap_kbps = 0;
  return r;
}

wire::QualityReport ReceptionMonitor::report(uint32_t rtt_ms, int64_t now_ms) {
  reported_ = true;
  last_report_ms_ = now_ms;
  return report(rtt_ms);
}

bool ReceptionMonitor::report_due(int64_t now_ms) const noexcept {
  if (!started_) return false;
  return now_ms - (reported_ ? last_report_ms_ : first_arrival_ms_) >= interval_ms_;
}

}  // namespace wzp::media

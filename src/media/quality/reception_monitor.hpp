// ReceptionMonitor: the receiver's view of one remote sender, turned into QualityReports.
// Loss is counted over the sequence numbers expected since the last report (repair and
// comfort-noise seqs included: they travel the same path); jitter is RFC 3550's interarrival
// jitter from arrival time against media timestamp, over source packets only (a repair or CN
// packet's timestamp is not its capture time).
//
// Cadence (the reference never sends reports): one report per `interval_ms` (1 s), attached
// by the engine to its next outgoing media packet; report_due() says when.
#pragma once

#include <cstdint>

#include "wire/quality_report.hpp"

namespace wzp::media {

class ReceptionMonitor {
 public:
  explicit ReceptionMonitor(uint32_t interval_ms = 1000) : interval_ms_(interval_ms) {}

  /// Every packet of this sender. repair: a repair or comfort-noise packet.
  void on_packet(uint16_t seq, uint32_t timestamp, int64_t arrival_ms, bool repair);
  /// Loss and jitter since the last report, with the transport's RTT; starts a new interval.
  wire::QualityReport report(uint32_t rtt_ms);
  /// As report(), and remembers `now_ms` for report_due().
  wire::QualityReport report(uint32_t rtt_ms, int64_t now_ms);
  /// True when a packet has arrived and `interval_ms` has passed since the last report.
  bool report_due(int64_t now_ms) const noexcept;

  struct Stats {
    uint64_t received = 0, expected = 0, lost = 0, reports = 0;  // totals over the stream
    double loss_fraction = 0.0;                                  // of the last report
    double jitter_ms = 0.0;
  };
  Stats stats() const noexcept { return stats_; }

 private:
  uint32_t interval_ms_;
  bool started_ = false;
  int64_t high_seq_ = 0;       // highest unwrapped seq
  int64_t interval_base_ = 0;  // highest seq at the last report
  uint64_t interval_received_ = 0;
  bool has_transit_ = false;
  int64_t last_transit_ = 0;
  int64_t ts_ref_ = 0;
  double jitter_ = 0.0;
  int64_t last_report_ms_ = 0;
  int64_t first_arrival_ms_ = 0;
  bool reported_ = false;
  Stats stats_;
};

}  // namespace wzp::media

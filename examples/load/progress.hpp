// --report-every: one line of progress on stdout every few seconds (joins, sends, deliveries,
// the latency p99 of the last interval, the relay's CPU over the last interval), and the same as
// JSON lines in the --progress file.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "histogram.hpp"
#include "tally.hpp"

namespace load {

class Progress {
 public:
  Progress(double every_s, std::FILE* json_lines, std::optional<pid_t> relay_pid);

  /// A new run (ramp step) of `participants`, whose streams fan out `fanout` times on average.
  void begin(int step, size_t participants, double fanout, uint64_t now);
  /// Prints a line if one is due.
  void tick(uint64_t now, const char* phase, const Tally& tally);

 private:
  const uint64_t every_ns_;
  std::FILE* json_lines_;
  const std::optional<pid_t> relay_pid_;
  int step_ = 0;
  size_t participants_ = 0;
  double fanout_ = 0;
  uint64_t t0_ = 0, next_ = 0, last_ = 0;
  std::optional<uint64_t> last_relay_cpu_;
  LiveHistogram::Snapshot last_latency_;
};

}  // namespace load

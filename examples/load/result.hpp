// What one run (one ramp step) measured, and how it is reported: a human summary on stdout and
// a JSON object (the --json file; with --ramp one per step).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "histogram.hpp"
#include "tally.hpp"

namespace load {

struct ReceiverRow {
  uint32_t id = 0;
  uint32_t room = 0;
  bool stayed = false;
  uint64_t expected = 0, delivered = 0, lost = 0, duplicates = 0, reordered = 0;
  double latency_p50_ms = 0, latency_p99_ms = 0, latency_max_ms = 0, jitter_ms = 0;
};

struct RunResult {
  // Layout.
  std::string mode;  // "quic" or "udp"
  std::string relay;
  int step = 0;
  size_t participants = 0, room_size = 0, rooms = 0, last_room_size = 0;
  uint64_t consumers = 0;  // sum over rooms of size x (size - 1)
  double duration_s = 0;   // asked
  double window_s = 0;     // the sending window as it ran
  double payload_bytes = 0;
  bool opus = false;
  uint32_t interval_ms = 20;
  bool interrupted = false;

  // Joins.
  uint64_t joined = 0, join_failures = 0;
  Histogram<5> join_ns;
  double joins_per_s = 0, join_rate_asked = 0;
  double join_phase_s = 0;
  std::map<std::string, Tally::Closes> failures, disconnects;
  uint64_t disconnected = 0;

  // Sending.
  uint64_t sent = 0, send_errors = 0;
  std::map<std::string, uint64_t> send_error_kinds;
  Histogram<5> pacer_lag_ns;
  uint64_t pacer_late = 0;

  // Delivery.
  uint64_t receivers = 0, expected = 0, delivered = 0, lost = 0, duplicates = 0, reordered = 0, ignored = 0;
  double jitter_ms = 0;
  Histogram<5> latency_ns;
  uint64_t receivers_with_loss = 0;
  double worst_receiver_loss_pct = 0, worst_receiver_p99_ms = 0;
  std::vector<ReceiverRow> per_receiver;  // with --per-receiver

  // Churn: those who stayed the whole time, and the comings and goings.
  double churn_per_s = 0;
  uint64_t stayed = 0, stayed_expected = 0, stayed_delivered = 0, stayed_lost = 0;
  uint64_t churn_leaves = 0, churn_joins = 0, churn_join_failures = 0;
  Histogram<5> churn_join_ns;

  // The transport's counters (QUIC clients present at the end), and the host's UDP buffer
  // overflows over the run (every process's).
  std::vector<std::pair<std::string, uint64_t>> transport_counters;
  std::optional<uint64_t> host_udp_rcvbuf_errors, host_udp_sndbuf_errors;

  // CPU and memory.
  double relay_cpu_pct = NAN;  // NaN: no --relay-pid
  std::optional<uint64_t> relay_rss_kb_start, relay_rss_kb_end;
  double load_cpu_pct = NAN;
  double other_cpu_pct = NAN;    // every other process of the host (noise on a shared machine)
  unsigned generator_cores = 1;  // CPUs this process may run on (taskset)

  // Verdict against the limits.
  bool ok = false;
  std::string verdict;

  double loss_pct() const {
    return expected == 0 ? 0 : 100.0 * static_cast<double>(lost) / static_cast<double>(expected);
  }
};

/// The generator used (nearly) all the CPU it may use, or its pacer fell behind: the figures may
/// say more about the generator than about the relay.
/// `v` printed with `format` (one double), or "-" when it is not finite.
std::string format_figure(const char* format, double v);

bool generator_saturated(const RunResult& r);
/// Judges the result against the limits (sets ok and verdict).
void judge(RunResult& r, double max_loss_pct, double max_p99_ms);
/// The human summary.
void print_summary(const RunResult& r, std::FILE* out);
/// The JSON object of one run.
nlohmann::ordered_json to_json(const RunResult& r);

}  // namespace load

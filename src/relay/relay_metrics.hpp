// The relay's /metrics: the reference's catalogue (spec §13, same names, types,
// labels and HELP) plus ours. Rendered at scrape time from a snapshot of the
// relay's counters and state, taken without the loop thread (atomics and
// locked tables), so a scrape never waits for the media path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "relay/metrics_text.hpp"
#include "relay/probe_status.hpp"
#include "relay/session_metrics.hpp"
#include "wire/close_codes.hpp"

namespace wzp::relay {

struct RelayMetricsSnapshot {
  // The reference's catalogue.
  uint64_t active_sessions = 0;  // joined participants (room-mode sessions)
  uint64_t active_rooms = 0;
  uint64_t packets_forwarded = 0;  // += receivers per packet, whether the send succeeded or not (§7.4)
  uint64_t bytes_forwarded = 0;    // += payload bytes x receivers
  uint64_t auth_ok = 0, auth_fail = 0;
  HistogramSnapshot handshake_duration;
  std::vector<SessionGauges> sessions;
  std::vector<ProbeStatus> probes;

  // Ours.
  std::vector<std::pair<wire::CloseCode, uint64_t>> refusals;
  uint64_t connections_accepted = 0;
  uint64_t sessions_held = 0;  // QUIC handshake completed, authenticating ones included
  uint64_t datagrams_received = 0, datagrams_delivered = 0, datagrams_malformed = 0, datagrams_dropped = 0,
           datagrams_rate_limited = 0, datagrams_no_recipient = 0;
  uint64_t tls_refused = 0;
  uint64_t events_dropped = 0;
  uint64_t http_unauthorized = 0;
  std::optional<uint64_t> presence_local, presence_remote, presence_peers;
  /// The Redis presence backend's counters, when the relay has one (--presence-redis).
  struct Redis {
    bool connected = false;
    uint64_t writes = 0, errors = 0, reconnects = 0, remote_updates = 0, resyncs = 0, malformed = 0;
  };
  std::optional<Redis> redis;
  /// More counters and gauges (gossip, Redis, ...) by whoever owns them: full
  /// family name (wzp_relay_*), HELP, type, value.
  struct Extra {
    std::string name;
    std::string help;
    MetricType type = MetricType::counter;
    double value = 0;
  };
  std::vector<Extra> extra;
};

/// Adds every family of the snapshot to `out`.
void write_relay_metrics(MetricsText& out, const RelayMetricsSnapshot& s);
/// The whole exposition.
std::string render_relay_metrics(const RelayMetricsSnapshot& s);

}  // namespace wzp::relay

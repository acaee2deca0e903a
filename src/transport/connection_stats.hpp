// Counters and RTT estimates for one connection.
#pragma once

#include <cstdint>

namespace wzp::transport {

struct ConnectionStats {
  // From the QUIC stack's RTT estimator (nanoseconds; 0 before the first sample).
  uint64_t smoothed_rtt_ns = 0;
  uint64_t min_rtt_ns = 0;
  uint64_t latest_rtt_ns = 0;
  uint64_t rtt_variance_ns = 0;
  uint64_t congestion_window = 0;
  uint64_t bytes_in_flight = 0;

  // UDP level.
  uint64_t packets_sent = 0;
  uint64_t packets_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;

  // RFC 9221 datagrams.
  uint64_t datagrams_sent = 0;  ///< packetised
  uint64_t datagrams_received = 0;
  uint64_t datagrams_lost = 0;     ///< declared lost by the QUIC stack
  uint64_t datagrams_dropped = 0;  ///< dropped before sending (queue full, or larger than the path allows)

  // Signal messages (one per stream).
  uint64_t signals_sent = 0;              ///< fully handed to the QUIC stack, FIN included
  uint64_t signals_received = 0;          ///< delivered to on_signal
  uint64_t signal_errors = 0;             ///< reported to on_signal_error
  uint64_t signal_streams_timed_out = 0;  ///< failed: unfinished past SignalLimits::stream_timeout_ms
  uint64_t signal_bytes_buffered = 0;     ///< gauge: received signal bytes held right now
};

}  // namespace wzp::transport

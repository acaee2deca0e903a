// QUIC/TLS settings shared by client and server endpoints. Defaults follow
// the reference implementation (wire-and-transport spec §2.5) except
// initial_rtt, a purely local value (50 ms avoids pacing delays on loopback).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace wzp::transport {

struct TransportSettings {
  /// The only ALPN protocol offered/accepted. Other values exist for tests.
  std::string alpn = "wzp";

  uint64_t idle_timeout_ms = 30'000;
  /// A PING after this long without other outgoing packets; 0 disables.
  uint64_t keep_alive_ms = 5'000;
  uint64_t handshake_timeout_ms = 10'000;
  uint64_t initial_rtt_ms = 50;

  // Flow control advertised to the peer.
  uint64_t initial_max_data = uint64_t{256} * 1024;
  uint64_t initial_max_stream_data = uint64_t{64} * 1024;  // bidi local, bidi remote and uni
  uint64_t initial_max_streams_bidi = 100;  // credit is re-issued as signal streams are consumed
  uint64_t initial_max_streams_uni = 100;   // uni streams are never used; their data is discarded
  /// RFC 9221 transport parameter; 0 disables receiving datagrams (tests only).
  uint64_t max_datagram_frame_size = 65'535;

  /// Largest datagram payload send_datagram() accepts; the effective limit
  /// is also bounded by the peer's max_datagram_frame_size and the path MTU.
  size_t max_datagram_payload = 1'150;
  /// Queued, not yet packetised datagrams; when full the oldest is dropped.
  size_t datagram_send_queue_bytes = size_t{1024} * 1024;

  /// Largest signal payload (the 4-byte length prefix excluded), both directions.
  size_t max_signal_size = size_t{1024} * 1024;
  /// Bound on signal bytes buffered per connection on receive (partial
  /// streams plus complete messages waiting for an earlier stream).
  size_t max_signal_receive_buffer = size_t{4} * 1024 * 1024;
  /// Bound on signal bytes per connection on send (queued or unacknowledged);
  /// send_signal() fails with would_block beyond it.
  size_t max_signal_send_buffer = size_t{4} * 1024 * 1024;
};

}  // namespace wzp::transport

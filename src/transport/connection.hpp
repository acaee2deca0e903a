// The application's handle on one QUIC connection. Owned by its Endpoint;
// obtained in callbacks or with Endpoint::find(). Every method must be called
// on the endpoint's loop thread. Sending never blocks and never calls back
// into the application: data is queued and written when the loop regains
// control (after the current callback or posted task).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "transport/connection_stats.hpp"
#include "transport/socket_address.hpp"

namespace wzp::transport {

/// Stable, process-wide unique, never reused.
using ConnectionId = uint64_t;

/// Receive limits for the peer's signals (see Connection::set_signal_limits).
struct SignalLimits {
  size_t max_message = 0;   ///< largest payload accepted
  size_t max_buffered = 0;  ///< bytes held across all unfinished or waiting streams
  /// A stream still unfinished this long after it opened fails (0: no deadline).
  uint64_t stream_timeout_ms = 0;
};

class QuicConnection;

class Connection {
 public:
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] ConnectionId id() const noexcept;
  [[nodiscard]] bool is_server() const noexcept;
  [[nodiscard]] bool handshake_completed() const noexcept;
  /// False once close() was called or the connection ended.
  [[nodiscard]] bool is_open() const noexcept;

  /// Server: whether the client sent an SNI host name, and its bytes exactly
  /// as sent (no lower-casing or validation: that is the application's
  /// business). Client: the SNI this side sent. Complete from
  /// on_handshake_completed.
  [[nodiscard]] bool sni_present() const noexcept;
  [[nodiscard]] const std::string& sni() const noexcept;
  [[nodiscard]] const SocketAddress& remote_address() const noexcept;
  [[nodiscard]] const SocketAddress& local_address() const noexcept;
  /// Client: SHA-256 of the server certificate (DER), once received.
  [[nodiscard]] std::optional<ByteArray<32>> peer_certificate_sha256() const;

  /// Sends one signal message on a new bidirectional stream: BE32(len) ||
  /// payload, then FIN. Queued until the handshake completes and the peer
  /// grants stream credit. Errors: closed, too_large (above
  /// TransportSettings::max_signal_size), would_block (send buffer full).
  Status send_signal(ByteView payload);
  /// Writes `bytes` verbatim on a new bidirectional stream, then FIN unless
  /// `fin` is false (no length prefix). For tests and diagnostics of peers'
  /// framing checks and stream deadlines.
  Status send_raw_stream(ByteView bytes, bool fin = true);

  /// Queues one RFC 9221 datagram. Errors: closed; invalid_state before the
  /// handshake completed or when the peer does not accept datagrams;
  /// too_large above max_datagram_payload(). When the send queue is full
  /// the oldest queued datagram is dropped (counted in stats).
  Status send_datagram(ByteView payload);
  /// Current datagram payload limit: min(configured cap, peer's
  /// max_datagram_frame_size, what fits one packet on this path); 0 before
  /// the handshake or when the peer does not accept datagrams.
  [[nodiscard]] size_t max_datagram_payload() const;

  /// Sends CONNECTION_CLOSE with an application error code and reason
  /// (queued data is flushed first, best effort). on_closed follows with
  /// kind `local`. No effect if already closing.
  void close(uint64_t app_error_code, std::string_view reason);

  /// Replaces the receive limits of TransportSettings for this connection,
  /// e.g. tighter ones once only small signals are expected. Streams that
  /// break the new limits, or stay unfinished past stream_timeout_ms, fail:
  /// they are reset and reported to on_signal_error (Errc::too_large,
  /// Errc::timeout), and counted in stats().
  void set_signal_limits(const SignalLimits& limits);

  [[nodiscard]] ConnectionStats stats() const;

  /// Opaque application pointer, never touched by the transport.
  void set_user_data(void* data) noexcept { user_data_ = data; }
  [[nodiscard]] void* user_data() const noexcept { return user_data_; }

 private:
  friend class QuicConnection;
  explicit Connection(QuicConnection& impl) noexcept : impl_(impl) {}

  QuicConnection& impl_;
  void* user_data_ = nullptr;
};

}  // namespace wzp::transport

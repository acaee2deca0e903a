// Application callbacks of an Endpoint. All run on the endpoint's loop
// thread. The Connection& passed in is valid for the duration of the call;
// keep its id() to find it later (Endpoint::find).
#pragma once

#include <functional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "transport/close_info.hpp"
#include "transport/connection.hpp"

namespace wzp::transport {

struct EndpointCallbacks {
  /// Server: a client's first Initial packet was accepted and created a
  /// connection (still handshaking; the SNI is usually known already, but
  /// only guaranteed from on_handshake_completed). Refuse it by calling
  /// conn.close(code, reason): the client then sees the handshake fail
  /// (transport error APPLICATION_ERROR 0xc, as QUIC requires before the
  /// handshake). Every connection announced here gets exactly one on_closed;
  /// attempts that fail on their first packet (garbage, ALPN mismatch, SNI
  /// refused) are only logged and counted in EndpointStats::connections_refused.
  std::function<void(Connection&)> on_new_connection;
  /// TLS and QUIC handshakes done: SNI, ALPN and datagram support are known.
  std::function<void(Connection&)> on_handshake_completed;
  /// One complete signal message, in the peer's stream-ID order.
  std::function<void(Connection&, ByteView payload)> on_signal;
  /// A peer signal stream failed (declared length above the limit, stream
  /// ended or reset early, buffer limit). Later messages still arrive; the
  /// application usually closes the connection with a reason.
  std::function<void(Connection&, const Error&)> on_signal_error;
  /// One received datagram (the view is valid during the call only).
  std::function<void(Connection&, ByteView payload)> on_datagram;
  /// The connection ended; exactly once per connection, and the last call
  /// for it. After it returns the Connection& is gone.
  std::function<void(Connection&, const CloseInfo&)> on_closed;
};

}  // namespace wzp::transport

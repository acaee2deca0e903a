// Application callbacks of an Endpoint. All run on the endpoint's loop
// thread. The Connection& passed in is valid for the duration of the call;
// keep its id() to find it later (Endpoint::find).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "transport/close_info.hpp"
#include "transport/connection.hpp"
#include "transport/socket_address.hpp"

namespace wzp::transport {

/// A server refused a client's TLS handshake (SNI filter, GnuTLS's own SNI
/// check, ALPN, ...). `connection` is the id the attempt was given, also when
/// it failed on its first packet and was never announced.
struct HandshakeRefusal {
  ConnectionId connection = 0;
  SocketAddress remote;
  std::optional<std::string> sni;  // as the ClientHello carried it, if parsed
  std::string reason;
};

struct EndpointCallbacks {
  /// Server: a client's first Initial packet was accepted and created a
  /// connection (still handshaking; the SNI is usually known already, but
  /// only guaranteed from on_handshake_completed). Refuse it by calling
  /// conn.close(code, reason): the client then sees the handshake fail
  /// (transport error APPLICATION_ERROR 0xc, as QUIC requires before the
  /// handshake). Every connection announced here gets exactly one on_closed;
  /// attempts that fail on their first packet (garbage, ALPN mismatch, SNI
  /// refused) are counted in EndpointStats::connections_refused, and TLS
  /// refusals among them reported to on_handshake_refused.
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
  /// Server: a TLS handshake was refused (also counted in
  /// EndpointStats::handshakes_refused and logged at info). For an announced
  /// connection on_closed follows; an unannounced one gets nothing else.
  std::function<void(const HandshakeRefusal&)> on_handshake_refused;
  /// The connection ended; exactly once per connection, and the last call
  /// for it. After it returns the Connection& is gone.
  std::function<void(Connection&, const CloseInfo&)> on_closed;
};

}  // namespace wzp::transport

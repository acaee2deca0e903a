// QUIC endpoint (server or client side) on ngtcp2 + GnuTLS.
//
// # Transport layer overview
//
// An Endpoint owns its UDP socket(s), every connection made through them,
// their timers and the write path. It runs entirely on one EventLoop thread:
//
//   EventLoop (one thread) ── Endpoint ── UdpSocket(s)
//                                │
//                                └── connections, by stable ConnectionId
//                                      (each: ngtcp2_conn + gnutls session)
//
// Threading
// - create_server/create_client, every Endpoint method, every Connection
//   method, and the destructor must run on the loop thread, or while the loop
//   is not running. Other threads use EventLoop::post or run_sync, e.g.
//   `loop.run_sync([&] { return ep->connect(addr, opts); })`.
// - All EndpointCallbacks run on the loop thread. They may call any
//   Connection/Endpoint method (including close() and shutdown()) but must not
//   destroy the Endpoint.
// - Sending (send_signal/send_datagram/close/connect) only queues work; the
//   packets are written once the current callback or posted task returns, so
//   many small sends made together share packets.
//
// Ownership and lifetimes
// - The application never owns a Connection: it gets a Connection& in
//   callbacks, or looks one up with find(id). Keep the ConnectionId, not the
//   reference. on_closed is the last callback for a connection; afterwards
//   find() returns nullptr. Internally the QUIC state lives on for the
//   closing/draining period (3 PTO) to absorb late packets, then is freed;
//   an idle-timed-out connection is freed at once.
// - shutdown(code, reason) closes every connection with that application
//   code and reason (each gets on_closed, kind local), closes the sockets and
//   frees everything. The destructor does the same silently (no callbacks).
//
// Wire behaviour (wire-and-transport spec §2-3): QUIC v1, TLS 1.3, ALPN
// "wzp" only, transport parameters as the reference (TransportSettings),
// CUBIC, RFC 9221 datagrams, one bidirectional stream per signal message
// (BE32 length prefix, FIN), peer messages delivered in stream-ID order.
// A GnuTLS server refuses SNI host names containing characters other than
// letters, digits, '-' and '.' (e.g. "_probe"): the handshake fails, and is
// reported like every refused TLS handshake (on_handshake_refused, counted
// in EndpointStats::tls_handshakes_refused, one throttled info log line).
//
// Under attack (server side): handshakes in progress have a budget
// (max_handshakes) and a deadline (handshake_timeout_ms); over half the
// budget a new client must answer a Retry first (address validation). A
// short-header packet for no known connection gets a rate-limited stateless
// reset whose token derives from stateless_reset_secret, so a server
// restarted with the same secret ends its former connections at once;
// clients close (kind transport, reason "stateless reset") on a reset that
// matches their peer's token. Log lines any peer can cause are throttled, and
// memory is given back after a flood of connections.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "transport/connection.hpp"
#include "transport/endpoint_callbacks.hpp"
#include "transport/socket_address.hpp"
#include "transport/tls_credentials.hpp"
#include "transport/transport_settings.hpp"

namespace wzp::transport {

/// One shard of a multi-core server: several endpoints, each on its own event
/// loop with its own SO_REUSEPORT socket on one shared port. The kernel picks a
/// socket by the packet's address and port, so a connection's packets reach the
/// shard that accepted it until the client's address changes (a NAT rebinding);
/// every connection ID a shard issues starts with its index, so a packet that
/// reaches another shard is recognised and handed over.
struct ServerShard {
  uint8_t index = 0;
  uint8_t count = 1;  ///< 1: not sharded (connection IDs fully random)
  /// Called on this endpoint's loop with a packet for shard `shard`; the
  /// application gives it to that shard's Endpoint::receive_handed_over on that
  /// shard's loop. Without it such packets are treated as unknown.
  std::function<void(uint8_t shard, const SocketAddress& from, ByteView packet)> hand_over;
};

struct ServerConfig {
  /// Port 0 picks a free port; local_address() reports it.
  SocketAddress bind_address = SocketAddress::ipv4_any(0);
  /// Null: a fresh self-signed ECDSA P-256 certificate for "localhost".
  std::shared_ptr<const TlsCredentials> credentials;
  TransportSettings transport;
  /// Hard cap on live connections (handshaking included); Initial packets
  /// beyond it are ignored and counted. Applications refuse earlier with
  /// on_new_connection.
  size_t max_connections = 10'000;
  /// Handshakes in progress at once (0: max(16, max_connections / 4)). New
  /// Initials beyond it are dropped (handshakes_refused); once half of it is
  /// in use, a client must first prove its address with a Retry token.
  size_t max_handshakes = 0;
  /// Deadline for an accepted connection's handshake (caps
  /// transport.handshake_timeout_ms for server connections).
  uint64_t handshake_timeout_ms = 3'000;
  /// Key of the stateless reset tokens (RFC 9000 §10.3). A server restarted
  /// with the same secret resets its former connections at once when their
  /// packets arrive. Absent: random, per endpoint.
  std::optional<ByteArray<32>> stateless_reset_secret;
  /// Key of the Retry tokens (address validation). Absent: random.
  std::optional<ByteArray<32>> retry_token_secret;
  /// Optional, called with the raw ClientHello SNI (nullopt = none sent)
  /// before the handshake goes on; false aborts it with the TLS alert
  /// illegal_parameter (the client sees transport error 0x12f).
  std::function<bool(const std::optional<std::string>& sni)> sni_filter;
  /// Sets SO_REUSEPORT on the socket, for the shards of one server. A port
  /// other than 0 is first checked to be free, so that two servers never
  /// share a port by mistake.
  bool reuse_port = false;
  ServerShard shard;
};

struct ClientConfig {
  /// Local address for outgoing connections; by default the unspecified
  /// address of each remote's family, port 0.
  std::optional<SocketAddress> bind_address;
  TransportSettings transport;
};

struct ConnectOptions {
  /// TLS SNI host name; empty = no SNI extension.
  std::string sni;
  /// Refuse the server unless SHA-256(certificate DER) equals this.
  /// Without it any certificate is accepted, as the reference client does.
  std::optional<ByteArray<32>> pinned_certificate_sha256;
};

struct EndpointStats {
  uint64_t packets_received = 0;
  uint64_t bytes_received = 0;
  uint64_t invalid_packets = 0;             ///< not parseable as QUIC, or truncated: dropped
  uint64_t unknown_connection_packets = 0;  ///< well-formed, but for no connection of ours: dropped
  uint64_t version_negotiations_sent = 0;
  uint64_t connections_accepted = 0;    ///< server: announced with on_new_connection
  uint64_t connections_refused = 0;     ///< server: over max_connections, or failed on the first packet
  uint64_t connections_opened = 0;      ///< connect() calls that succeeded
  uint64_t connections_closed = 0;      ///< on_closed deliveries
  uint64_t connections_in_memory = 0;   ///< live plus closing/draining (state not yet freed)
  uint64_t handshakes_in_progress = 0;  ///< server: accepted, handshake not completed yet
  uint64_t handshakes_refused = 0;      ///< server: Initials dropped, max_handshakes reached
  uint64_t tls_handshakes_refused = 0;  ///< server: TLS handshakes refused (SNI, ALPN, ...), announced or not
  uint64_t handshake_timeouts = 0;      ///< handshakes that did not complete in time
  uint64_t retries_sent = 0;            ///< server: Retry packets (address validation)
  uint64_t invalid_retry_tokens = 0;    ///< server: Initials with a bad or expired Retry token
  uint64_t stateless_resets_sent = 0;   ///< server: resets for packets of unknown connections
  uint64_t stateless_resets_received = 0;  ///< client: connections ended by a peer's reset
  uint64_t cid_table_buckets = 0;          ///< size of the connection-ID routing table (memory check)
  uint64_t packets_handed_over = 0;  ///< server shard: packets for another shard's connection, passed on
  uint64_t packets_taken_over = 0;   ///< server shard: packets another shard passed to this one
};

/// Adds every counter of `more` (the shards of one server).
EndpointStats& operator+=(EndpointStats& total, const EndpointStats& more) noexcept;

class Endpoint {
 public:
  static Result<std::unique_ptr<Endpoint>> create_server(EventLoop& loop, ServerConfig config,
                                                         EndpointCallbacks callbacks);
  static Result<std::unique_ptr<Endpoint>> create_client(EventLoop& loop, ClientConfig config,
                                                         EndpointCallbacks callbacks);
  /// Closes every connection (application code 0, "endpoint closed") without
  /// callbacks. Loop thread, or loop not running.
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  /// Starts a connection; the handshake runs on the loop. Works on client
  /// endpoints and on server endpoints (through the server's socket, for a
  /// remote of the same address family).
  Result<ConnectionId> connect(const SocketAddress& remote, const ConnectOptions& options = {});

  /// nullptr once on_closed has been delivered (or for an unknown id).
  [[nodiscard]] Connection* find(ConnectionId id);
  /// Connections not yet closed (handshaking included).
  [[nodiscard]] std::vector<ConnectionId> connection_ids() const;
  [[nodiscard]] size_t connection_count() const;

  /// The bound address (port resolved); for a client endpoint the first
  /// socket's, empty before the first connect().
  [[nodiscard]] SocketAddress local_address() const;
  [[nodiscard]] bool is_server() const noexcept;
  /// Server: the certificate it presents (generated or loaded).
  [[nodiscard]] std::shared_ptr<const TlsCredentials> credentials() const;
  [[nodiscard]] EndpointStats stats() const;

  /// Closes all connections with this application code and reason (each
  /// reported to on_closed), then releases the sockets. The endpoint accepts
  /// and opens nothing afterwards. Called from inside a callback of this
  /// endpoint, it runs as soon as that callback's dispatch returns.
  void shutdown(uint64_t app_error_code, std::string_view reason);

  /// Server shard: a packet another shard received for one of this shard's
  /// connections (ServerShard::hand_over). Processed as if received here, and
  /// never handed over again. Loop thread.
  void receive_handed_over(const SocketAddress& from, ByteView packet);

  class Impl;

 private:
  explicit Endpoint(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace wzp::transport

// Internal to src/transport: one ngtcp2 connection and its TLS session, with
// signal streams, datagrams, timers and the close/draining states. Owned by
// an Endpoint (through the ConnectionHost interface) and driven on its loop
// thread.
//
// Calls from the application (through Connection) only queue work and ask
// the host for a flush; ngtcp2 is written to only from flush(), on_packet()
// and on_timer(), never from inside an ngtcp2 callback.
#pragma once

#include <ngtcp2/ngtcp2.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "core/throttled_log.hpp"
#include "transport/close_info.hpp"
#include "transport/connection.hpp"
#include "transport/connection_stats.hpp"
#include "transport/datagram_queue.hpp"
#include "transport/endpoint_callbacks.hpp"
#include "transport/signal_receiver.hpp"
#include "transport/socket_address.hpp"
#include "transport/tls_session.hpp"
#include "transport/transport_settings.hpp"
#include "transport/udp_socket.hpp"

namespace wzp::transport {

/// What a connection needs from the endpoint that owns it.
class ConnectionHost {
 public:
  virtual EventLoop& loop() = 0;
  virtual const EndpointCallbacks& callbacks() = 0;
  /// Routes packets whose destination connection ID is `cid` to `conn`.
  virtual void add_cid(ByteView cid, QuicConnection& conn) = 0;
  virtual void remove_cid(ByteView cid) = 0;
  /// Asks for conn.flush() once the current dispatch returns.
  virtual void request_flush(QuicConnection& conn) = 0;
  /// The connection's timer fired (the host wraps on_timer() in a dispatch).
  virtual void connection_timer(QuicConnection& conn) = 0;
  /// Server: the peer's TLS handshake was refused, for `reason`.
  virtual void handshake_refused(QuicConnection& conn, const std::string& reason) = 0;
  /// The connection is over: the host destroys it once the dispatch returns.
  virtual void connection_finished(QuicConnection& conn) = 0;
  /// For lines about peers that have not completed a handshake (anybody can
  /// cause them): throttled.
  virtual ThrottledLog& unauthenticated_log() = 0;
  /// Byte 0 of every connection ID the endpoint's connections issue, naming
  /// its shard (so a packet that reaches another shard's socket can be handed
  /// over); nullopt: fully random IDs.
  [[nodiscard]] virtual std::optional<uint8_t> cid_tag() const = 0;

 protected:
  ~ConnectionHost() = default;
};

/// Length of the connection IDs this side issues.
inline constexpr size_t kConnectionIdLength = 16;

/// A fresh connection ID of this side: random, with byte 0 = `tag` when given.
void make_connection_id(uint8_t* out, size_t len, std::optional<uint8_t> tag);

class QuicConnection {
 public:
  struct ClientParams {
    SocketAddress remote;
    std::string sni;
    std::optional<ByteArray<32>> pinned_sha256;
    gnutls_certificate_credentials_t credentials;
  };
  struct ServerParams {
    const ngtcp2_pkt_hd* initial_header;
    SocketAddress remote;
    gnutls_certificate_credentials_t credentials;
    TlsSession::SniFilter sni_filter;
    /// Key for the stateless reset tokens of the connection IDs we issue.
    const ByteArray<32>* reset_secret = nullptr;
    /// Set when the Initial carried a valid Retry token: the client's first
    /// destination connection ID (before the Retry), and the token.
    std::optional<ngtcp2_cid> original_dcid;
    ByteView retry_token;
  };

  QuicConnection(ConnectionHost& host, ConnectionId id, const TransportSettings& settings, UdpSocket& socket);
  ~QuicConnection();
  QuicConnection(const QuicConnection&) = delete;
  QuicConnection& operator=(const QuicConnection&) = delete;

  Status init_client(const ClientParams& params);
  Status init_server(const ServerParams& params);

  /// A UDP datagram routed to this connection.
  void on_packet(const SocketAddress& from, ByteView data);
  /// Writes whatever is pending (streams, datagrams, ACKs, a requested close).
  void flush();
  void on_timer();
  /// Client: whether `token` (the last 16 bytes of a packet for no known
  /// connection ID) is the stateless reset token of one of the server's
  /// connection IDs this connection uses.
  [[nodiscard]] bool matches_stateless_reset(ByteView token) const;
  /// The peer reset the connection (RFC 9000 §10.3): report it and drain.
  void on_stateless_reset();
  /// The handshake did not complete within the handshake timeout.
  [[nodiscard]] bool handshake_timed_out() const noexcept { return handshake_timed_out_; }
  /// Endpoint teardown: sends an application close now (if still open),
  /// reports it when `report` is set, and finishes without a draining period.
  void close_immediately(uint64_t app_error_code, std::string_view reason, bool report);

  [[nodiscard]] Connection& handle() noexcept { return handle_; }
  [[nodiscard]] ConnectionId id() const noexcept { return id_; }
  [[nodiscard]] bool is_server() const noexcept { return is_server_; }
  /// on_closed was delivered: hidden from the application.
  [[nodiscard]] bool close_reported() const noexcept { return close_reported_; }
  [[nodiscard]] bool finished() const noexcept { return phase_ == Phase::finished; }
  /// Server connections stay unannounced until their first packet was
  /// accepted; an unannounced connection ends without on_closed.
  void set_announced(bool announced) noexcept { announced_ = announced; }
  [[nodiscard]] bool dirty() const noexcept { return dirty_; }
  void set_dirty(bool dirty) noexcept { dirty_ = dirty; }

  // Connection's API.
  [[nodiscard]] bool handshake_completed() const noexcept { return handshake_completed_; }
  [[nodiscard]] bool is_open() const noexcept { return phase_ == Phase::active && !close_request_; }
  [[nodiscard]] bool sni_present() const noexcept;
  [[nodiscard]] const std::string& sni() const noexcept;
  [[nodiscard]] const SocketAddress& remote_address() const noexcept { return remote_; }
  [[nodiscard]] const SocketAddress& local_address() const noexcept { return socket_.local_address(); }
  [[nodiscard]] std::optional<ByteArray<32>> peer_certificate_sha256() const;
  /// `fin` false leaves the stream open (tests of the peer's stream deadline).
  Status send_signal(ByteView payload, bool framed, bool fin = true);
  Status send_datagram(ByteView payload);
  [[nodiscard]] size_t max_datagram_payload() const;
  void request_close(uint64_t app_error_code, std::string_view reason);
  void set_signal_limits(const SignalLimits& limits);
  [[nodiscard]] ConnectionStats stats() const;

 private:
  enum class Phase {
    active,    // handshaking or established
    closing,   // we sent CONNECTION_CLOSE; waiting out the closing period
    draining,  // the peer closed; waiting out the draining period
    finished,  // handed back to the host for destruction
  };
  struct OutgoingStream {
    Bytes data;
    size_t written = 0;
    uint64_t acked = 0;
    bool fin_written = false;
    bool is_signal = false;
    bool fin = true;  // false: the stream is left open after the data
  };
  struct PendingSignal {
    Bytes frame;
    bool fin = true;
  };
  struct CloseRequest {
    uint64_t code;
    std::string reason;
  };
  struct ConnDeleter {
    void operator()(ngtcp2_conn* conn) const { ngtcp2_conn_del(conn); }
  };

  // ngtcp2 callbacks (user_data is the QuicConnection).
  static int on_handshake_completed(ngtcp2_conn* conn, void* user_data);
  static int on_stream_open(ngtcp2_conn* conn, int64_t stream_id, void* user_data);
  static int on_recv_stream_data(ngtcp2_conn* conn, uint32_t flags, int64_t stream_id, uint64_t offset,
                                 const uint8_t* data, size_t datalen, void* user_data,
                                 void* stream_user_data);
  static int on_acked_stream_data(ngtcp2_conn* conn, int64_t stream_id, uint64_t offset, uint64_t datalen,
                                  void* user_data, void* stream_user_data);
  static int on_stream_close(ngtcp2_conn* conn, uint32_t flags, int64_t stream_id, uint64_t app_error_code,
                             void* user_data, void* stream_user_data);
  static int on_stream_reset(ngtcp2_conn* conn, int64_t stream_id, uint64_t final_size,
                             uint64_t app_error_code, void* user_data, void* stream_user_data);
  static int on_extend_max_streams(ngtcp2_conn* conn, uint64_t max_streams, void* user_data);
  static int on_extend_max_stream_data(ngtcp2_conn* conn, int64_t stream_id, uint64_t max_data,
                                       void* user_data, void* stream_user_data);
  static void on_rand(uint8_t* dest, size_t destlen, const ngtcp2_rand_ctx* rand_ctx);
  static int on_get_new_connection_id(ngtcp2_conn* conn, ngtcp2_cid* cid, uint8_t* token, size_t cidlen,
                                      void* user_data);
  static int on_remove_connection_id(ngtcp2_conn* conn, const ngtcp2_cid* cid, void* user_data);
  static int on_recv_datagram(ngtcp2_conn* conn, uint32_t flags, const uint8_t* data, size_t datalen,
                              void* user_data);
  static int on_lost_datagram(ngtcp2_conn* conn, uint64_t dgram_id, void* user_data);
  static int on_recv_stateless_reset(ngtcp2_conn* conn, const ngtcp2_pkt_stateless_reset* sr,
                                     void* user_data);

  static ngtcp2_callbacks make_callbacks(bool server);
  void fill_settings(ngtcp2_settings& settings, ngtcp2_transport_params& params) const;
  void register_cid(const ngtcp2_cid& cid);
  void after_init();

  void handle_peer_stream_data(int64_t stream_id, ByteView data, bool fin);
  void report_signal_error(const Error& error);
  void deliver_ready_signals();
  void queue_stream_write(int64_t stream_id, Bytes data, bool is_signal, bool fin = true);
  void open_pending_streams();
  void fail_signal_streams(std::vector<SignalReceiver::Failure> failed);
  void arm_signal_timer();
  void on_signal_timer();
  void apply_deferred_stream_ops();

  void write_packets();
  struct TxScratch;
  static TxScratch& tx_scratch();
  void send_packets(TxScratch& tx, size_t count, size_t packet_size);
  void update_timer();
  void cancel_timer();

  void handle_read_error(int rv);
  void close_with_error(int liberr, const std::string& reason);
  void start_close(const ngtcp2_connection_close_error& ccerr, CloseInfo info);
  void enter_draining();
  void report_closed(const CloseInfo& info);
  void finish();

  ConnectionHost& host_;
  const ConnectionId id_;
  const TransportSettings settings_;
  UdpSocket& socket_;
  Connection handle_;
  bool is_server_ = false;
  SocketAddress remote_;
  std::unique_ptr<ngtcp2_conn, ConnDeleter> conn_;
  std::unique_ptr<TlsSession> tls_;

  Phase phase_ = Phase::active;
  bool dirty_ = false;
  bool announced_ = true;
  bool handshake_completed_ = false;
  bool close_reported_ = false;
  bool stateless_reset_ = false;
  bool handshake_timed_out_ = false;
  std::optional<ByteArray<32>> reset_secret_;
  std::optional<CloseRequest> close_request_;
  std::string local_error_;  // set inside a callback that fails the connection
  Bytes close_packet_;
  uint64_t packets_while_closing_ = 0;
  EventLoop::TimerId timer_id_ = 0;
  uint64_t timer_deadline_ = 0;
  std::vector<Bytes> cids_;

  // Signals.
  SignalReceiver receiver_;
  std::map<int64_t, OutgoingStream> out_streams_;
  std::deque<int64_t> write_queue_;            // streams with bytes or a FIN left to write
  std::deque<PendingSignal> pending_signals_;  // waiting for stream credit / the handshake
  size_t signal_send_bytes_ = 0;               // queued + unacknowledged signal bytes
  std::vector<int64_t> streams_to_stop_;       // peer streams: STOP_SENDING (message complete)
  std::vector<int64_t> streams_to_reset_;      // peer streams that failed: reset both directions
  uint64_t signal_stream_timeout_ns_ = 0;      // 0: unfinished streams have no deadline
  EventLoop::TimerId signal_timer_id_ = 0;

  // Datagrams.
  DatagramQueue datagram_queue_;
  uint64_t next_datagram_id_ = 1;

  ConnectionStats stats_;
};

}  // namespace wzp::transport

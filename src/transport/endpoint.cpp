#include "transport/endpoint.hpp"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <sys/epoll.h>

#include <atomic>
#include <unordered_map>
#include <utility>

#include "core/log.hpp"
#include "transport/quic_connection.hpp"
#include "transport/tls_credentials_native.hpp"
#include "transport/udp_socket.hpp"

namespace wzp::transport {
namespace {

constexpr const char* kLog = "transport";
// recvmmsg calls per readable event; the rest waits for the next wakeup so
// one busy socket cannot starve the loop's other work.
constexpr int kReceiveRoundsPerWakeup = 4;
constexpr size_t kReceiveBatchSlots = 64;
// We advertise max_udp_payload_size 1472, so a slot of 2048 holds any
// legitimate packet; anything longer is reported truncated and dropped.
constexpr size_t kReceiveSlotSize = 2048;

std::atomic<ConnectionId> g_next_connection_id{1};

std::string cid_key(ByteView cid) {
  return std::string(reinterpret_cast<const char*>(cid.data()), cid.size());
}

struct ClientCredentialsDeleter {
  void operator()(gnutls_certificate_credentials_t creds) const {
    gnutls_certificate_free_credentials(creds);
  }
};
using ClientCredentials =
    std::unique_ptr<std::remove_pointer_t<gnutls_certificate_credentials_t>, ClientCredentialsDeleter>;

}  // namespace

class Endpoint::Impl final : public ConnectionHost, public std::enable_shared_from_this<Impl> {
 public:
  Impl(EventLoop& loop, EndpointCallbacks callbacks, TransportSettings settings, bool server)
      : server_(server),
        loop_(loop),
        settings_(std::move(settings)),
        batch_(kReceiveBatchSlots, kReceiveSlotSize) {
    callbacks_ = std::move(callbacks);
    // Count closes on the way to the application.
    callbacks_.on_closed = [this, user = std::move(callbacks_.on_closed)](Connection& conn,
                                                                          const CloseInfo& info) {
      ++stats_.connections_closed;
      if (user) user(conn, info);
    };
  }

  ~Impl() { teardown(); }

  // ConnectionHost
  EventLoop& loop() override { return loop_; }
  const EndpointCallbacks& callbacks() override { return callbacks_; }
  void add_cid(ByteView cid, QuicConnection& conn) override { by_cid_[cid_key(cid)] = &conn; }
  void remove_cid(ByteView cid) override { by_cid_.erase(cid_key(cid)); }
  void request_flush(QuicConnection& conn) override;
  void connection_timer(QuicConnection& conn) override;
  void connection_finished(QuicConnection& conn) override;
  void handshake_refused(QuicConnection& conn, const std::string& reason) override;

  Status open_socket(const SocketAddress& address);
  Result<size_t> socket_for(const SocketAddress& remote);
  Status ensure_client_credentials();
  Result<ConnectionId> connect(const SocketAddress& remote, const ConnectOptions& options);
  void shutdown(uint64_t code, std::string_view reason);
  QuicConnection* live(ConnectionId id);
  size_t live_count() const;
  void teardown();

  // Configuration (set once by the factories).
  std::shared_ptr<const TlsCredentials> credentials_;
  size_t max_connections_ = 0;
  TlsSession::SniFilter sni_filter_;
  std::optional<SocketAddress> client_bind_;

  std::vector<std::unique_ptr<UdpSocket>> sockets_;
  std::unordered_map<ConnectionId, std::unique_ptr<QuicConnection>> connections_;
  EndpointStats stats_;
  bool server_;

 private:
  // Marks a dispatch (packet batch, timer, posted flush): flushes dirty
  // connections and destroys finished ones when the outermost one ends.
  class Dispatch {
   public:
    explicit Dispatch(Impl& impl) : impl_(impl) { ++impl_.dispatch_depth_; }
    ~Dispatch() {
      if (impl_.dispatch_depth_ == 1) impl_.complete_dispatch();
      --impl_.dispatch_depth_;
    }
    Dispatch(const Dispatch&) = delete;
    Dispatch& operator=(const Dispatch&) = delete;

   private:
    Impl& impl_;
  };

  void on_readable(size_t socket_index);
  void handle_packet(size_t socket_index, const SocketAddress& from, ByteView data);
  void accept(size_t socket_index, const ngtcp2_pkt_hd& header, const SocketAddress& from, ByteView data);
  void send_version_negotiation(size_t socket_index, const SocketAddress& to, const ngtcp2_version_cid& vc);
  void forget_cids(const QuicConnection* conn);
  void complete_dispatch();
  void shutdown_now(uint64_t code, const std::string& reason);
  void post_flush();

  EventLoop& loop_;
  EndpointCallbacks callbacks_;
  const TransportSettings settings_;
  ClientCredentials client_credentials_;
  UdpReceiveBatch batch_;
  std::unordered_map<std::string, QuicConnection*> by_cid_;
  std::vector<ConnectionId> dirty_;
  std::vector<std::unique_ptr<QuicConnection>> finished_;
  int dispatch_depth_ = 0;
  bool flush_posted_ = false;
  bool shut_down_ = false;
  bool torn_down_ = false;
  std::optional<std::pair<uint64_t, std::string>> deferred_shutdown_;
};

// ---------------------------------------------------------------------------
// Dispatch plumbing

void Endpoint::Impl::request_flush(QuicConnection& conn) {
  if (!conn.dirty()) {
    conn.set_dirty(true);
    dirty_.push_back(conn.id());
  }
  if (dispatch_depth_ == 0) post_flush();
}

void Endpoint::Impl::post_flush() {
  if (flush_posted_ || torn_down_) return;
  flush_posted_ = true;
  std::weak_ptr<Impl> weak = weak_from_this();
  loop_.post([weak] {
    auto self = weak.lock();
    if (!self) return;
    self->flush_posted_ = false;
    Dispatch dispatch(*self);
  });
}

void Endpoint::Impl::complete_dispatch() {
  for (;;) {
    // Flushing can make other connections dirty (an on_closed callback that
    // sends on another connection), so repeat a bounded number of times.
    for (int round = 0; round < 8 && !dirty_.empty(); ++round) {
      std::vector<ConnectionId> ids = std::exchange(dirty_, {});
      for (ConnectionId id : ids) {
        auto it = connections_.find(id);
        if (it == connections_.end()) continue;
        it->second->set_dirty(false);
        it->second->flush();
      }
    }
    finished_.clear();
    if (deferred_shutdown_) {
      auto [code, reason] = std::move(*deferred_shutdown_);
      deferred_shutdown_.reset();
      shutdown_now(code, reason);
      continue;
    }
    break;
  }
  if (!dirty_.empty()) post_flush();
}

void Endpoint::Impl::connection_timer(QuicConnection& conn) {
  Dispatch dispatch(*this);
  conn.on_timer();
}

void Endpoint::Impl::connection_finished(QuicConnection& conn) {
  auto it = connections_.find(conn.id());
  if (it == connections_.end()) return;
  finished_.push_back(std::move(it->second));
  connections_.erase(it);
}

void Endpoint::Impl::handshake_refused(QuicConnection& conn, const std::string& reason) {
  ++stats_.handshakes_refused;
  // The one log line for refused ClientHellos (unauthenticated input).
  WZP_LOG(info, kLog,
          "TLS handshake of connection " + std::to_string(conn.id()) + " from " +
              conn.remote_address().to_string() + " refused: " + reason);
  if (!callbacks_.on_handshake_refused) return;
  HandshakeRefusal refusal{conn.id(), conn.remote_address(), std::nullopt, reason};
  if (conn.sni_present()) refusal.sni = conn.sni();
  callbacks_.on_handshake_refused(refusal);
}

void Endpoint::Impl::forget_cids(const QuicConnection* conn) {
  for (auto it = by_cid_.begin(); it != by_cid_.end();) {
    it = it->second == conn ? by_cid_.erase(it) : std::next(it);
  }
}

// ---------------------------------------------------------------------------
// Sockets and packets

Status Endpoint::Impl::open_socket(const SocketAddress& address) {
  auto socket = UdpSocket::bind(address);
  if (!socket) return std::move(socket).error();
  size_t index = sockets_.size();
  sockets_.push_back(std::make_unique<UdpSocket>(std::move(socket.value())));
  Status added =
      loop_.add_fd(sockets_.back()->fd(), EPOLLIN, [this, index](uint32_t) { on_readable(index); });
  if (!added) {
    sockets_.pop_back();
    return added;
  }
  WZP_LOG(debug, kLog, "UDP socket bound to " + sockets_.back()->local_address().to_string());
  return {};
}

Result<size_t> Endpoint::Impl::socket_for(const SocketAddress& remote) {
  for (size_t i = 0; i < sockets_.size(); ++i) {
    if (sockets_[i]->is_open() && sockets_[i]->local_address().family() == remote.family()) return i;
  }
  if (server_) {
    return make_error(Errc::invalid_argument,
                      "the server socket cannot reach " + remote.to_string() + " (different address family)");
  }
  SocketAddress bind = remote.is_ipv6() ? SocketAddress::ipv6_any(0) : SocketAddress::ipv4_any(0);
  if (client_bind_) {
    if (client_bind_->family() != remote.family()) {
      return make_error(Errc::invalid_argument,
                        "bind address " + client_bind_->to_string() + " cannot reach " + remote.to_string());
    }
    bind = *client_bind_;
  }
  WZP_TRY(open_socket(bind));
  return sockets_.size() - 1;
}

void Endpoint::Impl::on_readable(size_t socket_index) {
  Dispatch dispatch(*this);
  for (int round = 0; round < kReceiveRoundsPerWakeup && !shut_down_; ++round) {
    auto received = sockets_[socket_index]->receive(batch_);
    if (!received) {
      WZP_LOG(warn, kLog, received.error().message);
      break;
    }
    for (size_t i = 0; i < *received && !shut_down_; ++i) {
      if (batch_.truncated(i)) {
        ++stats_.packets_received;
        ++stats_.invalid_packets;
        continue;
      }
      handle_packet(socket_index, batch_.sender(i), batch_.data(i));
    }
    if (*received < batch_.capacity()) break;
  }
}

void Endpoint::Impl::handle_packet(size_t socket_index, const SocketAddress& from, ByteView data) {
  ++stats_.packets_received;
  stats_.bytes_received += data.size();
  ngtcp2_version_cid vc{};
  int rv = ngtcp2_pkt_decode_version_cid(&vc, data.data(), data.size(), kConnectionIdLength);
  if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
    // An unsupported version in a client-sized first packet gets a Version
    // Negotiation reply; anything smaller is noise.
    if (server_ && data.size() >= NGTCP2_MAX_UDP_PAYLOAD_SIZE) {
      send_version_negotiation(socket_index, from, vc);
    } else {
      ++stats_.invalid_packets;
    }
    return;
  }
  if (rv != 0) {
    ++stats_.invalid_packets;
    return;
  }
  auto it = by_cid_.find(cid_key(ByteView(vc.dcid, vc.dcidlen)));
  if (it != by_cid_.end()) {
    it->second->on_packet(from, data);
    return;
  }
  if (!server_ || vc.version == 0) {
    ++stats_.unknown_connection_packets;  // e.g. late packets of a freed connection
    return;
  }
  ngtcp2_pkt_hd header{};
  if (ngtcp2_accept(&header, data.data(), data.size()) != 0) {
    ++stats_.invalid_packets;
    return;
  }
  accept(socket_index, header, from, data);
}

void Endpoint::Impl::accept(size_t socket_index, const ngtcp2_pkt_hd& header, const SocketAddress& from,
                            ByteView data) {
  if (live_count() >= max_connections_) {
    // Retransmitted Initials land here too: log sparsely.
    uint64_t refused = ++stats_.connections_refused;
    if ((refused & (refused - 1)) == 0) {
      WZP_LOG(warn, kLog,
              "connection attempt from " + from.to_string() +
                  " ignored: " + std::to_string(max_connections_) + " connections already (" +
                  std::to_string(refused) + " ignored so far)");
    }
    return;
  }
  ConnectionId id = g_next_connection_id.fetch_add(1);
  auto conn = std::make_unique<QuicConnection>(*this, id, settings_, *sockets_[socket_index]);
  QuicConnection::ServerParams params{&header, from, credentials_->native().credentials, sni_filter_};
  if (Status st = conn->init_server(params); !st) {
    forget_cids(conn.get());
    ++stats_.connections_refused;
    WZP_LOG(error, kLog, "cannot accept a connection from " + from.to_string() + ": " + st.error().message);
    return;
  }
  QuicConnection& ref = *conn;
  ref.set_announced(false);
  connections_.emplace(id, std::move(conn));
  // The application hears of a connection only once its first packet was
  // accepted (so spoofed or garbage Initials never reach it); a handshake
  // that fails on that first packet is logged and counted as refused.
  ref.on_packet(from, data);
  if (ref.close_reported() || ref.finished()) {
    ++stats_.connections_refused;
    return;
  }
  ref.set_announced(true);
  ++stats_.connections_accepted;
  WZP_LOG(debug, kLog, "connection " + std::to_string(id) + " from " + from.to_string() + " accepted");
  if (callbacks_.on_new_connection) callbacks_.on_new_connection(ref.handle());
}

void Endpoint::Impl::send_version_negotiation(size_t socket_index, const SocketAddress& to,
                                              const ngtcp2_version_cid& vc) {
  uint8_t buffer[NGTCP2_MAX_UDP_PAYLOAD_SIZE];
  const uint32_t versions[] = {NGTCP2_PROTO_VER_V1};
  uint8_t unused = 0;
  gnutls_rnd(GNUTLS_RND_NONCE, &unused, 1);
  ngtcp2_ssize n = ngtcp2_pkt_write_version_negotiation(buffer, sizeof buffer, unused, vc.scid, vc.scidlen,
                                                        vc.dcid, vc.dcidlen, versions, 1);
  if (n <= 0) {
    ++stats_.invalid_packets;
    return;
  }
  sockets_[socket_index]->send_to(to, ByteView(buffer, static_cast<size_t>(n)));
  ++stats_.version_negotiations_sent;
}

// ---------------------------------------------------------------------------
// Operations

Status Endpoint::Impl::ensure_client_credentials() {
  if (client_credentials_) return {};
  gnutls_certificate_credentials_t creds = nullptr;
  int rv = gnutls_certificate_allocate_credentials(&creds);
  if (rv != GNUTLS_E_SUCCESS) {
    return make_error(Errc::tls, std::string("allocating client TLS credentials: ") + gnutls_strerror(rv));
  }
  client_credentials_.reset(creds);
  return {};
}

Result<ConnectionId> Endpoint::Impl::connect(const SocketAddress& remote, const ConnectOptions& options) {
  if (shut_down_) return make_error(Errc::closed, "the endpoint is shut down");
  if (remote.empty()) return make_error(Errc::invalid_argument, "connect: empty remote address");
  WZP_TRY(ensure_client_credentials());
  auto index = socket_for(remote);
  if (!index) return std::move(index).error();
  ConnectionId id = g_next_connection_id.fetch_add(1);
  auto conn = std::make_unique<QuicConnection>(*this, id, settings_, *sockets_[*index]);
  QuicConnection::ClientParams params{remote, options.sni, options.pinned_certificate_sha256,
                                      client_credentials_.get()};
  if (Status st = conn->init_client(params); !st) {
    forget_cids(conn.get());
    return std::move(st).error();
  }
  QuicConnection& ref = *conn;
  connections_.emplace(id, std::move(conn));
  ++stats_.connections_opened;
  WZP_LOG(debug, kLog, "connection " + std::to_string(id) + " to " + remote.to_string() + " started");
  request_flush(ref);
  return id;
}

QuicConnection* Endpoint::Impl::live(ConnectionId id) {
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second->close_reported()) return nullptr;
  return it->second.get();
}

size_t Endpoint::Impl::live_count() const {
  size_t n = 0;
  for (const auto& [id, conn] : connections_) n += conn->close_reported() ? 0 : 1;
  return n;
}

void Endpoint::Impl::shutdown(uint64_t code, std::string_view reason) {
  if (dispatch_depth_ > 0) {
    deferred_shutdown_.emplace(code, std::string(reason));
    return;
  }
  Dispatch dispatch(*this);
  shutdown_now(code, std::string(reason));
}

void Endpoint::Impl::shutdown_now(uint64_t code, const std::string& reason) {
  if (shut_down_) return;
  shut_down_ = true;
  std::vector<ConnectionId> ids;
  for (const auto& [id, conn] : connections_) ids.push_back(id);
  for (ConnectionId id : ids) {
    auto it = connections_.find(id);
    if (it != connections_.end()) it->second->close_immediately(code, reason, true);
  }
  for (auto& socket : sockets_) {
    if (!socket->is_open()) continue;
    loop_.remove_fd(socket->fd());
    socket->close();
  }
  WZP_LOG(info, kLog, "endpoint shut down (" + std::to_string(ids.size()) + " connections closed)");
}

void Endpoint::Impl::teardown() {
  if (torn_down_) return;
  std::vector<ConnectionId> ids;
  for (const auto& [id, conn] : connections_) ids.push_back(id);
  for (ConnectionId id : ids) {
    auto it = connections_.find(id);
    if (it != connections_.end()) it->second->close_immediately(0, "endpoint closed", false);
  }
  torn_down_ = true;
  finished_.clear();
  connections_.clear();
  by_cid_.clear();
  for (auto& socket : sockets_) {
    if (socket->is_open()) loop_.remove_fd(socket->fd());
    socket->close();
  }
}

// ---------------------------------------------------------------------------
// Endpoint

Endpoint::Endpoint(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Endpoint::~Endpoint() { impl_->teardown(); }

Result<std::unique_ptr<Endpoint>> Endpoint::create_server(EventLoop& loop, ServerConfig config,
                                                          EndpointCallbacks callbacks) {
  auto impl = std::make_shared<Impl>(loop, std::move(callbacks), config.transport, true);
  impl->credentials_ = config.credentials;
  if (!impl->credentials_) {
    auto generated = TlsCredentials::generate_self_signed("localhost");
    if (!generated) return std::move(generated).error();
    impl->credentials_ = std::move(generated.value());
  }
  impl->max_connections_ = config.max_connections;
  impl->sni_filter_ = std::move(config.sni_filter);
  WZP_TRY(impl->open_socket(config.bind_address));
  WZP_LOG(info, kLog, "QUIC server listening on " + impl->sockets_.front()->local_address().to_string());
  return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
}

Result<std::unique_ptr<Endpoint>> Endpoint::create_client(EventLoop& loop, ClientConfig config,
                                                          EndpointCallbacks callbacks) {
  auto impl = std::make_shared<Impl>(loop, std::move(callbacks), config.transport, false);
  impl->client_bind_ = config.bind_address;
  WZP_TRY(impl->ensure_client_credentials());
  if (config.bind_address) WZP_TRY(impl->open_socket(*config.bind_address));
  return std::unique_ptr<Endpoint>(new Endpoint(std::move(impl)));
}

Result<ConnectionId> Endpoint::connect(const SocketAddress& remote, const ConnectOptions& options) {
  return impl_->connect(remote, options);
}

Connection* Endpoint::find(ConnectionId id) {
  QuicConnection* conn = impl_->live(id);
  return conn != nullptr ? &conn->handle() : nullptr;
}

std::vector<ConnectionId> Endpoint::connection_ids() const {
  std::vector<ConnectionId> ids;
  for (const auto& [id, conn] : impl_->connections_) {
    if (!conn->close_reported()) ids.push_back(id);
  }
  return ids;
}

size_t Endpoint::connection_count() const { return impl_->live_count(); }

SocketAddress Endpoint::local_address() const {
  return impl_->sockets_.empty() ? SocketAddress{} : impl_->sockets_.front()->local_address();
}

bool Endpoint::is_server() const noexcept { return impl_->server_; }

std::shared_ptr<const TlsCredentials> Endpoint::credentials() const { return impl_->credentials_; }

EndpointStats Endpoint::stats() const {
  EndpointStats out = impl_->stats_;
  out.connections_in_memory = impl_->connections_.size();
  return out;
}

void Endpoint::shutdown(uint64_t app_error_code, std::string_view reason) {
  impl_->shutdown(app_error_code, reason);
}

}  // namespace wzp::transport

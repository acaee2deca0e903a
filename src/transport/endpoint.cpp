#include "transport/endpoint.hpp"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <sys/epoll.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/clock.hpp"
#include "core/free_memory.hpp"
#include "core/log.hpp"
#include "core/throttled_log.hpp"
#include "core/token_bucket.hpp"
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

// Stateless resets answer packets anyone can forge: bound the rate.
constexpr double kStatelessResetsPerSecond = 200;
// The smallest packet we answer with a reset, and the largest reset we send:
// a reset is always smaller than its trigger (RFC 9000 §10.3.3), so two
// endpoints cannot loop, and at least 21 bytes long.
constexpr size_t kMinResetTrigger = 1 + kConnectionIdLength + 22;
constexpr size_t kMaxResetLength = 1 + kConnectionIdLength + 30;
// How long a Retry token stays valid.
constexpr uint64_t kRetryTokenLifetimeNs = 10ULL * NGTCP2_SECONDS;
// Give memory back once the connections in memory fell below a quarter of
// their peak (after a flood), if the peak was at least this many.
constexpr size_t kShrinkPeak = 256;
constexpr size_t kSmallTable = 64;
// At most this often, connections that finished give freed memory back (malloc_trim).
constexpr uint64_t kTrimInterval = 10'000'000'000;

std::atomic<ConnectionId> g_next_connection_id{1};

// Fills `out` in place (no temporary copies of the key) and wipes the
// caller's copy in the config.
void take_secret(std::optional<ByteArray<32>>& secret, ByteArray<32>& out) {
  if (!secret) {
    gnutls_rnd(GNUTLS_RND_KEY, out.data(), out.size());
    return;
  }
  out = *secret;
  gnutls_memset(secret->data(), 0, secret->size());
}

std::string_view cid_key(ByteView cid) { return {reinterpret_cast<const char*>(cid.data()), cid.size()}; }

// Looks connection IDs up by view: no allocation per received packet (a 16-byte
// ID is longer than std::string's inline buffer).
struct CidHash {
  using is_transparent = void;
  size_t operator()(std::string_view cid) const noexcept { return std::hash<std::string_view>{}(cid); }
};

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
    callbacks_.on_handshake_completed =
        [this, user = std::move(callbacks_.on_handshake_completed)](Connection& conn) {
          handshaking_.erase(conn.id());
          if (user) user(conn);
        };
    // Count closes on the way to the application.
    callbacks_.on_closed = [this, user = std::move(callbacks_.on_closed)](Connection& conn,
                                                                          const CloseInfo& info) {
      ++stats_.connections_closed;
      if (user) user(conn, info);
    };
  }

  ~Impl() {
    teardown();
    gnutls_memset(reset_secret_.data(), 0, reset_secret_.size());
    gnutls_memset(retry_secret_.data(), 0, retry_secret_.size());
  }

  // ConnectionHost
  EventLoop& loop() override { return loop_; }
  const EndpointCallbacks& callbacks() override { return callbacks_; }
  void add_cid(ByteView cid, QuicConnection& conn) override { by_cid_[std::string(cid_key(cid))] = &conn; }
  void remove_cid(ByteView cid) override {
    if (auto it = by_cid_.find(cid_key(cid)); it != by_cid_.end()) by_cid_.erase(it);
  }
  void request_flush(QuicConnection& conn) override;
  void connection_timer(QuicConnection& conn) override;
  void connection_finished(QuicConnection& conn) override;
  std::optional<uint8_t> cid_tag() const override {
    return server_ && shard_.count > 1 ? std::optional<uint8_t>(shard_.index) : std::nullopt;
  }
  ThrottledLog& unauthenticated_log() override { return unauthenticated_log_; }
  void handshake_refused(QuicConnection& conn, const std::string& reason) override;

  Status open_socket(const SocketAddress& address, bool reuse_port = false);
  Result<size_t> socket_for(const SocketAddress& remote);
  Status ensure_client_credentials();
  Result<ConnectionId> connect(const SocketAddress& remote, const ConnectOptions& options);
  void shutdown(uint64_t code, std::string_view reason);
  void receive_handed_over(const SocketAddress& from, ByteView data);
  QuicConnection* live(ConnectionId id);
  size_t live_count() const;
  void add_table_stats(EndpointStats& out) const;
  void teardown();

  // Configuration (set once by the factories).
  std::shared_ptr<const TlsCredentials> credentials_;
  size_t max_connections_ = 0;
  size_t max_handshakes_ = 0;
  ByteArray<32> reset_secret_{};
  ByteArray<32> retry_secret_{};
  TlsSession::SniFilter sni_filter_;
  std::optional<SocketAddress> client_bind_;
  ServerShard shard_;

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
  void handle_packet(size_t socket_index, const SocketAddress& from, ByteView data, bool handed_over = false);
  /// Server shard: true when `data` belongs to another shard and was passed on.
  bool hand_over(const ngtcp2_version_cid& vc, const SocketAddress& from, ByteView data);
  void accept(size_t socket_index, const ngtcp2_pkt_hd& header, const SocketAddress& from, ByteView data);
  void send_version_negotiation(size_t socket_index, const SocketAddress& to, const ngtcp2_version_cid& vc);
  void send_retry(size_t socket_index, const ngtcp2_pkt_hd& header, const SocketAddress& to);
  void send_stateless_reset(size_t socket_index, const SocketAddress& to, const ngtcp2_version_cid& vc,
                            size_t trigger_size);
  bool receive_stateless_reset(ByteView data);
  void give_back_memory();
  void forget_cids(const QuicConnection* conn);
  void complete_dispatch();
  void shutdown_now(uint64_t code, const std::string& reason);
  void post_flush();

  EventLoop& loop_;
  EndpointCallbacks callbacks_;
  const TransportSettings settings_;
  ClientCredentials client_credentials_;
  UdpReceiveBatch batch_;
  std::unordered_map<std::string, QuicConnection*, CidHash, std::equal_to<>> by_cid_;
  std::vector<ConnectionId> dirty_;
  std::vector<std::unique_ptr<QuicConnection>> finished_;
  std::unordered_set<ConnectionId> handshaking_;  // server: accepted, handshake not completed
  size_t peak_in_memory_ = 0;
  TokenBucket reset_bucket_{kStatelessResetsPerSecond, kStatelessResetsPerSecond};
  // Lines that unauthenticated peers can cause, one throttle per kind.
  ThrottledLog refused_log_{log::Level::warn, kLog};
  ThrottledLog accept_error_log_{log::Level::error, kLog};
  ThrottledLog retry_log_{log::Level::info, kLog};
  ThrottledLog unauthenticated_log_{log::Level::info, kLog};
  ThrottledLog tls_refusal_log_{log::Level::info, kLog};  // refused ClientHellos
  ThrottledLog accepted_log_{log::Level::debug, kLog};
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
    if (!finished_.empty()) {
      finished_.clear();
      give_back_memory();
    }
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
  handshaking_.erase(conn.id());
  if (conn.handshake_timed_out()) ++stats_.handshake_timeouts;
  finished_.push_back(std::move(it->second));
  connections_.erase(it);
}

void Endpoint::Impl::give_back_memory() {
  peak_in_memory_ = std::max(peak_in_memory_, connections_.size());
  // Shrink in steps (each a quarter of the previous peak), and once more
  // when the last connection is gone, so the tables end near their size
  // before the flood.
  const bool large_drop = peak_in_memory_ >= kShrinkPeak && connections_.size() * 4 <= peak_in_memory_;
  const bool emptied = connections_.empty() && by_cid_.bucket_count() > kSmallTable;
  if (!large_drop && !emptied) {
    // Connections come and go: now and then give back the pages their freed
    // state left between live allocations (a relay under churn otherwise
    // grows its RSS by a few kB per connection with a flat heap).
    return_free_memory(kTrimInterval);
    return;
  }
  // A flood is over: shrink the tables it grew and return freed pages to
  // the system (glibc keeps them otherwise).
  by_cid_.rehash(0);
  connections_.rehash(0);
  handshaking_.rehash(0);
  finished_.shrink_to_fit();
  dirty_.shrink_to_fit();
  return_free_memory(0);
  peak_in_memory_ = connections_.size();
}

void Endpoint::Impl::handshake_refused(QuicConnection& conn, const std::string& reason) {
  ++stats_.tls_handshakes_refused;
  // The one log line for refused ClientHellos (unauthenticated input).
  tls_refusal_log_.write_lazy([&] {
    return "TLS handshake of connection " + std::to_string(conn.id()) + " from " +
           conn.remote_address().to_string() + " refused: " + reason;
  });
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

Status Endpoint::Impl::open_socket(const SocketAddress& address, bool reuse_port) {
  if (reuse_port && address.port() != 0 && shard_.index == 0) {
    // SO_REUSEPORT would let the first shard join another server's group on
    // the port: prove the port free first, with a plain socket.
    auto probe = UdpSocket::bind(address);
    if (!probe) return std::move(probe).error();
  }
  UdpSocketOptions options;
  options.reuse_port = reuse_port;
  auto socket = UdpSocket::bind(address, options);
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

bool Endpoint::Impl::hand_over(const ngtcp2_version_cid& vc, const SocketAddress& from, ByteView data) {
  if (shard_.count <= 1 || !shard_.hand_over || vc.dcidlen != kConnectionIdLength) return false;
  // Every ID this server chose names its shard (our clients' IDs too: the
  // mesh's links leave from this socket). A client's own first choice of ID
  // may look the same, and is handed over to that shard just as consistently,
  // which then accepts the connection as well as this one would.
  const uint8_t owner = vc.dcid[0];
  if (owner >= shard_.count || owner == shard_.index) return false;
  ++stats_.packets_handed_over;
  shard_.hand_over(owner, from, data);
  return true;
}

void Endpoint::Impl::receive_handed_over(const SocketAddress& from, ByteView data) {
  if (shut_down_ || sockets_.empty()) return;
  Dispatch dispatch(*this);
  ++stats_.packets_taken_over;
  handle_packet(0, from, data, true);
}

void Endpoint::Impl::handle_packet(size_t socket_index, const SocketAddress& from, ByteView data,
                                   bool handed_over) {
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
  if (server_ && !handed_over && hand_over(vc, from, data)) return;
  if (vc.version == 0) {
    // A short header for no connection of ours: a late packet of a freed
    // connection, a peer's stateless reset, or a packet of a connection we
    // lost (e.g. before a restart), which we reset.
    if (!server_ && receive_stateless_reset(data)) return;
    ++stats_.unknown_connection_packets;
    if (server_ && data.size() >= kMinResetTrigger) send_stateless_reset(socket_index, from, vc, data.size());
    return;
  }
  if (!server_) {
    ++stats_.unknown_connection_packets;
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
    // Retransmitted Initials land here too.
    uint64_t refused = ++stats_.connections_refused;
    refused_log_.write_lazy([&] {
      return "connection attempt from " + from.to_string() + " ignored: " + std::to_string(max_connections_) +
             " connections already (" + std::to_string(refused) + " ignored so far)";
    });
    return;
  }
  if (handshaking_.size() >= max_handshakes_) {
    ++stats_.handshakes_refused;
    refused_log_.write_lazy([&] {
      return "connection attempt from " + from.to_string() + " ignored: " + std::to_string(max_handshakes_) +
             " handshakes in progress already";
    });
    return;
  }
  std::optional<ngtcp2_cid> original_dcid;
  ByteView token(header.token.base, header.token.len);
  if (header.type == NGTCP2_PKT_INITIAL && !token.empty() && token[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY) {
    ngtcp2_cid odcid{};
    if (ngtcp2_crypto_verify_retry_token(&odcid, token.data(), token.size(), retry_secret_.data(),
                                         retry_secret_.size(), header.version, from.data(), from.length(),
                                         &header.dcid, kRetryTokenLifetimeNs, clock::now_ns()) != 0) {
      ++stats_.invalid_retry_tokens;
      retry_log_.write_lazy([&] { return "invalid Retry token from " + from.to_string() + ": dropped"; });
      return;
    }
    original_dcid = odcid;
  } else if (handshaking_.size() * 2 >= max_handshakes_) {
    // Under load only clients that prove their address get handshake state.
    send_retry(socket_index, header, from);
    return;
  }
  ConnectionId id = g_next_connection_id.fetch_add(1);
  auto conn = std::make_unique<QuicConnection>(*this, id, settings_, *sockets_[socket_index]);
  QuicConnection::ServerParams params{
      &header, from, credentials_->native().credentials, sni_filter_, &reset_secret_, original_dcid, token};
  if (Status st = conn->init_server(params); !st) {
    forget_cids(conn.get());
    ++stats_.connections_refused;
    accept_error_log_.write_lazy(
        [&] { return "cannot accept a connection from " + from.to_string() + ": " + st.error().message; });
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
  if (!ref.handshake_completed()) handshaking_.insert(id);
  ++stats_.connections_accepted;
  accepted_log_.write_lazy(
      [&] { return "connection " + std::to_string(id) + " from " + from.to_string() + " accepted"; });
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

void Endpoint::Impl::send_retry(size_t socket_index, const ngtcp2_pkt_hd& header, const SocketAddress& to) {
  ngtcp2_cid retry_scid{};
  retry_scid.datalen = kConnectionIdLength;
  make_connection_id(retry_scid.data, retry_scid.datalen, cid_tag());
  uint8_t token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
  ngtcp2_ssize tokenlen =
      ngtcp2_crypto_generate_retry_token(token, retry_secret_.data(), retry_secret_.size(), header.version,
                                         to.data(), to.length(), &retry_scid, &header.dcid, clock::now_ns());
  if (tokenlen < 0) return;
  uint8_t buffer[NGTCP2_MAX_UDP_PAYLOAD_SIZE];
  ngtcp2_ssize n = ngtcp2_crypto_write_retry(buffer, sizeof buffer, header.version, &header.scid, &retry_scid,
                                             &header.dcid, token, static_cast<size_t>(tokenlen));
  if (n <= 0) return;
  sockets_[socket_index]->send_to(to, ByteView(buffer, static_cast<size_t>(n)));
  ++stats_.retries_sent;
}

void Endpoint::Impl::send_stateless_reset(size_t socket_index, const SocketAddress& to,
                                          const ngtcp2_version_cid& vc, size_t trigger_size) {
  if (!reset_bucket_.take(clock::now_ns())) return;
  ngtcp2_cid cid{};
  ngtcp2_cid_init(&cid, vc.dcid, vc.dcidlen);
  uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN];
  if (ngtcp2_crypto_generate_stateless_reset_token(token, reset_secret_.data(), reset_secret_.size(), &cid) !=
      0)
    return;
  const size_t length = std::min(trigger_size - 1, kMaxResetLength);
  uint8_t random[kMaxResetLength];
  const size_t randlen = length - 1 - NGTCP2_STATELESS_RESET_TOKENLEN;
  gnutls_rnd(GNUTLS_RND_NONCE, random, randlen);
  uint8_t buffer[kMaxResetLength];
  ngtcp2_ssize n = ngtcp2_pkt_write_stateless_reset(buffer, sizeof buffer, token, random, randlen);
  if (n <= 0) return;
  sockets_[socket_index]->send_to(to, ByteView(buffer, static_cast<size_t>(n)));
  ++stats_.stateless_resets_sent;
}

bool Endpoint::Impl::receive_stateless_reset(ByteView data) {
  if (data.size() < 1 + NGTCP2_MIN_STATELESS_RESET_RANDLEN + NGTCP2_STATELESS_RESET_TOKENLEN) return false;
  ByteView token = data.subspan(data.size() - NGTCP2_STATELESS_RESET_TOKENLEN);
  for (auto& [id, conn] : connections_) {
    if (!conn->matches_stateless_reset(token)) continue;
    ++stats_.stateless_resets_received;
    conn->on_stateless_reset();
    return true;
  }
  return false;
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

void Endpoint::Impl::add_table_stats(EndpointStats& out) const {
  out.connections_in_memory = connections_.size();
  out.handshakes_in_progress = handshaking_.size();
  out.cid_table_buckets = by_cid_.bucket_count();
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

EndpointStats& operator+=(EndpointStats& total, const EndpointStats& more) noexcept {
  total.packets_received += more.packets_received;
  total.bytes_received += more.bytes_received;
  total.invalid_packets += more.invalid_packets;
  total.unknown_connection_packets += more.unknown_connection_packets;
  total.version_negotiations_sent += more.version_negotiations_sent;
  total.connections_accepted += more.connections_accepted;
  total.connections_refused += more.connections_refused;
  total.connections_opened += more.connections_opened;
  total.connections_closed += more.connections_closed;
  total.connections_in_memory += more.connections_in_memory;
  total.handshakes_in_progress += more.handshakes_in_progress;
  total.handshakes_refused += more.handshakes_refused;
  total.tls_handshakes_refused += more.tls_handshakes_refused;
  total.handshake_timeouts += more.handshake_timeouts;
  total.retries_sent += more.retries_sent;
  total.invalid_retry_tokens += more.invalid_retry_tokens;
  total.stateless_resets_sent += more.stateless_resets_sent;
  total.stateless_resets_received += more.stateless_resets_received;
  total.cid_table_buckets += more.cid_table_buckets;
  total.packets_handed_over += more.packets_handed_over;
  total.packets_taken_over += more.packets_taken_over;
  return total;
}

Result<std::unique_ptr<Endpoint>> Endpoint::create_server(EventLoop& loop, ServerConfig config,
                                                          EndpointCallbacks callbacks) {
  if (config.handshake_timeout_ms != 0) {
    config.transport.handshake_timeout_ms =
        std::min(config.transport.handshake_timeout_ms, config.handshake_timeout_ms);
  }
  auto impl = std::make_shared<Impl>(loop, std::move(callbacks), config.transport, true);
  impl->credentials_ = config.credentials;
  if (!impl->credentials_) {
    auto generated = TlsCredentials::generate_self_signed("localhost");
    if (!generated) return std::move(generated).error();
    impl->credentials_ = std::move(generated.value());
  }
  impl->max_connections_ = config.max_connections;
  impl->max_handshakes_ =
      config.max_handshakes != 0 ? config.max_handshakes : std::max<size_t>(16, config.max_connections / 4);
  take_secret(config.stateless_reset_secret, impl->reset_secret_);
  take_secret(config.retry_token_secret, impl->retry_secret_);
  impl->sni_filter_ = std::move(config.sni_filter);
  impl->shard_ = std::move(config.shard);
  WZP_TRY(impl->open_socket(config.bind_address, config.reuse_port));
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
  impl_->add_table_stats(out);
  return out;
}

void Endpoint::shutdown(uint64_t app_error_code, std::string_view reason) {
  impl_->shutdown(app_error_code, reason);
}

void Endpoint::receive_handed_over(const SocketAddress& from, ByteView packet) {
  impl_->receive_handed_over(from, packet);
}

}  // namespace wzp::transport

#include "relay/relay_server.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <thread>

#include "core/clock.hpp"
#include "core/hex.hpp"
#include "core/log.hpp"
#include "crypto/fingerprint.hpp"
#include "handshake/signal_handshake.hpp"
#include "relay/relay_secrets.hpp"
#include "wire/close_codes.hpp"
#include "wire/media_packet.hpp"
#include "wire/signal_message.hpp"
#include "wire/sni.hpp"

#include <sodium.h>

namespace wzp::relay {
namespace {

constexpr std::string_view kLog = "relay";
// Signals a client may send back to back while its token is being checked (the
// reference client sends AuthToken and CallOffer without waiting).
constexpr size_t kMaxHeldSignals = 8;

std::string describe_peer(const std::string& remote, const std::string& room) {
  return remote + (room.empty() ? "" : " room " + room);
}

bool is_wildcard(const transport::SocketAddress& address) {
  auto ip = address.ip_string();
  return ip == "0.0.0.0" || ip == "::";
}

}  // namespace

struct RelayServer::Peer {
  enum class Phase { quic, awaiting_token, authenticating, awaiting_offer, joined, probe, closing };

  transport::ConnectionId id = 0;
  Phase phase = Phase::quic;
  std::string room;
  std::string remote;
  std::optional<AuthIdentity> token;
  std::optional<std::string> fingerprint;  // handshake identity (display form)
  std::deque<wire::SignalMessage> held;    // received while authenticating
  uint64_t auth_generation = 0;
  AuthClient::CheckId auth_check = 0;  // pending token check, cancelled if the connection goes
  std::optional<EventLoop::TimerId> deadline;
  ParticipantId participant = 0;
  std::optional<handshake::SessionMode> media_session;  // chosen by the handshake
  bool room_peers = false;                              // agreed to the room extension ("wzp_peers")
  bool trunking = false;                                // receives TrunkFrames ("wzp_trunk")
  bool counted = false;  // holds one of max_sessions (handshake completed, not refused)
  uint8_t shard = 0;     // the loop that runs its connection
  // This sender's datagrams over its rate limit, counted by its shard's media path.
  std::shared_ptr<std::atomic<uint64_t>> rate_limited = std::make_shared<std::atomic<uint64_t>>(0);
  std::optional<std::string> presence_fp;  // registered in presence while joined
  std::string session_id;                  // 32 hex digits, the per-session metrics' label, from joining on
  std::optional<crypto::Fingerprint> acl_fp;  // the fingerprint the access list checked (see handle_offer)
};

RelayServer::RelayServer(RelayConfig config, EventSink sink)
    : config_(std::move(config)),
      sink_(std::move(sink)),
      presence_(std::make_unique<PresenceRegistry>(config_.presence_limits)) {}

Result<std::unique_ptr<RelayServer>> RelayServer::start(RelayConfig config, EventSink sink) {
  auto address = transport::SocketAddress::from_ip(config.listen_host, config.listen_port);
  if (!address) {
    return make_error(Errc::invalid_argument,
                      "listen address '" + config.listen_host + "' is not an IP address");
  }
  std::optional<RedisUrl> redis_url;
  if (!config.presence_redis.empty()) {
    auto parsed = parse_redis_url(config.presence_redis);
    if (!parsed) return std::move(parsed).error();
    redis_url = std::move(*parsed);
  }
  if (!config.credentials) {
    auto generated = transport::TlsCredentials::generate_self_signed("localhost");
    if (!generated) return std::move(generated).error();
    config.credentials = *generated;
  }
  size_t threads = config.threads != 0 ? config.threads : std::max(1U, std::thread::hardware_concurrency());
  if (threads > kMaxRelayThreads) {
    return make_error(Errc::invalid_argument, "threads: " + std::to_string(threads) +
                                                  " is over the maximum of " +
                                                  std::to_string(kMaxRelayThreads));
  }
  std::unique_ptr<RelayServer> relay(new RelayServer(std::move(config), std::move(sink)));
  RelayServer* self = relay.get();
  self->config_.threads = threads;
  ShardContext context{&self->config_, &self->counters_, &self->session_metrics_, &self->shards_, threads};
  for (size_t i = 0; i < threads; ++i)
    self->shards_.push_back(std::make_unique<RelayShard>(static_cast<uint8_t>(i), context));
  self->cert_sha256_ = self->config_.credentials->certificate_sha256();
  self->acl_ = self->config_.acl;  // rooms whose entries were all revoked stay listed
  self->registry_.set_max_per_room(self->config_.max_room_size);
  if (auto mesh = self->configure_mesh(); !mesh) return std::move(mesh).error();
  for (const auto& text : self->config_.trusted_bridges) {
    auto fp = crypto::Fingerprint::parse(text);
    if (!fp)
      return make_error(Errc::invalid_argument, "trusted bridge '" + text + "': " + fp.error().message);
    self->trusted_bridges_.insert(fp->to_display());
  }
  if (self->config_.auth_url) {
    self->auth_ = std::make_unique<AuthClient>(
        AuthClientConfig{*self->config_.auth_url, self->config_.auth_timeout_ms,
                         self->config_.max_auth_pending, self->config_.max_auth_pending_per_address});
  }

  if (auto opened = self->open_shards(*address); !opened) return std::move(opened).error();
  self->presence_->set_listener([self](const PresenceChange& change) {
    // The mesh lives on the first loop: changes made elsewhere (another loop,
    // a presence backend's thread) hop onto it.
    RelayShard& first = *self->shards_.front();
    if (first.loop().in_loop_thread()) {
      auto lock = self->control();
      self->on_presence_change(change);
    } else {
      first.loop().post([self, change] {
        auto lock = self->control();
        self->on_presence_change(change);
      });
    }
  });
  self->mesh_->set_advertise(self->advertised_);
  self->mesh_->set_guard(&self->control_);
  self->mesh_->start(*self->shards_.front()->endpoint());
  self->schedule_presence_expiry();
  if (redis_url) {
    RedisPresenceOptions options;
    options.url = std::move(*redis_url);
    options.advertised = self->advertised_.empty() ? self->address_ : self->advertised_;
    options.ttl = std::chrono::seconds(std::max<uint32_t>(self->config_.presence_ttl_s, 1));
    auto sync = RedisPresenceSync::start(*self->presence_, std::move(options));
    if (!sync) return std::move(sync).error();
    self->redis_presence_ = std::move(*sync);
    self->redis_counters_ = self->redis_presence_->shared_counters();
  }
  for (auto& shard : self->shards_) {
    shard->start_stats_refresh();
    shard->loop().start();
  }
  if (self->config_.metrics_port) {
    HttpApiConfig http{self->config_.metrics_bind, *self->config_.metrics_port, self->config_.http_token,
                       self->config_.http_admin_token, 4};
    auto api = HttpApi::start(std::move(http), self->http_routes());
    if (!api) return std::move(api).error();  // the relay stops as it goes out of scope
    self->http_ = std::move(*api);
  }

  std::string auth = self->config_.auth_url ? "token auth via " + *self->config_.auth_url : "no token auth";
  WZP_LOG(info, kLog,
          "listening on " + address->to_string().substr(0, address->to_string().rfind(':')) + ":" +
              std::to_string(self->port_) + ", identity " +
              self->config_.identity.fingerprint().to_display() + ", " + auth + ", max " +
              std::to_string(self->config_.max_sessions) + " sessions, " + std::to_string(threads) +
              (threads == 1 ? " thread" : " threads") + ", ACL " +
              (!self->acl_.enabled()       ? "off"
               : self->acl_.default_deny() ? "on (unlisted rooms denied)"
                                           : "on"));
  const bool mesh = !self->config_.probe_targets.empty() || !self->config_.mesh_peers.empty() ||
                    self->config_.mesh_open || !self->config_.presence_redis.empty();
  if (mesh) {
    WZP_LOG(
        info, "mesh",
        std::to_string(self->config_.probe_targets.size()) + " probe targets, " +
            std::to_string(self->config_.mesh_peers.size()) + " mesh peers, advertising " +
            (self->advertised_.empty() ? std::string("nothing") : self->advertised_) +
            (self->config_.mesh_open ? ", mesh-open: presence from unauthenticated relays is accepted" : ""));
  }
  uint64_t gossip_period_ms = uint64_t{self->config_.probe_interval_ms} * self->config_.gossip_every_pings;
  if (!self->config_.probe_targets.empty() &&
      uint64_t{self->config_.presence_ttl_s} * 1000 <= gossip_period_ms) {
    WZP_LOG(warn, "mesh",
            "the presence TTL (" + std::to_string(self->config_.presence_ttl_s) +
                " s) does not outlast the gossip period (" + std::to_string(gossip_period_ms / 1000) +
                " s): peers' users will blink offline between gossips");
  }
  if (mesh && self->advertised_.empty()) {
    WZP_LOG(warn, "mesh",
            "listening on a wildcard address without an advertised address: gossip names the address "
            "each peer sees (the reference's behaviour, which files this relay's users under the wrong "
            "address) and Redis the wildcard; set --advertise HOST:PORT");
  }
  return relay;
}

transport::EndpointCallbacks RelayServer::shard_callbacks(uint8_t index) {
  transport::EndpointCallbacks callbacks;
  // The control plane takes the relay's lock; the media path (on_datagram) is the shard's own.
  callbacks.on_new_connection = [this, index](transport::Connection& c) {
    auto lock = control();
    on_new_connection(c, index);
  };
  callbacks.on_handshake_completed = [this](transport::Connection& c) {
    auto lock = control();
    on_handshake_completed(c);
  };
  callbacks.on_signal = [this](transport::Connection& c, ByteView p) {
    auto lock = control();
    on_signal(c, p);
  };
  callbacks.on_signal_error = [this](transport::Connection& c, const Error& e) {
    auto lock = control();
    on_signal_error(c, e);
  };
  RelayShard* shard = shards_[index].get();
  callbacks.on_datagram = [shard](transport::Connection& c, ByteView d) { shard->on_datagram(c, d); };
  callbacks.on_closed = [this](transport::Connection& c, const transport::CloseInfo& i) {
    auto lock = control();
    on_closed(c, i);
  };
  callbacks.on_handshake_refused = [this](const transport::HandshakeRefusal& r) {
    auto lock = control();
    on_handshake_refused(r);
  };
  return callbacks;
}

Status RelayServer::open_shards(const transport::SocketAddress& address) {
  const size_t count = shards_.size();
  transport::SocketAddress bind = address;
  for (size_t i = 0; i < count; ++i) {
    transport::ServerConfig server;
    server.bind_address = bind;
    server.credentials = config_.credentials;
    server.transport = config_.transport;
    // Refuse names a reference relay's TLS stack refuses, during the TLS handshake.
    server.sni_filter = [](const std::optional<std::string>& sni) {
      return !sni || wire::is_valid_sni(*sni);
    };
    // Half-open handshakes get their own budget, shared out between the loops;
    // only completed ones count against max_sessions (on_handshake_completed).
    const size_t handshakes =
        config_.max_handshakes != 0 ? config_.max_handshakes : std::max<size_t>(16, config_.max_sessions / 4);
    server.max_handshakes = std::max<size_t>(count == 1 ? 1 : 16, handshakes / count);
    server.handshake_timeout_ms = config_.handshake_timeout_ms;
    // Every loop answers for every connection alike: one reset and one Retry key.
    server.stateless_reset_secret = derive_endpoint_secret(config_.identity, kStatelessResetLabel);
    server.retry_token_secret = derive_endpoint_secret(config_.identity, kRetryTokenLabel);
    if (count > 1) {
      server.reuse_port = true;
      server.shard.index = static_cast<uint8_t>(i);
      server.shard.count = static_cast<uint8_t>(count);
      server.shard.hand_over = [this](uint8_t owner, const transport::SocketAddress& from, ByteView packet) {
        shards_[owner]->take_over(from, packet);
      };
    }
    auto endpoint =
        transport::Endpoint::create_server(shards_[i]->loop(), std::move(server), shard_callbacks(i));
    if (!endpoint) return std::move(endpoint).error();
    shards_[i]->set_endpoint(std::move(*endpoint));
    if (i == 0) {
      bind = shards_[0]->endpoint()->local_address();  // the port picked, for the other loops
      port_ = bind.port();
      address_ = bind.to_string();
      if (config_.advertise.empty() && !is_wildcard(address)) advertised_ = address_;
    }
  }
  return {};
}

RelayShard* RelayServer::current_shard() const {
  for (const auto& shard : shards_) {
    if (shard->loop().in_loop_thread()) return shard.get();
  }
  return nullptr;
}

RelayShard& RelayServer::shard_of(const Peer& peer) const { return *shards_[peer.shard]; }

transport::Connection* RelayServer::connection(const Peer& peer) const {
  RelayShard& shard = shard_of(peer);
  auto* endpoint = shard.endpoint();
  return endpoint != nullptr && (shard.loop().in_loop_thread() || !shard.loop().running())
             ? endpoint->find(peer.id)
             : nullptr;
}

void RelayServer::post_to_shards(const std::function<void(RelayShard&)>& task) {
  for (auto& shard : shards_) {
    RelayShard* target = shard.get();
    target->loop().post([target, task] { task(*target); });
  }
}

void RelayServer::publish_room(const std::string& room) {
  auto key = room_keys_.find(room);
  if (key == room_keys_.end()) return;
  std::vector<MediaRoute> members;
  if (auto it = registry_.rooms().find(room); it != registry_.rooms().end()) {
    for (const auto& p : it->second) {
      const Peer* peer = find_peer(p.connection);
      members.push_back(MediaRoute{p.connection, peer != nullptr ? peer->shard : uint8_t{0},
                                   peer != nullptr && peer->trunking});
    }
  }
  const uint64_t id = key->second;
  if (members.empty()) room_keys_.erase(key);
  auto shared = std::make_shared<const std::vector<MediaRoute>>(std::move(members));
  for (auto& shard : shards_) shard->publish_room(id, shared);
}

Status RelayServer::configure_mesh() {
  MeshConfig mesh;
  for (const auto& text : config_.probe_targets) {
    auto target = parse_probe_target(text);
    if (!target) return std::move(target).error();
    for (const auto& other : mesh.targets) {
      if (other.label == target->label)
        return make_error(Errc::invalid_argument, "probe target " + target->label + " is given twice");
    }
    mesh.targets.push_back(std::move(*target));
  }
  if (!config_.advertise.empty()) {
    auto address = transport::SocketAddress::parse(config_.advertise);
    if (!address || address->port() == 0 || is_wildcard(*address)) {
      return make_error(Errc::invalid_argument,
                        "advertised address '" + config_.advertise + "' is not IP:PORT (IPv6 in brackets)");
    }
    advertised_ = address->to_string();
  }
  for (const auto& text : config_.mesh_peers) {
    auto fp = crypto::Fingerprint::parse(text);
    if (!fp) return make_error(Errc::invalid_argument, "mesh peer '" + text + "': " + fp.error().message);
    mesh.mesh_peers.insert(fp->to_display());
  }
  mesh.mesh_open = config_.mesh_open;
  mesh.ping_interval_ms = config_.probe_interval_ms;
  mesh.gossip_every_pings = config_.gossip_every_pings;
  mesh.gossip_debounce_ms = config_.gossip_debounce_ms;
  mesh.reference_sni = config_.reference_probe_sni;
  if (config_.presence_ttl_s == 0) config_.presence_ttl_s = 30;
  mesh_ = std::make_unique<ProbeMesh>(shards_.front()->loop(), config_.identity, *presence_, std::move(mesh),
                                      counters_.mesh);
  return {};
}

void RelayServer::schedule_presence_expiry() {
  uint64_t ttl_ms = uint64_t{config_.presence_ttl_s} * 1000;
  uint64_t period_ms = config_.presence_expiry_interval_ms != 0 ? config_.presence_expiry_interval_ms
                                                                : std::clamp<uint64_t>(ttl_ms / 4, 100, 5000);
  expiry_timer_ = shards_.front()->loop().add_timer(clock::now_ns() + period_ms * 1'000'000, [this, ttl_ms] {
    auto lock = control();
    expiry_timer_.reset();
    if (stopped_) return;
    size_t expired = presence_->expire_stale(std::chrono::milliseconds(ttl_ms));
    if (expired != 0) WZP_LOG(info, "mesh", std::to_string(expired) + " remote presence entries expired");
    mesh_->prune_bindings();
    schedule_presence_expiry();
  });
}

void RelayServer::register_presence(Peer& peer) {
  // The authenticated fingerprint: the token's (bound to the handshake identity
  // unless allow_identity_mismatch), else the handshake identity's.
  std::string fp = peer.token ? peer.token->fingerprint : peer.fingerprint.value_or("");
  if (fp.empty()) return;
  std::optional<std::string> alias;
  if (peer.token) alias = peer.token->alias;
  auto registered = presence_->register_local(fp, peer.id, alias, peer.room);
  if (registered == PresenceRegistry::Registered::full) {
    reject_log_.write("presence registry full: " + fp + " is not listed as online");
    return;
  }
  peer.presence_fp = fp;
}

void RelayServer::on_presence_change(const PresenceChange& change) {
  RelayEvent event{
      RelayEventType::presence, 0, change.room.value_or(""), change.fingerprint, {}, false, std::nullopt};
  event.online = change.online;
  if (!change.location.local) event.relay_addr = change.location.relay_addr;
  WZP_LOG(debug, "mesh",
          change.fingerprint + (change.online ? " online" : " offline") +
              (change.location.local ? std::string(" here") : " at " + change.location.relay_addr));
  emit(std::move(event));
  if (change.location.local && mesh_) mesh_->local_changed();
}

std::vector<ProbeStatus> RelayServer::probe_status() const { return mesh_->status(); }

std::map<std::string, std::string> RelayServer::probe_peers() const { return mesh_->authenticated_peers(); }

RelayServer::~RelayServer() { stop(); }

void RelayServer::stop() {
  if (http_) http_->stop();  // before anything its routes read goes away
  if (shards_.empty()) return;
  RelayShard& first = *shards_.front();
  bool already = first.loop().run_sync([this, &first] {
    auto lock = control();
    if (stopped_) return true;
    stopped_ = true;
    if (mesh_) mesh_->stop();
    if (expiry_timer_) first.loop().cancel_timer(*expiry_timer_);
    expiry_timer_.reset();
    return false;
  });
  if (already) return;
  // Every connection gets WZP_CLOSE_SHUTDOWN and an on_closed (LEFT events), loop by loop.
  for (auto& shard : shards_) {
    shard->loop().run_sync([&shard] {
      shard->stop();
      if (auto* endpoint = shard->endpoint())
        endpoint->shutdown(wire::code_value(wire::CloseCode::shutdown), "relay is shutting down");
    });
  }
  for (auto& shard : shards_) shard->loop().run_sync([&shard] { shard->release_endpoint(); });
  auth_.reset();            // joins the auth thread; late results find no peer
  redis_presence_.reset();  // after every connection left: withdraws this relay's users
  for (auto& shard : shards_) shard->loop().stop();
  WZP_LOG(info, kLog, "stopped");
}

transport::EndpointStats RelayServer::transport_stats() const {
  transport::EndpointStats total;
  const RelayShard* here = current_shard();
  for (const auto& shard : shards_) {
    // A loop never waits for another: from a loop thread the others' last snapshot.
    transport::EndpointStats s = here == nullptr
                                     ? shard->loop().run_sync([&] { return shard->transport_stats(); })
                                 : here == shard.get() ? shard->transport_stats()
                                                       : shard->stats_snapshot();
    total += s;
  }
  return total;
}

RelayServer::Peer* RelayServer::find_peer(transport::ConnectionId id) {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second.get();
}

void RelayServer::emit(RelayEvent event) {
  if (sink_) sink_(std::move(event));
}

void RelayServer::on_new_connection(transport::Connection& conn, uint8_t shard) {
  counters_.connections_accepted.fetch_add(1, std::memory_order_relaxed);
  if (stopped_) {
    conn.close(wire::code_value(wire::CloseCode::shutdown), "relay is shutting down");
    return;
  }
  // The session cap is checked once the handshake completes: a handshake in
  // progress holds one of the endpoint's max_handshakes slots instead.
  auto peer = std::make_unique<Peer>();
  peer->id = conn.id();
  peer->remote = conn.remote_address().to_string();
  peer->shard = shard;
  peers_.emplace(conn.id(), std::move(peer));
}

void RelayServer::refuse_full(transport::Connection& conn) {
  std::string reason = "relay is full (" + std::to_string(config_.max_sessions) + " sessions)";
  counters_.rejected_full.fetch_add(1, std::memory_order_relaxed);
  refusals_.add(wire::CloseCode::server_full);
  full_log_.write("refusing " + conn.remote_address().to_string() + ": " + reason);
  RelayEvent event{RelayEventType::rejected, conn.id(), {}, std::nullopt, {}, false, std::nullopt};
  event.close = {transport::CloseKind::local, wire::code_value(wire::CloseCode::server_full), false, reason};
  emit(std::move(event));
  conn.close(wire::code_value(wire::CloseCode::server_full), reason);
}

void RelayServer::on_handshake_completed(transport::Connection& conn) {
  if (!conn.is_server()) {  // our own probe links
    mesh_->on_handshake_completed(conn);
    return;
  }
  Peer* peer = find_peer(conn.id());
  if (peer == nullptr || peer->phase != Peer::Phase::quic) return;
  // Only now can the close carry our code and reason (during the handshake
  // QUIC allows only a bare APPLICATION_ERROR), so every connection over
  // the cap learns why.
  if (counters_.sessions_active.load(std::memory_order_relaxed) >= config_.max_sessions) {
    peer->phase = Peer::Phase::closing;
    refuse_full(conn);
    return;
  }
  peer->counted = true;
  counters_.sessions_active.fetch_add(1, std::memory_order_relaxed);
  if (conn.sni_present() && !wire::is_valid_sni(conn.sni())) {
    reject(*peer, conn, wire::CloseCode::handshake_failed, "SNI '" + conn.sni() + "' is not a valid DNS name",
           counters_.handshakes_failed);
    return;
  }
  peer->room =
      wire::room_from_sni(conn.sni_present() ? std::optional<std::string_view>(conn.sni()) : std::nullopt);
  if (peer->room == kSniMeshProbe || peer->room == wire::kSniProbe) {
    // A probe: Ping/Pong and gossip only (it still holds one of max_sessions).
    peer->phase = Peer::Phase::probe;
    mesh_->accept(conn);
    return;
  }
  WZP_LOG(debug, kLog, "connection from " + describe_peer(peer->remote, peer->room));
  if (config_.auth_url) {
    peer->phase = Peer::Phase::awaiting_token;
    arm_phase_deadline(*peer, "AuthToken");
  } else {
    peer->phase = Peer::Phase::awaiting_offer;
    arm_phase_deadline(*peer, "CallOffer");
  }
}

void RelayServer::arm_phase_deadline(Peer& peer, const std::string& awaited) {
  arm_deadline(peer, config_.phase_timeout_ms, wire::CloseCode::timeout,
               "no " + awaited + " within " + std::to_string(config_.phase_timeout_ms) + " ms");
}

void RelayServer::arm_deadline(Peer& peer, uint32_t timeout_ms, wire::CloseCode code, std::string reason) {
  EventLoop& loop = shard_of(peer).loop();
  if (peer.deadline) loop.cancel_timer(*peer.deadline);
  uint64_t deadline = clock::now_ns() + uint64_t{timeout_ms} * 1'000'000;
  peer.deadline = loop.add_timer(deadline, [this, id = peer.id, code, reason = std::move(reason)] {
    auto lock = control();
    Peer* p = find_peer(id);
    if (p == nullptr) return;
    p->deadline.reset();
    if (p->phase == Peer::Phase::joined || p->phase == Peer::Phase::closing) return;
    if (auto* conn = connection(*p)) {
      reject(*p, *conn, code, reason,
             code == wire::CloseCode::auth_unavailable ? counters_.auth_unavailable
                                                       : counters_.rejected_timeout);
    }
  });
}

void RelayServer::reject(Peer& peer, transport::Connection& conn, wire::CloseCode code,
                         const std::string& reason, std::atomic<uint64_t>& counter) {
  if (peer.phase == Peer::Phase::closing) return;
  peer.phase = Peer::Phase::closing;
  if (peer.deadline) {
    shard_of(peer).loop().cancel_timer(*peer.deadline);
    peer.deadline.reset();
  }
  counter.fetch_add(1, std::memory_order_relaxed);
  refusals_.add(code);
  // Any client can make the relay reject it (a bad token, junk signals): throttled.
  reject_log_.write_lazy([&] {
    return "rejecting " + describe_peer(peer.remote, peer.room) + ": " +
           std::string(wire::close_code_name(code_value(code))) + " (" + reason + ")";
  });
  RelayEvent event{RelayEventType::rejected, peer.id, peer.room, peer.fingerprint, {}, false, std::nullopt};
  event.close = {transport::CloseKind::local, wire::code_value(code), false, reason};
  emit(std::move(event));
  conn.close(wire::code_value(code), reason);
}

void RelayServer::on_signal(transport::Connection& conn, ByteView payload) {
  if (!conn.is_server()) {
    mesh_->on_signal(conn, payload);
    return;
  }
  Peer* peer = find_peer(conn.id());
  if (peer == nullptr || peer->phase == Peer::Phase::closing) return;
  counters_.signals_received.fetch_add(1, std::memory_order_relaxed);
  if (peer->phase == Peer::Phase::probe) {
    mesh_->on_signal(conn, payload);
    return;
  }
  auto value = wire::json::parse(as_chars(payload));
  if (value && peer->phase == Peer::Phase::joined && peer->room_peers && wire::is_room_message(*value)) {
    auto room_message = wire::decode_room_message(*value);
    if (room_message) {
      handle_room_message(*peer, std::move(*room_message));
    } else {
      counters_.rejected_malformed.fetch_add(1, std::memory_order_relaxed);
      WZP_LOG(debug, kLog,
              "ignoring malformed room message from " + peer->remote + ": " + room_message.error().message);
    }
    return;
  }
  auto message =
      value ? wire::decode_json_value(*value) : Result<wire::SignalMessage>(std::move(value).error());
  if (!message) {
    if (peer->phase == Peer::Phase::joined) {
      // After joining, signals are informational: a bad one is counted, not fatal.
      counters_.rejected_malformed.fetch_add(1, std::memory_order_relaxed);
      WZP_LOG(debug, kLog, "ignoring malformed signal from " + peer->remote + ": " + message.error().message);
      return;
    }
    reject(*peer, conn, wire::CloseCode::malformed_signal, "malformed signal: " + message.error().message,
           counters_.rejected_malformed);
    return;
  }
  handle_signal(*peer, conn, std::move(*message));
}

void RelayServer::handle_signal(Peer& peer, transport::Connection& conn, wire::SignalMessage message) {
  switch (peer.phase) {
    case Peer::Phase::quic:
    case Peer::Phase::probe:
    case Peer::Phase::closing: return;
    case Peer::Phase::awaiting_token:
      if (const auto* token = std::get_if<wire::AuthToken>(&message)) {
        handle_auth_token(peer, token->token);
      } else {
        reject(peer, conn, wire::CloseCode::auth_required,
               "this relay requires an AuthToken as the first signal, got " +
                   std::string(wire::variant_name(message)),
               counters_.auth_rejected);
      }
      return;
    case Peer::Phase::authenticating:
      if (peer.held.size() >= kMaxHeldSignals) {
        reject(peer, conn, wire::CloseCode::malformed_signal,
               "too many signals before authentication completed", counters_.rejected_malformed);
        return;
      }
      peer.held.push_back(std::move(message));
      return;
    case Peer::Phase::awaiting_offer: handle_offer(peer, conn, message); return;
    case Peer::Phase::joined:
      if (const auto* hangup = std::get_if<wire::Hangup>(&message)) {
        // The client is leaving: report it now, with its reason, then close.
        std::string reason = "hangup (" + std::string(wire::hangup_reason_name(hangup->reason)) + ")";
        leave_room(peer, {transport::CloseKind::application, wire::code_value(wire::CloseCode::normal), false,
                          reason});
        peer.phase = Peer::Phase::closing;
        conn.close(wire::code_value(wire::CloseCode::normal), "normal close");
      }
      return;
  }
}

void RelayServer::handle_auth_token(Peer& peer, const std::string& token) {
  peer.phase = Peer::Phase::authenticating;
  // The token is here: from now on the wait is for the auth server. Its HTTP
  // timeout normally answers first; this also bounds time spent queued.
  uint32_t auth_deadline_ms = config_.auth_timeout_ms + config_.phase_timeout_ms;
  arm_deadline(peer, auth_deadline_ms, wire::CloseCode::auth_unavailable,
               "auth server unavailable: no answer within " + std::to_string(auth_deadline_ms) + " ms");
  uint64_t generation = ++peer.auth_generation;
  // Bounded per source IP, so one host's slow checks cannot fill the queue.
  auto* conn = connection(peer);
  std::string source = conn != nullptr ? conn->remote_address().ip_string() : std::string();
  peer.auth_check = auth_->validate(
      token,
      [this, id = peer.id, loop = &shard_of(peer).loop(), generation](Result<AuthIdentity> result) {
        // Runs on the auth thread (or here, when refused at once): hop back onto the peer's loop.
        loop->post([this, id, generation, result = std::move(result)]() mutable {
          auto lock = control();
          finish_auth(id, generation, std::move(result));
        });
      },
      std::move(source));
}

void RelayServer::finish_auth(transport::ConnectionId id, uint64_t generation, Result<AuthIdentity> result) {
  Peer* peer = find_peer(id);
  if (peer == nullptr || peer->auth_generation != generation) return;
  peer->auth_check = 0;
  if (peer->phase != Peer::Phase::authenticating) return;
  auto* conn = connection(*peer);
  if (conn == nullptr) return;
  if (!result) {
    const Error& e = result.error();
    if (e.code == Errc::auth_rejected) {
      reject(*peer, *conn, wire::CloseCode::auth_rejected, "token rejected: " + e.message,
             counters_.auth_rejected);
    } else {
      reject(*peer, *conn, wire::CloseCode::auth_unavailable, "auth server unavailable: " + e.message,
             counters_.auth_unavailable);
    }
    return;
  }
  counters_.auth_ok.fetch_add(1, std::memory_order_relaxed);
  WZP_LOG(info, kLog,
          "token accepted for " + describe_peer(peer->remote, peer->room) + ": fingerprint " +
              result->fingerprint + (result->alias ? " (" + *result->alias + ")" : ""));
  peer->token = std::move(*result);
  peer->phase = Peer::Phase::awaiting_offer;
  arm_phase_deadline(*peer, "CallOffer");
  std::deque<wire::SignalMessage> held;
  held.swap(peer->held);
  for (auto& message : held) {
    Peer* p = find_peer(id);
    if (p == nullptr || p->phase == Peer::Phase::closing) return;
    handle_signal(*p, *conn, std::move(message));
  }
}

void RelayServer::handle_offer(Peer& peer, transport::Connection& conn, const wire::SignalMessage& message) {
  handshake::Options options;
  options.require_v2 = config_.require_media_session_v2;
  // The histogram times the crypto work only: the reference's also includes
  // the wait for the client's CallOffer.
  const auto crypto_started = std::chrono::steady_clock::now();
  auto answered = handshake::answer_offer(config_.identity, message, options);
  const std::chrono::duration<double> crypto_time = std::chrono::steady_clock::now() - crypto_started;
  if (!answered) {
    std::string reason = "handshake failed: " + answered.error().message;
    if (std::holds_alternative<wire::AuthToken>(message) && !config_.auth_url) {
      reason += " (this relay does not use token authentication)";
    }
    reject(peer, conn, wire::CloseCode::handshake_failed, reason, counters_.handshakes_failed);
    return;
  }
  auto identity_fp = answered->session.peer_fingerprint();
  peer.fingerprint = identity_fp.to_display();
  if (peer.token && !config_.allow_identity_mismatch) {
    auto token_fp = crypto::Fingerprint::parse(peer.token->fingerprint);
    const bool bridged = trusted_bridges_.count(*peer.fingerprint) != 0;
    if (token_fp && bridged && !(*token_fp == identity_fp)) {
      ++counters_.bridged_sessions;
      WZP_LOG(info, "relay",
              "session " + std::to_string(peer.id) + ": trusted bridge " + *peer.fingerprint +
                  " speaks for " + token_fp->to_display());
    } else if (!token_fp || !(*token_fp == identity_fp)) {
      reject(peer, conn, wire::CloseCode::identity_mismatch,
             "token fingerprint '" + peer.token->fingerprint + "' does not match the handshake identity " +
                 *peer.fingerprint,
             counters_.rejected_identity);
      return;
    }
  }
  // The ACL checks the token's fingerprint when there is a token (the reference's rule),
  // otherwise the handshake identity: the only identity there is.
  std::optional<crypto::Fingerprint> acl_fp = identity_fp;
  if (peer.token) {
    auto token_fp = crypto::Fingerprint::parse(peer.token->fingerprint);
    acl_fp = token_fp ? std::optional(*token_fp) : std::nullopt;
  }
  if (auto admitted = acl_.admit(peer.room, acl_fp); !admitted) {
    std::string reason = admitted.error().message;
    if (peer.token && !acl_fp)
      reason += " (the token's fingerprint '" + peer.token->fingerprint + "' is not one)";
    reject(peer, conn, wire::CloseCode::acl_denied, reason, counters_.rejected_acl);
    return;
  }
  peer.acl_fp = acl_fp;  // checked again whenever the list changes (evict_unadmitted)
  std::optional<std::string> token_fp;
  if (peer.token) token_fp = peer.token->fingerprint;
  auto joined = registry_.join(peer.room, conn.id(), token_fp);
  if (!joined) {
    reject(peer, conn, wire::CloseCode::room_full, joined.error().message, counters_.rejected_full);
    return;
  }
  // The room extension: only for a client that offers it (a reference client never sees it).
  const auto* offer = std::get_if<wire::CallOffer>(&message);
  peer.room_peers = offer != nullptr && offer->peers_version == wire::kRoomPeersVersion;
  if (peer.room_peers) answered->answer.peers_version = wire::kRoomPeersVersion;
  // Trunking likewise: only a client that can decode TrunkFrames gets them.
  peer.trunking = config_.trunking && offer != nullptr && offer->trunk_version == wire::kTrunkVersion;
  if (peer.trunking) answered->answer.trunk_version = wire::kTrunkVersion;
  auto sent = conn.send_signal(as_bytes(wire::encode_json(wire::SignalMessage(answered->answer))));
  if (!sent) {
    registry_.leave(peer.room, *joined);
    reject(peer, conn, wire::CloseCode::handshake_failed, "cannot send CallAnswer: " + sent.error().message,
           counters_.handshakes_failed);
    return;
  }
  if (peer.room_peers) sent = send_member_list(peer, conn, *joined);
  if (!sent) {
    registry_.leave(peer.room, *joined);
    reject(peer, conn, wire::CloseCode::handshake_failed,
           "cannot send the room's member list: " + sent.error().message, counters_.handshakes_failed);
    return;
  }
  counters_.handshakes_ok.fetch_add(1, std::memory_order_relaxed);
  handshake_seconds_.observe(crypto_time.count());
  ByteArray<16> session_id{};
  randombytes_buf(session_id.data(), session_id.size());
  peer.session_id = to_hex(session_id);
  if (peer.deadline) {
    shard_of(peer).loop().cancel_timer(*peer.deadline);
    peer.deadline.reset();
  }
  peer.phase = Peer::Phase::joined;
  peer.participant = *joined;
  // The media path: the sender on its own loop, the room's new routes on every loop.
  auto [room_key, created] = room_keys_.try_emplace(peer.room, next_room_key_);
  if (created) ++next_room_key_;
  shard_of(peer).loop().post(
      [shard = &shard_of(peer), id = peer.id, room = room_key->second, session = peer.session_id,
       counter = peer.rate_limited] { shard->add_sender(id, room, session, counter); });
  if (config_.trunking) {
    post_to_shards([room = peer.room, id = peer.id](RelayShard& shard) { shard.trunk_add_sender(room, id); });
  }
  publish_room(peer.room);

  peer.media_session = answered->session.mode();
  (*peer.media_session == handshake::SessionMode::v2 ? counters_.media_sessions_v2
                                                     : counters_.media_sessions_reference)
      .fetch_add(1, std::memory_order_relaxed);
  conn.set_signal_limits(config_.joined_signal_limits);
  counters_.participants.fetch_add(1, std::memory_order_relaxed);
  counters_.rooms.store(registry_.room_count(), std::memory_order_relaxed);
  WZP_LOG(info, kLog,
          *peer.fingerprint + " joined " + describe_peer(peer.remote, peer.room) + " (" +
              std::to_string(registry_.room_size(peer.room)) + " in room, media session " +
              (*peer.media_session == handshake::SessionMode::v2 ? "v2" : "reference") +
              (peer.trunking ? ", trunking" : "") + ")");
  announce_join(peer);
  emit(RelayEvent{RelayEventType::joined, peer.id, peer.room, peer.fingerprint, {}, false, std::nullopt});
  register_presence(peer);
}

void RelayServer::on_signal_error(transport::Connection& conn, const Error& error) {
  if (!conn.is_server()) {
    counters_.mesh.probe_messages_malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  Peer* peer = find_peer(conn.id());
  if (peer == nullptr) return;
  if (peer->phase == Peer::Phase::probe) {
    counters_.mesh.probe_messages_malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (peer->phase == Peer::Phase::joined) {
    // The transport reset the stream; the session goes on.
    auto& counter =
        error.code == Errc::timeout ? counters_.signal_streams_timed_out : counters_.rejected_malformed;
    counter.fetch_add(1, std::memory_order_relaxed);
    WZP_LOG(debug, kLog, "ignoring bad signal stream from " + peer->remote + ": " + error.message);
    return;
  }
  reject(*peer, conn, wire::CloseCode::malformed_signal, "malformed signal: " + error.message,
         counters_.rejected_malformed);
}

void RelayServer::on_closed(transport::Connection& conn, const transport::CloseInfo& info) {
  if (!conn.is_server() || (mesh_ && mesh_->owns(conn.id()))) mesh_->on_closed(conn, info);
  auto it = peers_.find(conn.id());
  if (it == peers_.end()) return;
  std::unique_ptr<Peer> peer = std::move(it->second);
  peers_.erase(it);
  if (peer->deadline) shard_of(*peer).loop().cancel_timer(*peer->deadline);
  // Nobody waits for its token check any more: free the slot it holds.
  if (peer->auth_check != 0 && auth_ && auth_->cancel(peer->auth_check))
    counters_.auth_cancelled.fetch_add(1, std::memory_order_relaxed);
  // Last: whoever sees the session gone also sees the cancelled check counted.
  if (peer->counted) counters_.sessions_active.fetch_sub(1, std::memory_order_release);
  if (peer->phase == Peer::Phase::joined) {
    leave_room(*peer, info);
  } else if (peer->phase != Peer::Phase::closing) {
    WZP_LOG(debug, kLog,
            "connection from " + peer->remote + " ended before joining: " + transport::describe(info));
  }
}

void RelayServer::on_handshake_refused(const transport::HandshakeRefusal& refusal) {
  // The transport logged it; here it becomes a counter and an event. The
  // client saw a TLS alert (a transport error), not this code: before the
  // handshake QUIC cannot carry an application close.
  counters_.tls_refused.fetch_add(1, std::memory_order_relaxed);
  refusals_.add(wire::CloseCode::handshake_failed);
  std::string room;
  if (refusal.sni) room = wire::room_from_sni(std::optional<std::string_view>(*refusal.sni));
  if (Peer* peer = find_peer(refusal.connection)) peer->phase = Peer::Phase::closing;  // on_closed follows
  RelayEvent event{RelayEventType::rejected, refusal.connection, room, std::nullopt, {}, false, std::nullopt};
  event.close = {transport::CloseKind::local, wire::code_value(wire::CloseCode::handshake_failed), false,
                 "TLS handshake refused: " + refusal.reason};
  emit(std::move(event));
}

void RelayServer::leave_room(Peer& peer, const transport::CloseInfo& why) {
  registry_.leave(peer.room, peer.participant);
  session_metrics_.remove(peer.session_id);
  shard_of(peer).loop().post([shard = &shard_of(peer), id = peer.id] { shard->remove_sender(id); });
  if (config_.trunking) post_to_shards([id = peer.id](RelayShard& shard) { shard.trunk_forget(id); });
  publish_room(peer.room);
  counters_.participants.fetch_sub(1, std::memory_order_relaxed);
  counters_.rooms.store(registry_.room_count(), std::memory_order_relaxed);
  WZP_LOG(info, kLog,
          peer.fingerprint.value_or("?") + " left " + describe_peer(peer.remote, peer.room) + ": " +
              transport::describe(why));
  announce_leave(peer, why);
  emit(RelayEvent{RelayEventType::left, peer.id, peer.room, peer.fingerprint, why, false, std::nullopt});
  if (peer.presence_fp) {
    presence_->unregister_local(*peer.presence_fp, peer.id);
    peer.presence_fp.reset();
  }
}

// ---- The room extension ("wzp_peers"): membership messages and peer signals ----

namespace {
std::string_view origin_word(transport::CloseKind kind) noexcept {
  switch (kind) {
    case transport::CloseKind::application: return "peer";
    case transport::CloseKind::local: return "relay";
    case transport::CloseKind::idle_timeout: return "idle";
    case transport::CloseKind::transport: return "transport";
  }
  return "transport";
}
}  // namespace

wire::PeerEntry RelayServer::peer_entry(const Peer& peer) const {
  wire::PeerEntry entry{peer.fingerprint.value_or(""), std::nullopt};
  if (peer.token) entry.alias = peer.token->alias;
  return entry;
}

void RelayServer::send_to_member(transport::ConnectionId id, std::string json,
                                 std::function<void(bool)> done) {
  const Peer* member = find_peer(id);
  if (member == nullptr) {
    done(false);
    return;
  }
  if (auto* conn = connection(*member)) {
    done(conn->send_signal(as_bytes(json)).ok());
    return;
  }
  // On another loop: queued there, and counted there once its connection took it or refused it.
  RelayShard& shard = shard_of(*member);
  auto send = [&shard, id, json = std::move(json), done] {
    auto* endpoint = shard.endpoint();
    auto* conn = endpoint != nullptr ? endpoint->find(id) : nullptr;
    done(conn != nullptr && conn->send_signal(as_bytes(json)).ok());
  };
  if (!shard.loop().post(std::move(send))) done(false);
}

Status RelayServer::send_member_list(const Peer& peer, transport::Connection& conn,
                                     ParticipantId participant) {
  wire::RoomPeers list;
  registry_.others(peer.room, participant, fanout_scratch_);
  for (uint64_t id : fanout_scratch_) {
    // Every member is listed, those that do not speak the extension (reference clients) too.
    if (const Peer* other = find_peer(id)) list.peers.push_back(peer_entry(*other));
  }
  WZP_TRY(conn.send_signal(as_bytes(wire::encode_json(wire::RoomMessage(std::move(list))))));
  counters_.membership_messages_sent.fetch_add(1, std::memory_order_relaxed);
  return {};
}

void RelayServer::announce_join(const Peer& peer) {
  registry_.others(peer.room, peer.participant, fanout_scratch_);
  std::string json;
  for (uint64_t id : fanout_scratch_) {
    const Peer* other = find_peer(id);
    if (other == nullptr || !other->room_peers) continue;
    if (json.empty()) json = wire::encode_json(wire::RoomMessage(wire::PeerJoined{peer_entry(peer)}));
    send_to_member(id, json, count_membership_message());
  }
}

void RelayServer::announce_leave(const Peer& peer, const transport::CloseInfo& why) {
  if (stopped_) return;  // every connection is closing: nobody to tell
  // Called once the peer has left the registry: every member still there is another.
  registry_.others(peer.room, 0, fanout_scratch_);
  std::string json;
  for (uint64_t id : fanout_scratch_) {
    const Peer* other = find_peer(id);
    if (other == nullptr || !other->room_peers || other->phase != Peer::Phase::joined) continue;
    if (json.empty()) {
      json = wire::encode_json(wire::RoomMessage(
          wire::PeerLeft{peer_entry(peer), why.code, std::string(origin_word(why.kind)), why.reason}));
    }
    send_to_member(id, json, count_membership_message());
  }
}

void RelayServer::handle_room_message(Peer& peer, wire::RoomMessage message) {
  auto* signal = std::get_if<wire::PeerSignal>(&message);
  if (signal == nullptr) {
    // Member lists and joined/left notices flow from the relay only.
    counters_.rejected_malformed.fetch_add(1, std::memory_order_relaxed);
    WZP_LOG(debug, kLog, "ignoring a room notice sent by the client " + peer.remote);
    return;
  }
  if (signal->data.size() > wire::kMaxPeerSignalBytes) {
    counters_.peer_signals_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // The sender is who the handshake says it is, whatever it wrote.
  wire::PeerSignal out{peer.fingerprint, std::move(signal->to), std::move(signal->data)};
  registry_.others(peer.room, peer.participant, fanout_scratch_);
  std::vector<transport::ConnectionId> recipients;
  for (uint64_t id : fanout_scratch_) {
    const Peer* other = find_peer(id);
    if (other == nullptr || !other->room_peers) continue;
    if (out.to && other->fingerprint != out.to) continue;
    recipients.push_back(id);
  }
  std::string about = "peer signal from " + peer.fingerprint.value_or("?") + " to " +
                      out.to.value_or("the room") + " reached nobody";
  if (recipients.empty()) {
    counters_.peer_signals_dropped.fetch_add(1, std::memory_order_relaxed);
    WZP_LOG(debug, kLog, about);
    return;
  }
  // Recipients on other loops answer from there: the signal is judged once all of them did.
  struct Tally {
    std::atomic<size_t> pending;
    std::atomic<uint64_t> delivered{0};
    std::string about;
  };
  auto tally = std::make_shared<Tally>();
  tally->pending.store(recipients.size(), std::memory_order_relaxed);
  tally->about = std::move(about);
  auto done = [counters = &counters_, tally](bool queued) {
    if (queued) {
      tally->delivered.fetch_add(1, std::memory_order_relaxed);
      counters->peer_signals_forwarded.fetch_add(1, std::memory_order_relaxed);
    }
    if (tally->pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    if (tally->delivered.load(std::memory_order_relaxed) == 0) {
      counters->peer_signals_dropped.fetch_add(1, std::memory_order_relaxed);
      WZP_LOG(debug, kLog, tally->about);
    }
  };
  const std::string json = wire::encode_json(wire::RoomMessage(out));
  for (transport::ConnectionId id : recipients) send_to_member(id, json, done);
}

std::function<void(bool)> RelayServer::count_membership_message() {
  return [counter = &counters_.membership_messages_sent](bool queued) {
    if (queued) counter->fetch_add(1, std::memory_order_relaxed);
  };
}

size_t RelayServer::update_acl(const std::function<void(AccessList&)>& change) {
  if (current_shard() != nullptr) {
    // On a loop (an event callback): the evictions follow in tasks, one per loop.
    auto lock = control();
    change(acl_);
    post_to_shards([this](RelayShard& shard) { evict_unadmitted(shard); });
    return 0;
  }
  {
    auto lock = control();
    change(acl_);
  }
  size_t evicted = 0;
  for (auto& shard : shards_) evicted += shard->loop().run_sync([&] { return evict_unadmitted(*shard); });
  return evicted;
}

size_t RelayServer::evict_unadmitted(RelayShard& shard) {
  auto lock = control();
  if (stopped_ || shard.endpoint() == nullptr) return 0;
  std::vector<std::pair<transport::ConnectionId, std::string>> evicted;
  for (const auto& [id, peer] : peers_) {
    if (peer->phase != Peer::Phase::joined || peer->shard != shard.index()) continue;
    if (auto admitted = acl_.admit(peer->room, peer->acl_fp); !admitted)
      evicted.emplace_back(id, "access list changed: " + admitted.error().message);
  }
  // Closed after the walk: leaving a room tells the others, which reads peers_.
  size_t closed = 0;
  for (auto& [id, reason] : evicted) {
    Peer* peer = find_peer(id);
    if (peer == nullptr || peer->phase != Peer::Phase::joined) continue;
    auto* conn = connection(*peer);
    const uint64_t code = wire::code_value(wire::CloseCode::acl_denied);
    WZP_LOG(info, kLog,
            "evicting " + peer->fingerprint.value_or("?") + " from " +
                describe_peer(peer->remote, peer->room) + ": " + reason);
    counters_.acl_evicted.fetch_add(1, std::memory_order_relaxed);
    leave_room(*peer, {transport::CloseKind::local, code, false, reason});
    peer->phase = Peer::Phase::closing;
    if (conn != nullptr) conn->close(code, reason);
    ++closed;
  }
  return closed;
}

AccessList RelayServer::acl() const {
  auto lock = control();
  return acl_;
}

void RelayServer::set_acl_enabled(bool enabled) {
  update_acl([&](AccessList& acl) { acl.set_enabled(enabled); });
}

void RelayServer::acl_allow(const std::string& room, const std::string& fingerprint) {
  update_acl([&](AccessList& acl) { acl.allow(room, fingerprint); });
}

void RelayServer::acl_revoke(const std::string& room, const std::string& fingerprint) {
  update_acl([&](AccessList& acl) { acl.revoke(room, fingerprint); });
}

void RelayServer::acl_replace(AccessList::Rooms rooms) {
  update_acl([&](AccessList& acl) { acl.replace(std::move(rooms)); });
}

std::vector<RoomInfo> RelayServer::rooms() const {
  std::vector<RoomInfo> out;
  std::vector<std::pair<ParticipantInfo*, uint8_t>> on_shard;  // whose connection figures to read, where
  {
    auto lock = control();
    for (const auto& [name, members] : registry_.rooms()) {
      RoomInfo room{name, {}};
      for (const auto& m : members) {
        ParticipantInfo info{m.id, m.connection, {}, m.fingerprint, {}, {}};
        auto it = peers_.find(m.connection);
        if (it != peers_.end()) {
          info.fingerprint = it->second->fingerprint.value_or("");
          info.remote = it->second->remote;
          info.media_session = it->second->media_session;
          info.datagrams_rate_limited = it->second->rate_limited->load(std::memory_order_relaxed);
          info.trunking = it->second->trunking;
        }
        room.participants.push_back(std::move(info));
      }
      out.push_back(std::move(room));
    }
    for (auto& room : out) {
      for (auto& info : room.participants) {
        auto it = peers_.find(info.connection);
        if (it != peers_.end()) on_shard.emplace_back(&info, it->second->shard);
      }
    }
  }
  // Connection figures are read on each connection's loop; from a loop thread
  // (an event callback) only that loop's, since a loop never waits for another.
  const RelayShard* here = current_shard();
  for (const auto& shard : shards_) {
    if (here != nullptr && here != shard.get()) continue;
    auto fill = [&] {
      auto* endpoint = shard->endpoint();
      if (endpoint == nullptr) return;
      for (auto& [info, index] : on_shard) {
        if (index != shard->index()) continue;
        if (auto* conn = endpoint->find(info->connection)) {
          info->signal_bytes_buffered = conn->stats().signal_bytes_buffered;
        }
      }
    };
    shard->loop().run_sync(fill);
  }
  return out;
}

}  // namespace wzp::relay

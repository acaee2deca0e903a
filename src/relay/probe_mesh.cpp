#include "relay/probe_mesh.hpp"

#include <algorithm>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "wire/base64.hpp"
#include "wire/json_reader.hpp"

namespace wzp::relay {
namespace {

constexpr std::string_view kLog = "mesh";
constexpr std::string_view kConfirmKey = "wzp_mesh_confirm";
constexpr std::string_view kConfirmAad = "wzp-mesh-confirm";

std::string_view kind_name(ProbeKind kind) { return kind == ProbeKind::reference ? "reference" : "libwzp"; }

handshake::Options mesh_handshake_options() {
  handshake::Options options;
  options.require_v2 = true;  // the key confirmation needs the v2 session
  return options;
}

// The session's key proves itself by sealing an empty message under it.
Result<Bytes> seal_confirm(handshake::CallSession& session) {
  auto* media = std::get_if<crypto::MediaSession>(&session.session());
  if (media == nullptr) return make_error(Errc::invalid_state, "not a v2 session");
  return media->seal(as_bytes(kConfirmAad), 0, {});
}

bool open_confirm(handshake::CallSession& session, ByteView tag) {
  auto* media = std::get_if<crypto::MediaSession>(&session.session());
  return media != nullptr && media->open(as_bytes(kConfirmAad), 0, tag).ok();
}

const wire::json::Value* member(const wire::json::Value& value, std::string_view key) {
  const auto* object = std::get_if<wire::json::Object>(&value.data);
  if (object == nullptr || object->size() != 1 || (*object)[0].key != key) return nullptr;
  return &(*object)[0].value;
}

}  // namespace

Result<ProbeTarget> parse_probe_target(std::string_view text) {
  ProbeTarget target;
  std::string_view rest = text;
  if (rest.starts_with("ref:")) {
    target.kind = ProbeKind::reference;
    rest.remove_prefix(4);
  } else if (rest.starts_with("wzp:")) {
    rest.remove_prefix(4);
  }
  auto address = transport::SocketAddress::parse(rest);
  if (!address || address->port() == 0) {
    return make_error(Errc::invalid_argument, "probe target '" + std::string(text) +
                                                  "' is not [wzp:|ref:]IP:PORT (IPv6 in brackets)");
  }
  target.address = *address;
  target.label = address->to_string();
  return target;
}

struct ProbeMesh::Link {
  ProbeTarget target;
  std::optional<transport::ConnectionId> conn;
  bool up = false;
  ProbeWindow window;
  double rtt_ms = 0, loss_pct = 0, jitter_ms = 0;
  uint64_t pings_sent = 0, pongs_received = 0;
  uint64_t session_pings = 0;
  std::optional<EventLoop::TimerId> timer;  // the next ping, or the reconnect
  uint32_t backoff_ms = 0;
  std::optional<handshake::Caller> caller;
  std::optional<std::string> peer_fp;  // authenticated
};

struct ProbeMesh::Inbound {
  std::string remote;
  std::optional<handshake::CallSession> pending;  // answered, awaiting the proof
  std::optional<std::string> peer_fp;             // authenticated
};

ProbeMesh::ProbeMesh(EventLoop& loop, const crypto::Identity& identity, PresenceRegistry& presence,
                     MeshConfig config, MeshCounters& counters)
    : loop_(loop), identity_(identity), presence_(presence), config_(std::move(config)), counters_(counters) {
  config_.ping_interval_ms = std::max<uint32_t>(config_.ping_interval_ms, 10);
  config_.gossip_every_pings = std::max<uint32_t>(config_.gossip_every_pings, 1);
  for (const auto& target : config_.targets) {
    auto link = std::make_unique<Link>();
    link->target = target;
    link->backoff_ms = config_.backoff_initial_ms;
    status_.push_back(ProbeStatus{target.label, std::string(kind_name(target.kind)), false, 0, 0, 0, 0, 0});
    links_.push_back(std::move(link));
  }
}

ProbeMesh::~ProbeMesh() = default;

void ProbeMesh::start(transport::Endpoint& endpoint) {
  endpoint_ = &endpoint;
  for (auto& link : links_) connect(*link);
}

void ProbeMesh::stop() {
  stopped_ = true;
  for (auto& link : links_) {
    if (link->timer) loop_.cancel_timer(*link->timer);
    link->timer.reset();
  }
  if (debounce_) loop_.cancel_timer(*debounce_);
  debounce_.reset();
  endpoint_ = nullptr;
}

bool ProbeMesh::owns(transport::ConnectionId id) const {
  if (inbound_.count(id) != 0) return true;
  return std::any_of(links_.begin(), links_.end(), [id](const auto& l) { return l->conn == id; });
}

ProbeMesh::Link* ProbeMesh::find_link(transport::ConnectionId id) {
  for (auto& link : links_) {
    if (link->conn == id) return link.get();
  }
  return nullptr;
}

void ProbeMesh::connect(Link& link) {
  if (stopped_ || endpoint_ == nullptr) return;
  transport::ConnectOptions options;
  options.sni = link.target.kind == ProbeKind::reference ? config_.reference_sni : std::string(kSniMeshProbe);
  auto id = endpoint_->connect(link.target.address, options);
  if (!id) {
    refused_log_.write("probe " + link.target.label + ": cannot connect: " + id.error().message);
    schedule_reconnect(link);
    return;
  }
  link.conn = *id;
}

void ProbeMesh::schedule_reconnect(Link& link) {
  if (stopped_) return;
  uint32_t wait = link.backoff_ms;
  link.backoff_ms = std::min(config_.backoff_max_ms, std::max<uint32_t>(1, link.backoff_ms) * 2);
  link.timer = loop_.add_timer(clock::now_ns() + uint64_t{wait} * 1'000'000, [this, l = &link] {
    auto lock = hold();
    l->timer.reset();
    connect(*l);
  });
}

void ProbeMesh::on_handshake_completed(transport::Connection& conn) {
  Link* link = find_link(conn.id());
  if (link == nullptr) return;
  link->up = true;
  link->backoff_ms = config_.backoff_initial_ms;
  link->session_pings = 0;
  WZP_LOG(info, kLog,
          "probe " + link->target.label + " up (" + std::string(kind_name(link->target.kind)) + ")");
  if (link->target.kind == ProbeKind::libwzp) {
    link->caller.emplace(identity_, mesh_handshake_options());
    send(conn, wire::encode_json(wire::SignalMessage(link->caller->offer())));
  }
  publish_status(*link);
  tick(*link);  // the first ping at once
}

void ProbeMesh::tick(Link& link) {
  link.timer.reset();
  if (stopped_ || !link.conn) return;
  auto* conn = endpoint_ ? endpoint_->find(*link.conn) : nullptr;
  if (conn == nullptr) return;
  // Pings that had a whole period to be answered and were not count as lost now.
  link.loss_pct = link.window.loss_pct();
  uint64_t ts = clock::now_ms();  // monotonic: RTTs survive wall-clock steps
  link.window.record_sent(ts);
  ++link.pings_sent;
  ++link.session_pings;
  counters_.probe_pings_sent.fetch_add(1, std::memory_order_relaxed);
  if (!send(*conn, wire::encode_json(wire::SignalMessage(wire::Ping{ts})))) {
    conn->close(0, "probe send failed");
    return;
  }
  if (link.session_pings % config_.gossip_every_pings == 0) send_gossip(link);
  publish_status(link);
  link.timer =
      loop_.add_timer(clock::now_ns() + uint64_t{config_.ping_interval_ms} * 1'000'000, [this, l = &link] {
        auto lock = hold();
        tick(*l);
      });
}

void ProbeMesh::send_gossip(Link& link) {
  if (!link.up || !link.conn || endpoint_ == nullptr) return;
  // A libwzp target hears our users only once it proved who it is.
  if (link.target.kind == ProbeKind::libwzp && !link.peer_fp) return;
  auto* conn = endpoint_->find(*link.conn);
  if (conn == nullptr) return;
  auto update = local_update(config_.advertise.empty() ? link.target.label : config_.advertise);
  // A set past the 1 MiB signal limit (about 25 000 users) cannot be gossiped: said, not hidden.
  auto sent = conn->send_signal(as_bytes(wire::encode_json(wire::SignalMessage(std::move(update)))));
  if (sent) {
    counters_.gossip_out.fetch_add(1, std::memory_order_relaxed);
  } else {
    refused_log_.write("probe " + link.target.label + ": cannot send presence: " + sent.error().message);
  }
}

wire::PresenceUpdate ProbeMesh::local_update(const std::string& addr) const {
  return wire::PresenceUpdate{presence_.local_fingerprints(), addr};
}

void ProbeMesh::local_changed() {
  if (stopped_ || debounce_) return;
  debounce_ = loop_.add_timer(clock::now_ns() + uint64_t{config_.gossip_debounce_ms} * 1'000'000, [this] {
    auto lock = hold();
    debounce_.reset();
    for (auto& link : links_) send_gossip(*link);
  });
}

bool ProbeMesh::send(transport::Connection& conn, const std::string& json) {
  return conn.send_signal(as_bytes(json)).ok();
}

void ProbeMesh::accept(transport::Connection& conn) {
  inbound_[conn.id()] = Inbound{conn.remote_address().to_string(), std::nullopt, std::nullopt};
  WZP_LOG(debug, kLog, "probe from " + conn.remote_address().to_string());
}

void ProbeMesh::on_signal(transport::Connection& conn, ByteView payload) {
  auto value = wire::json::parse(as_chars(payload));
  if (!value) {
    counters_.probe_messages_malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (Link* link = find_link(conn.id())) {
    handle_link_message(*link, conn, *value);
    return;
  }
  auto it = inbound_.find(conn.id());
  if (it != inbound_.end()) handle_inbound_message(it->second, conn, *value);
}

void ProbeMesh::handle_link_message(Link& link, transport::Connection& conn, const wire::json::Value& value) {
  auto message = wire::decode_json_value(value);
  if (!message) {
    counters_.probe_messages_malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (const auto* pong = std::get_if<wire::Pong>(&*message)) {
    counters_.probe_pongs_received.fetch_add(1, std::memory_order_relaxed);
    if (auto rtt = link.window.record_pong(pong->timestamp_ms, clock::now_ms())) {
      ++link.pongs_received;
      link.rtt_ms = *rtt;
      if (link.peer_fp) {
        if (auto it = peer_addr_.find(*link.peer_fp); it != peer_addr_.end())
          presence_.set_peer_rtt(it->second, *rtt);
      }
    }
    link.loss_pct = link.window.loss_pct();
    link.jitter_ms = link.window.jitter_ms();
    publish_status(link);
  } else if (std::holds_alternative<wire::CallAnswer>(*message)) {
    if (!link.caller || link.peer_fp) {
      counters_.mesh_auth_failed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    auto session = link.caller->accept(*message);
    link.caller.reset();
    if (!session) {
      counters_.mesh_auth_failed.fetch_add(1, std::memory_order_relaxed);
      refused_log_.write("probe " + link.target.label +
                         ": mesh handshake failed: " + session.error().message);
      return;
    }
    std::string fp = session->peer_fingerprint().to_display();
    if (config_.mesh_peers.count(fp) == 0) {
      counters_.mesh_auth_unlisted.fetch_add(1, std::memory_order_relaxed);
      refused_log_.write("probe " + link.target.label + ": relay " + fp +
                         " is not a mesh peer (--mesh-peer): its presence is ignored");
      return;
    }
    auto proof = seal_confirm(*session);
    if (!proof) return;
    std::string json = "{\"" + std::string(kConfirmKey) + "\":\"";
    wire::append_base64(json, *proof);
    json += "\"}";
    if (!send(conn, json)) return;
    link.peer_fp = fp;
    counters_.mesh_auth_ok.fetch_add(1, std::memory_order_relaxed);
    WZP_LOG(info, kLog, "probe " + link.target.label + " authenticated as " + fp);
    publish_status(link);
    send_gossip(link);  // at once: no need to wait for the 10th ping
  } else if (const auto* update = std::get_if<wire::PresenceUpdate>(&*message)) {
    apply_update(*update, link.target.address, link.peer_fp, "probe " + link.target.label);
  }
}

void ProbeMesh::handle_inbound_message(Inbound& in, transport::Connection& conn,
                                       const wire::json::Value& value) {
  if (const auto* proof = member(value, kConfirmKey)) {
    const auto* text = std::get_if<std::string>(&proof->data);
    auto tag =
        text ? wire::from_base64(*text, kConfirmKey) : Result<Bytes>(make_error(Errc::json, "not a string"));
    if (!in.pending || !tag || !open_confirm(*in.pending, *tag)) {
      counters_.mesh_auth_failed.fetch_add(1, std::memory_order_relaxed);
      refused_log_.write("probe from " + in.remote + ": mesh key confirmation failed");
      conn.close(0, "mesh authentication failed");
      return;
    }
    in.peer_fp = in.pending->peer_fingerprint().to_display();
    in.pending.reset();
    counters_.mesh_auth_ok.fetch_add(1, std::memory_order_relaxed);
    WZP_LOG(info, kLog, "probe from " + in.remote + " authenticated as " + *in.peer_fp);
    return;
  }
  auto message = wire::decode_json_value(value);
  if (!message) {
    counters_.probe_messages_malformed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (const auto* ping = std::get_if<wire::Ping>(&*message)) {
    if (send(conn, wire::encode_json(wire::SignalMessage(wire::Pong{ping->timestamp_ms}))))
      counters_.probe_pongs_sent.fetch_add(1, std::memory_order_relaxed);
  } else if (std::holds_alternative<wire::CallOffer>(*message)) {
    if (in.peer_fp || in.pending) {
      counters_.mesh_auth_failed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    auto answered = handshake::answer_offer(identity_, *message, mesh_handshake_options());
    if (!answered) {
      counters_.mesh_auth_failed.fetch_add(1, std::memory_order_relaxed);
      refused_log_.write("probe from " + in.remote + ": mesh handshake failed: " + answered.error().message);
      return;
    }
    std::string fp = answered->session.peer_fingerprint().to_display();
    if (config_.mesh_peers.count(fp) == 0) {
      // Not answered: an unlisted relay learns nothing, not even that we would talk.
      counters_.mesh_auth_unlisted.fetch_add(1, std::memory_order_relaxed);
      refused_log_.write("probe from " + in.remote + ": relay " + fp + " is not a mesh peer (--mesh-peer)");
      return;
    }
    if (send(conn, wire::encode_json(wire::SignalMessage(answered->answer))))
      in.pending.emplace(std::move(answered->session));
  } else if (const auto* update = std::get_if<wire::PresenceUpdate>(&*message)) {
    if (!apply_update(*update, conn.remote_address(), in.peer_fp, "probe from " + in.remote)) return;
    auto reply = local_update(config_.advertise.empty() ? in.remote : config_.advertise);
    if (send(conn, wire::encode_json(wire::SignalMessage(std::move(reply)))))
      counters_.gossip_out.fetch_add(1, std::memory_order_relaxed);
  }
}

bool ProbeMesh::apply_update(const wire::PresenceUpdate& update, const transport::SocketAddress& fallback,
                             const std::optional<std::string>& authenticated_fp, const std::string& who) {
  counters_.gossip_in.fetch_add(1, std::memory_order_relaxed);
  if (!authenticated_fp && !config_.mesh_open) {
    counters_.gossip_refused_unauthenticated.fetch_add(1, std::memory_order_relaxed);
    refused_log_.write(who +
                       ": presence from an unauthenticated relay refused (see --mesh-peer, --mesh-open)");
    return false;
  }
  // As the reference: the address it names, else the connection's.
  auto parsed = transport::SocketAddress::parse(update.relay_addr);
  std::string addr = parsed ? parsed->to_string() : fallback.to_string();
  auto owner = addr_owner_.find(addr);
  if (authenticated_fp) {
    auto own = peer_addr_.find(*authenticated_fp);
    bool other_owner = owner != addr_owner_.end() && owner->second != *authenticated_fp;
    bool other_addr = own != peer_addr_.end() && own->second != addr;
    if (other_owner || other_addr) {
      counters_.gossip_refused_address.fetch_add(1, std::memory_order_relaxed);
      refused_log_.write(who + ": relay " + *authenticated_fp + " may not file users under " + addr +
                         (other_addr ? " (it is " + own->second + ")" : " (another peer's address)"));
      return false;
    }
    if (own == peer_addr_.end()) {
      peer_addr_[*authenticated_fp] = addr;
      addr_owner_[addr] = *authenticated_fp;
    }
  } else if (owner != addr_owner_.end()) {
    counters_.gossip_refused_address.fetch_add(1, std::memory_order_relaxed);
    refused_log_.write(who + ": an unauthenticated relay may not file users under " + addr +
                       ", an authenticated peer's address");
    return false;
  }
  if (!presence_.update_peer(addr, update.fingerprints)) {
    counters_.gossip_refused_full.fetch_add(1, std::memory_order_relaxed);
    refused_log_.write(who + ": presence registry full, update from " + addr + " refused");
    return false;
  }
  return true;
}

void ProbeMesh::prune_bindings() {
  if (addr_owner_.empty()) return;
  std::set<std::string> alive;
  for (const auto& peer : presence_.peers()) alive.insert(peer.addr);
  for (auto it = addr_owner_.begin(); it != addr_owner_.end();) {
    if (alive.count(it->first) != 0) {
      ++it;
      continue;
    }
    peer_addr_.erase(it->second);
    it = addr_owner_.erase(it);
  }
}

void ProbeMesh::on_closed(transport::Connection& conn, const transport::CloseInfo& info) {
  if (inbound_.erase(conn.id()) != 0) return;
  if (Link* link = find_link(conn.id())) link_down(*link, transport::describe(info));
}

void ProbeMesh::link_down(Link& link, const std::string& why) {
  if (link.up) WZP_LOG(info, kLog, "probe " + link.target.label + " down: " + why);
  link.up = false;
  link.rtt_ms = 0;
  link.conn.reset();
  link.caller.reset();
  link.peer_fp.reset();
  if (link.timer) loop_.cancel_timer(*link.timer);
  link.timer.reset();
  publish_status(link);
  schedule_reconnect(link);
}

void ProbeMesh::publish_status(const Link& link) {
  std::lock_guard lock(status_mutex_);
  for (auto& s : status_) {
    if (s.target != link.target.label) continue;
    s.up = link.up;
    s.rtt_ms = link.rtt_ms;
    s.loss_pct = link.loss_pct;
    s.jitter_ms = link.jitter_ms;
    s.pings_sent = link.pings_sent;
    s.pongs_received = link.pongs_received;
  }
  if (link.peer_fp)
    status_peers_[link.target.label] = *link.peer_fp;
  else
    status_peers_.erase(link.target.label);
}

std::vector<ProbeStatus> ProbeMesh::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

std::map<std::string, std::string> ProbeMesh::authenticated_peers() const {
  std::lock_guard lock(status_mutex_);
  return status_peers_;
}

}  // namespace wzp::relay

#include "relay/relay_server.hpp"

#include <algorithm>
#include <deque>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "crypto/fingerprint.hpp"
#include "handshake/signal_handshake.hpp"
#include "relay/relay_secrets.hpp"
#include "wire/close_codes.hpp"
#include "wire/media_packet.hpp"
#include "wire/signal_message.hpp"
#include "wire/sni.hpp"

namespace wzp::relay {
namespace {

constexpr std::string_view kLog = "relay";
// Signals a client may send back to back while its token is being checked (the
// reference client sends AuthToken and CallOffer without waiting).
constexpr size_t kMaxHeldSignals = 8;

std::string describe_peer(const std::string& remote, const std::string& room) {
  return remote + (room.empty() ? "" : " room " + room);
}

}  // namespace

struct RelayServer::Peer {
  enum class Phase { quic, awaiting_token, authenticating, awaiting_offer, joined, closing };

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
  bool counted = false;                  // holds one of max_sessions (handshake completed, not refused)
  std::optional<SenderPolicer> policer;  // from joining on
  uint64_t datagrams_rate_limited = 0;
};

RelayServer::RelayServer(RelayConfig config, EventSink sink)
    : config_(std::move(config)), sink_(std::move(sink)) {}

Result<std::unique_ptr<RelayServer>> RelayServer::start(RelayConfig config, EventSink sink) {
  auto address = transport::SocketAddress::from_ip(config.listen_host, config.listen_port);
  if (!address) {
    return make_error(Errc::invalid_argument,
                      "listen address '" + config.listen_host + "' is not an IP address");
  }
  if (!config.credentials) {
    auto generated = transport::TlsCredentials::generate_self_signed("localhost");
    if (!generated) return std::move(generated).error();
    config.credentials = *generated;
  }
  std::unique_ptr<RelayServer> relay(new RelayServer(std::move(config), std::move(sink)));
  RelayServer* self = relay.get();
  self->cert_sha256_ = self->config_.credentials->certificate_sha256();
  self->acl_ = self->config_.acl;  // rooms whose entries were all revoked stay listed
  self->registry_.set_max_per_room(self->config_.max_room_size);
  if (self->config_.auth_url) {
    self->auth_ = std::make_unique<AuthClient>(
        AuthClientConfig{*self->config_.auth_url, self->config_.auth_timeout_ms,
                         self->config_.max_auth_pending, self->config_.max_auth_pending_per_address});
  }

  transport::EndpointCallbacks callbacks;
  callbacks.on_new_connection = [self](transport::Connection& c) { self->on_new_connection(c); };
  callbacks.on_handshake_completed = [self](transport::Connection& c) { self->on_handshake_completed(c); };
  callbacks.on_signal = [self](transport::Connection& c, ByteView p) { self->on_signal(c, p); };
  callbacks.on_signal_error = [self](transport::Connection& c, const Error& e) {
    self->on_signal_error(c, e);
  };
  callbacks.on_datagram = [self](transport::Connection& c, ByteView d) { self->on_datagram(c, d); };
  callbacks.on_closed = [self](transport::Connection& c, const transport::CloseInfo& i) {
    self->on_closed(c, i);
  };
  callbacks.on_handshake_refused = [self](const transport::HandshakeRefusal& r) {
    self->on_handshake_refused(r);
  };

  transport::ServerConfig server;
  server.bind_address = *address;
  server.credentials = self->config_.credentials;
  server.transport = self->config_.transport;
  // Refuse names a reference relay's TLS stack refuses, during the TLS handshake.
  server.sni_filter = [](const std::optional<std::string>& sni) { return !sni || wire::is_valid_sni(*sni); };
  // Half-open handshakes get their own budget; only completed ones count
  // against max_sessions (on_handshake_completed).
  server.max_handshakes = self->config_.max_handshakes != 0
                              ? self->config_.max_handshakes
                              : std::max<size_t>(16, self->config_.max_sessions / 4);
  server.handshake_timeout_ms = self->config_.handshake_timeout_ms;
  server.stateless_reset_secret = derive_endpoint_secret(self->config_.identity, kStatelessResetLabel);
  server.retry_token_secret = derive_endpoint_secret(self->config_.identity, kRetryTokenLabel);
  auto endpoint = transport::Endpoint::create_server(self->loop_, std::move(server), std::move(callbacks));
  if (!endpoint) return std::move(endpoint).error();
  self->endpoint_ = std::move(*endpoint);
  self->port_ = self->endpoint_->local_address().port();
  self->address_ = self->endpoint_->local_address().to_string();
  self->trunk_send_ = [self](transport::ConnectionId receiver, Bytes frame) {
    self->send_trunk_frame(receiver, std::move(frame));
  };
  self->loop_.start();

  std::string auth = self->config_.auth_url ? "token auth via " + *self->config_.auth_url : "no token auth";
  WZP_LOG(info, kLog,
          "listening on " + address->to_string().substr(0, address->to_string().rfind(':')) + ":" +
              std::to_string(self->port_) + ", identity " +
              self->config_.identity.fingerprint().to_display() + ", " + auth + ", max " +
              std::to_string(self->config_.max_sessions) + " sessions, ACL " +
              (!self->acl_.enabled()       ? "off"
               : self->acl_.default_deny() ? "on (unlisted rooms denied)"
                                           : "on"));
  return relay;
}

RelayServer::~RelayServer() { stop(); }

void RelayServer::stop() {
  bool already = loop_.run_sync([this] {
    if (stopped_) return true;
    stopped_ = true;
    if (trunk_timer_) loop_.cancel_timer(*trunk_timer_);
    trunk_timer_.reset();
    // Every connection gets WZP_CLOSE_SHUTDOWN and an on_closed (LEFT events).
    if (endpoint_) endpoint_->shutdown(wire::code_value(wire::CloseCode::shutdown), "relay is shutting down");
    return false;
  });
  if (already) return;
  loop_.run_sync([this] {
    if (endpoint_) stopped_transport_stats_ = endpoint_->stats();  // still reported once stopped
    endpoint_.reset();
  });
  auth_.reset();  // joins the auth thread; late results find no peer
  loop_.stop();
  WZP_LOG(info, kLog, "stopped");
}

transport::EndpointStats RelayServer::transport_stats() const {
  return loop_.run_sync([this] { return endpoint_ ? endpoint_->stats() : stopped_transport_stats_; });
}

RelayServer::Peer* RelayServer::find_peer(transport::ConnectionId id) {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second.get();
}

void RelayServer::emit(RelayEvent event) {
  if (sink_) sink_(std::move(event));
}

void RelayServer::on_new_connection(transport::Connection& conn) {
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
  peers_.emplace(conn.id(), std::move(peer));
}

void RelayServer::refuse_full(transport::Connection& conn) {
  std::string reason = "relay is full (" + std::to_string(config_.max_sessions) + " sessions)";
  counters_.rejected_full.fetch_add(1, std::memory_order_relaxed);
  full_log_.write("refusing " + conn.remote_address().to_string() + ": " + reason);
  RelayEvent event{RelayEventType::rejected, conn.id(), {}, std::nullopt, {}};
  event.close = {transport::CloseKind::local, wire::code_value(wire::CloseCode::server_full), false, reason};
  emit(std::move(event));
  conn.close(wire::code_value(wire::CloseCode::server_full), reason);
}

void RelayServer::on_handshake_completed(transport::Connection& conn) {
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
  if (peer->room == wire::kSniProbe) {
    reject(*peer, conn, wire::CloseCode::normal, "relay probes are not served by this relay",
           counters_.rejected_malformed);
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
  if (peer.deadline) loop_.cancel_timer(*peer.deadline);
  uint64_t deadline = clock::now_ns() + uint64_t{timeout_ms} * 1'000'000;
  peer.deadline = loop_.add_timer(deadline, [this, id = peer.id, code, reason = std::move(reason)] {
    Peer* p = find_peer(id);
    if (p == nullptr) return;
    p->deadline.reset();
    if (p->phase == Peer::Phase::joined || p->phase == Peer::Phase::closing) return;
    if (auto* conn = endpoint_ ? endpoint_->find(id) : nullptr) {
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
    loop_.cancel_timer(*peer.deadline);
    peer.deadline.reset();
  }
  counter.fetch_add(1, std::memory_order_relaxed);
  // Any client can make the relay reject it (a bad token, junk signals): throttled.
  reject_log_.write_lazy([&] {
    return "rejecting " + describe_peer(peer.remote, peer.room) + ": " +
           std::string(wire::close_code_name(code_value(code))) + " (" + reason + ")";
  });
  RelayEvent event{RelayEventType::rejected, peer.id, peer.room, peer.fingerprint, {}};
  event.close = {transport::CloseKind::local, wire::code_value(code), false, reason};
  emit(std::move(event));
  conn.close(wire::code_value(code), reason);
}

void RelayServer::on_signal(transport::Connection& conn, ByteView payload) {
  Peer* peer = find_peer(conn.id());
  if (peer == nullptr || peer->phase == Peer::Phase::closing) return;
  counters_.signals_received.fetch_add(1, std::memory_order_relaxed);
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
  auto* conn = endpoint_->find(peer.id);
  std::string source = conn != nullptr ? conn->remote_address().ip_string() : std::string();
  peer.auth_check = auth_->validate(
      token,
      [this, id = peer.id, generation](Result<AuthIdentity> result) {
        // Runs on the auth thread (or here, when refused at once): hop back onto the loop.
        loop_.post([this, id, generation, result = std::move(result)]() mutable {
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
  auto* conn = endpoint_ ? endpoint_->find(id) : nullptr;
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
  auto answered = handshake::answer_offer(config_.identity, message, options);
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
    if (!token_fp || !(*token_fp == identity_fp)) {
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
  if (peer.deadline) {
    loop_.cancel_timer(*peer.deadline);
    peer.deadline.reset();
  }
  peer.phase = Peer::Phase::joined;
  peer.participant = *joined;
  if (config_.trunking) trunks_.add_sender(peer.room, peer.id);

  peer.media_session = answered->session.mode();
  (*peer.media_session == handshake::SessionMode::v2 ? counters_.media_sessions_v2
                                                     : counters_.media_sessions_reference)
      .fetch_add(1, std::memory_order_relaxed);
  peer.policer.emplace(config_.sender_rate, clock::now_ns());
  conn.set_signal_limits(config_.joined_signal_limits);
  counters_.participants.fetch_add(1, std::memory_order_relaxed);
  counters_.rooms.store(registry_.room_count(), std::memory_order_relaxed);
  WZP_LOG(info, kLog,
          *peer.fingerprint + " joined " + describe_peer(peer.remote, peer.room) + " (" +
              std::to_string(registry_.room_size(peer.room)) + " in room, media session " +
              (*peer.media_session == handshake::SessionMode::v2 ? "v2" : "reference") +
              (peer.trunking ? ", trunking" : "") + ")");
  announce_join(peer);
  emit(RelayEvent{RelayEventType::joined, peer.id, peer.room, peer.fingerprint, {}});
}

void RelayServer::on_signal_error(transport::Connection& conn, const Error& error) {
  Peer* peer = find_peer(conn.id());
  if (peer == nullptr) return;
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

void RelayServer::on_datagram(transport::Connection& conn, ByteView datagram) {
  counters_.datagrams_received.fetch_add(1, std::memory_order_relaxed);
  Peer* peer = find_peer(conn.id());
  if (peer == nullptr || peer->phase != Peer::Phase::joined) {
    counters_.datagrams_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Policed before anything else: a flood costs as little as possible.
  if (!peer->policer->admit(clock::now_ns(), datagram.size())) {
    ++peer->datagrams_rate_limited;
    counters_.datagrams_rate_limited.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto packet = wire::parse_media_packet(datagram);
  if (!packet) {
    counters_.datagrams_malformed.fetch_add(1, std::memory_order_relaxed);
    WZP_LOG(trace, kLog, "dropping malformed datagram from " + peer->remote + ": " + packet.error().message);
    return;
  }
  registry_.others(peer->room, peer->participant, fanout_scratch_);
  if (fanout_scratch_.empty()) {
    counters_.datagrams_no_recipient.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Forwarded as received, except that byte 1's two unused bits are cleared
  // (what the reference's parse-and-reserialize does).
  forward_buffer_.assign(datagram.begin(), datagram.end());
  forward_buffer_[1] &= 0xFC;
  for (uint64_t id : fanout_scratch_) {
    if (config_.trunking) {
      if (const Peer* receiver = find_peer(id); receiver != nullptr && receiver->trunking) {
        trunk_packet(peer->id, id, forward_buffer_, packet->payload.size());
        continue;
      }
    }
    auto* target = endpoint_->find(id);
    if (target != nullptr && target->send_datagram(forward_buffer_)) {
      counters_.datagrams_forwarded.fetch_add(1, std::memory_order_relaxed);
      counters_.bytes_forwarded.fetch_add(packet->payload.size(), std::memory_order_relaxed);
    } else {
      counters_.datagrams_dropped.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void RelayServer::on_closed(transport::Connection& conn, const transport::CloseInfo& info) {
  auto it = peers_.find(conn.id());
  if (it == peers_.end()) return;
  std::unique_ptr<Peer> peer = std::move(it->second);
  peers_.erase(it);
  if (peer->deadline) loop_.cancel_timer(*peer->deadline);
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
  std::string room;
  if (refusal.sni) room = wire::room_from_sni(std::optional<std::string_view>(*refusal.sni));
  if (Peer* peer = find_peer(refusal.connection)) peer->phase = Peer::Phase::closing;  // on_closed follows
  RelayEvent event{RelayEventType::rejected, refusal.connection, room, std::nullopt, {}};
  event.close = {transport::CloseKind::local, wire::code_value(wire::CloseCode::handshake_failed), false,
                 "TLS handshake refused: " + refusal.reason};
  emit(std::move(event));
}

void RelayServer::leave_room(Peer& peer, const transport::CloseInfo& why) {
  registry_.leave(peer.room, peer.participant);
  if (config_.trunking) trunk_forget(peer.id);
  counters_.participants.fetch_sub(1, std::memory_order_relaxed);
  counters_.rooms.store(registry_.room_count(), std::memory_order_relaxed);
  WZP_LOG(info, kLog,
          peer.fingerprint.value_or("?") + " left " + describe_peer(peer.remote, peer.room) + ": " +
              transport::describe(why));
  announce_leave(peer, why);
  emit(RelayEvent{RelayEventType::left, peer.id, peer.room, peer.fingerprint, why});
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

bool RelayServer::send_to_member(transport::ConnectionId id, const std::string& json) {
  auto* conn = endpoint_ ? endpoint_->find(id) : nullptr;
  return conn != nullptr && conn->send_signal(as_bytes(json)).ok();
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
    if (send_to_member(id, json)) counters_.membership_messages_sent.fetch_add(1, std::memory_order_relaxed);
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
    if (send_to_member(id, json)) counters_.membership_messages_sent.fetch_add(1, std::memory_order_relaxed);
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
  std::string json;
  uint64_t delivered = 0;
  for (uint64_t id : fanout_scratch_) {
    const Peer* other = find_peer(id);
    if (other == nullptr || !other->room_peers) continue;
    if (out.to && other->fingerprint != out.to) continue;
    if (json.empty()) json = wire::encode_json(wire::RoomMessage(out));
    if (send_to_member(id, json)) ++delivered;
  }
  if (delivered == 0) {
    counters_.peer_signals_dropped.fetch_add(1, std::memory_order_relaxed);
    WZP_LOG(debug, kLog,
            "peer signal from " + peer.fingerprint.value_or("?") + " to " + out.to.value_or("the room") +
                " reached nobody");
    return;
  }
  counters_.peer_signals_forwarded.fetch_add(delivered, std::memory_order_relaxed);
}

void RelayServer::update_acl(const std::function<void(AccessList&)>& change) {
  loop_.run_sync([&] { change(acl_); });
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
  return loop_.run_sync([&] {
    std::vector<RoomInfo> out;
    for (const auto& [name, members] : registry_.rooms()) {
      RoomInfo room{name, {}};
      for (const auto& m : members) {
        ParticipantInfo info{m.id, m.connection, {}, m.fingerprint, {}, {}};
        auto it = peers_.find(m.connection);
        if (it != peers_.end()) {
          info.fingerprint = it->second->fingerprint.value_or("");
          info.remote = it->second->remote;
          info.media_session = it->second->media_session;
          info.datagrams_rate_limited = it->second->datagrams_rate_limited;
          info.trunking = it->second->trunking;
          if (auto* conn = endpoint_ ? endpoint_->find(m.connection) : nullptr) {
            info.signal_bytes_buffered = conn->stats().signal_bytes_buffered;
          }
        }
        room.participants.push_back(std::move(info));
      }
      out.push_back(std::move(room));
    }
    return out;
  });
}

}  // namespace wzp::relay

#include "client/client.hpp"

#include <algorithm>

#include "client/close_status.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "crypto/e2e_key_share.hpp"
#include "wire/close_codes.hpp"
#include "wire/sni.hpp"
#include "wire/trunk_frame.hpp"

namespace wzp::client {
namespace {
constexpr std::string_view kLog = "client";
// Members tracked at most (a relay holds no more connections than this): what a
// relay announces beyond it is reported but not kept.
constexpr size_t kMaxPeers = 10'000;
}  // namespace

std::string_view client_state_name(ClientState state) noexcept {
  switch (state) {
    case ClientState::idle: return "IDLE";
    case ClientState::connecting: return "CONNECTING";
    case ClientState::authenticating: return "AUTHENTICATING";
    case ClientState::handshaking: return "HANDSHAKING";
    case ClientState::joined: return "JOINED";
    case ClientState::closed: return "CLOSED";
  }
  return "?";
}

Client::Client(ClientConfig config, EventSink sink, EventLoop* shared_loop)
    : config_(std::move(config)),
      sink_(std::move(sink)),
      own_loop_(shared_loop == nullptr ? std::make_unique<EventLoop>() : nullptr),
      loop_(shared_loop != nullptr ? *shared_loop : *own_loop_) {}

Result<std::unique_ptr<Client>> Client::create(ClientConfig config, EventSink sink, EventLoop* shared_loop) {
  if (config.relay_port == 0) return make_error(Errc::invalid_argument, "relay port must not be 0");
  if (config.relay_host.empty()) return make_error(Errc::invalid_argument, "relay host must not be empty");
  // The client's own deadline decides, so nothing answering is always WZP_CLOSE_CONNECT_TIMEOUT.
  config.transport.handshake_timeout_ms =
      std::max<uint64_t>(config.transport.handshake_timeout_ms, uint64_t{config.handshake_timeout_ms} + 1000);
  // A relay's TLS stack refuses other names during the handshake (with an
  // alert that says nothing about why); "_probe" asks for a relay probe.
  if (!config.sni.empty() &&
      (!wire::is_valid_sni(config.sni) || wire::room_from_sni(config.sni) == wire::kSniProbe)) {
    return make_error(Errc::invalid_argument,
                      "SNI '" + config.sni + "' is not a room: use a DNS name such as the hashed room name");
  }
  std::unique_ptr<Client> client(new Client(std::move(config), std::move(sink), shared_loop));
  Client* self = client.get();
  transport::EndpointCallbacks callbacks;
  callbacks.on_handshake_completed = [self](transport::Connection& c) { self->on_handshake_completed(c); };
  callbacks.on_signal = [self](transport::Connection& c, ByteView p) { self->on_signal(c, p); };
  callbacks.on_signal_error = [self](transport::Connection& c, const Error& e) {
    self->on_signal_error(c, e);
  };
  callbacks.on_datagram = [self](transport::Connection& c, ByteView d) { self->on_datagram(c, d); };
  callbacks.on_closed = [self](transport::Connection& c, const transport::CloseInfo& i) {
    self->on_closed(c, i);
  };
  transport::ClientConfig endpoint_config;
  endpoint_config.transport = self->config_.transport;
  // On a shared loop that runs already, the endpoint's descriptors are added on its thread.
  auto endpoint = self->loop_.run_sync([&] {
    return transport::Endpoint::create_client(self->loop_, std::move(endpoint_config), std::move(callbacks));
  });
  if (!endpoint) return std::move(endpoint).error();
  self->endpoint_ = std::move(*endpoint);
  if (self->own_loop_) self->own_loop_->start();
  return client;
}

Client::~Client() {
  loop_.run_sync([this] {
    resolve_.reset();  // a lookup still running delivers nothing from now on
    next_address_ = addresses_.size();
    // A shared loop outlives this client: no timer of it may fire later.
    if (deadline_) loop_.cancel_timer(*deadline_);
    if (attempt_timer_) loop_.cancel_timer(*attempt_timer_);
    deadline_.reset();
    attempt_timer_.reset();
    if (endpoint_) endpoint_->shutdown(wire::code_value(wire::CloseCode::normal), "normal close");
  });
  // Also the barrier for tasks posted to a shared loop before this point (they run first).
  loop_.run_sync([this] { endpoint_.reset(); });
  if (own_loop_) own_loop_->stop();
}

void Client::set_state(ClientState state) {
  {
    std::lock_guard lock(mutex_);
    state_.store(state);
  }
  state_cv_.notify_all();
  WZP_LOG(debug, kLog, "state " + std::string(client_state_name(state)));
  if (sink_) sink_(ClientEvent{ClientEventType::state, state, {}, {}, {}, {}, {}});
}

transport::Connection* Client::connection() {
  return connection_id_ && endpoint_ ? endpoint_->find(*connection_id_) : nullptr;
}

Status Client::wait_joined(int timeout_ms) {
  std::unique_lock lock(mutex_);
  auto done = [&] {
    auto s = state_.load();
    return s == ClientState::joined || s == ClientState::closed;
  };
  if (timeout_ms < 0) {
    state_cv_.wait(lock, done);
  } else if (!state_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), done)) {
    return make_error(Errc::timeout, "not joined within " + std::to_string(timeout_ms) + " ms (state " +
                                         std::string(client_state_name(state_.load())) + ")");
  }
  if (state_.load() == ClientState::joined) return {};
  if (!close_) return make_error(Errc::closed, "connection closed");
  bool app_code = close_->kind == transport::CloseKind::application ||
                  (close_->kind == transport::CloseKind::local && !close_->transport_code);
  std::string how = app_code ? "closed with " + std::string(wire::close_code_name(close_->code)) : "closed";
  return make_error(close_status(*close_), how + ": " + transport::describe(*close_));
}

void Client::fail(transport::Connection& conn, uint64_t code, const std::string& reason) {
  WZP_LOG(warn, kLog, "giving up: " + reason);
  conn.close(code, reason);
}

void Client::on_handshake_completed(transport::Connection& conn) {
  if (!take_connection(conn)) return;
  if (config_.token) {
    auto sent =
        conn.send_signal(as_bytes(wire::encode_json(wire::SignalMessage(wire::AuthToken{*config_.token}))));
    if (!sent)
      return fail(conn, wire::code_value(wire::CloseCode::normal),
                  "cannot send AuthToken: " + sent.error().message);
    set_state(ClientState::authenticating);
  }
  // Like the reference, the CallOffer follows the AuthToken without waiting:
  // the relay reads streams in order and answers once the token is accepted.
  handshake::Options options;
  options.preferred = config_.session_mode;
  options.require_v2 = config_.require_media_session_v2;
  caller_.emplace(config_.identity, options);
  wire::CallOffer offer = caller_->offer();
  if (config_.offer_room_peers) offer.peers_version = wire::kRoomPeersVersion;
  if (offers_trunking()) offer.trunk_version = wire::kTrunkVersion;
  auto sent = conn.send_signal(as_bytes(wire::encode_json(wire::SignalMessage(std::move(offer)))));
  if (!sent)
    return fail(conn, wire::code_value(wire::CloseCode::normal),
                "cannot send CallOffer: " + sent.error().message);
  set_state(ClientState::handshaking);
}

void Client::on_signal(transport::Connection& conn, ByteView payload) {
  if (conn.id() != connection_id_) return;
  auto state = state_.load();
  if ((state == ClientState::joined || awaiting_peer_list_) && room_peers_) {
    on_room_message(conn, payload);
    return;
  }
  if (state == ClientState::joined) {
    if (sink_)
      sink_(
          ClientEvent{ClientEventType::signal, state, Bytes(payload.begin(), payload.end()), {}, {}, {}, {}});
    return;
  }
  if (state != ClientState::handshaking || !caller_ || session_) return;
  auto message = wire::decode_json(as_chars(payload));
  if (!message) {
    return fail(conn, wire::code_value(wire::CloseCode::malformed_signal),
                "malformed signal from the relay: " + message.error().message);
  }
  auto session = caller_->accept(*message);
  if (!session) {
    return fail(conn, wire::code_value(wire::CloseCode::handshake_failed),
                "handshake failed: " + session.error().message);
  }
  auto relay_fp = session->peer_fingerprint();
  if (config_.pin_relay_fingerprint && !(*config_.pin_relay_fingerprint == relay_fp)) {
    return fail(conn, wire::code_value(wire::CloseCode::handshake_failed),
                "relay identity " + relay_fp.to_display() + " is not the pinned " +
                    config_.pin_relay_fingerprint->to_display());
  }
  {
    std::lock_guard lock(mutex_);
    relay_fingerprint_ = relay_fp;
    media_session_ = session->mode();
  }
  session_.emplace(std::move(*session));
  room_peers_ = config_.offer_room_peers &&
                std::get<wire::CallAnswer>(*message).peers_version == wire::kRoomPeersVersion;
  // From here on every datagram of this relay is a TrunkFrame (row 42): no marker to guess from.
  trunking_.store(
      offers_trunking() && std::get<wire::CallAnswer>(*message).trunk_version == wire::kTrunkVersion,
      std::memory_order_release);
  if (room_peers_) {
    // The relay sends the member list right after its answer (streams arrive in
    // order): joined once it is in, so peers() is right from the JOINED event on.
    awaiting_peer_list_ = true;
    return;
  }
  finish_join();
}

void Client::finish_join() {
  auto* conn = connection();
  if (conn != nullptr) max_datagram_.store(conn->max_datagram_payload(), std::memory_order_relaxed);
  if (deadline_) {
    loop_.cancel_timer(*deadline_);
    deadline_.reset();
  }
  WZP_LOG(info, kLog,
          "joined (relay " + (relay_fingerprint() ? relay_fingerprint()->to_display() : std::string("?")) +
              ", media session " + (session_->mode() == handshake::SessionMode::v2 ? "v2" : "reference") +
              (room_peers_ ? ", room extension" : "") + ")");
  set_state(ClientState::joined);
  if (sink_) sink_(ClientEvent{ClientEventType::joined, ClientState::joined, {}, {}, {}, {}, {}});
}

void Client::emit_peer(ClientEventType type, const wire::PeerEntry& peer, Bytes data,
                       transport::CloseInfo close) {
  {
    std::lock_guard lock(room_observer_mutex_);
    if (room_observer_ && room_observer_(type, peer, data)) return;
  }
  if (type == ClientEventType::peer_signal && crypto::e2e::classify(data)) {
    // An end-to-end key message with no encrypted call here to take it (yet): the sender
    // greets again when our call starts. Not the application's.
    WZP_LOG(debug, kLog, "dropping an end-to-end key message from " + peer.fingerprint + ": no encrypted call");
    return;
  }
  if (!sink_) return;
  ClientEvent event{type, ClientState::joined, std::move(data), std::move(close), {}, {}, {}};
  event.room =
      wire::room_from_sni(config_.sni.empty() ? std::nullopt : std::optional<std::string_view>(config_.sni));
  event.fingerprint = peer.fingerprint;
  event.alias = peer.alias;
  sink_(std::move(event));
}

namespace {
transport::CloseKind close_kind_from_origin(std::string_view origin) {
  if (origin == "peer") return transport::CloseKind::application;
  if (origin == "relay") return transport::CloseKind::local;
  if (origin == "idle") return transport::CloseKind::idle_timeout;
  return transport::CloseKind::transport;
}
}  // namespace

void Client::on_room_message(transport::Connection& conn, ByteView payload) {
  auto value = wire::json::parse(as_chars(payload));
  if (!value || !wire::is_room_message(*value)) {
    // Any other signal is the application's, as without the extension.
    if (state_.load() == ClientState::joined && sink_) {
      sink_(ClientEvent{ClientEventType::signal,
                        ClientState::joined,
                        Bytes(payload.begin(), payload.end()),
                        {},
                        {},
                        {},
                        {}});
    }
    return;
  }
  auto message = wire::decode_room_message(*value);
  if (awaiting_peer_list_) {
    auto* list = message ? std::get_if<wire::RoomPeers>(&*message) : nullptr;
    if (list == nullptr) {
      return fail(conn, wire::code_value(wire::CloseCode::malformed_signal),
                  "expected the room's member list after the CallAnswer" +
                      (message ? std::string() : ": " + message.error().message));
    }
    awaiting_peer_list_ = false;
    {
      std::lock_guard lock(mutex_);
      peers_ = list->peers;
      if (peers_->size() > kMaxPeers) peers_->resize(kMaxPeers);
    }
    finish_join();
    for (const auto& peer : list->peers) emit_peer(ClientEventType::peer_joined, peer);
    return;
  }
  if (!message) {
    WZP_LOG(debug, kLog, "ignoring a malformed room message from the relay: " + message.error().message);
    return;
  }
  if (auto* joined = std::get_if<wire::PeerJoined>(&*message)) {
    {
      std::lock_guard lock(mutex_);
      if (peers_->size() < kMaxPeers) peers_->push_back(joined->peer);
    }
    emit_peer(ClientEventType::peer_joined, joined->peer);
  } else if (auto* left = std::get_if<wire::PeerLeft>(&*message)) {
    wire::PeerEntry gone = left->peer;
    {
      std::lock_guard lock(mutex_);
      auto it = std::find_if(peers_->begin(), peers_->end(),
                             [&](const wire::PeerEntry& p) { return p.fingerprint == gone.fingerprint; });
      if (it != peers_->end()) {
        if (!gone.alias) gone.alias = it->alias;
        peers_->erase(it);
      }
    }
    emit_peer(ClientEventType::peer_left, gone, {},
              transport::CloseInfo{close_kind_from_origin(left->origin), left->code, false, left->reason});
  } else if (auto* signal = std::get_if<wire::PeerSignal>(&*message)) {
    wire::PeerEntry sender{signal->from.value_or(""), std::nullopt};
    {
      std::lock_guard lock(mutex_);
      for (const auto& p : *peers_) {
        if (p.fingerprint == sender.fingerprint) sender.alias = p.alias;
      }
    }
    emit_peer(ClientEventType::peer_signal, sender, std::move(signal->data));
  }
  // A second member list is not expected: ignored.
}

void Client::on_signal_error(transport::Connection& conn, const Error& error) {
  if (conn.id() != connection_id_) return;
  if (state_.load() == ClientState::joined) {
    WZP_LOG(debug, kLog, "ignoring bad signal stream from the relay: " + error.message);
    return;
  }
  fail(conn, wire::code_value(wire::CloseCode::malformed_signal),
       "malformed signal from the relay: " + error.message);
}

void Client::on_datagram(transport::Connection&, ByteView datagram) {
  if (state_.load() != ClientState::joined) return;
  if (!trunking_.load(std::memory_order_relaxed)) return emit_media(datagram, std::nullopt);
  auto frame = wire::decode_trunk_frame(datagram);
  if (!frame) {
    trunk_counters_.frames_malformed.fetch_add(1, std::memory_order_relaxed);
    WZP_LOG(trace, kLog, "dropping a malformed trunk frame from the relay: " + frame.error().message);
    return;
  }
  trunk_counters_.frames_received.fetch_add(1, std::memory_order_relaxed);
  // Each packet is reported as if it had come alone, in the frame's order (the sender's).
  for (const auto& entry : frame->entries) {
    trunk_counters_.packets_unpacked.fetch_add(1, std::memory_order_relaxed);
    const auto& tag = entry.session_id;
    emit_media(entry.payload, static_cast<uint16_t>((tag[0] << 8) | tag[1]));
  }
}

void Client::emit_media(ByteView datagram, std::optional<uint16_t> source) {
  {
    std::lock_guard lock(media_mutex_);
    if (media_handler_) return media_handler_(source, datagram);
  }
  if (!sink_) return;
  ClientEvent event{
      ClientEventType::media, ClientState::joined, Bytes(datagram.begin(), datagram.end()), {}, {}, {}, {}};
  event.source = source;
  sink_(std::move(event));
}

void Client::set_media_handler(MediaHandler handler) {
  std::lock_guard lock(media_mutex_);
  media_handler_ = std::move(handler);
}

void Client::set_room_observer(RoomObserver observer) {
  std::lock_guard lock(room_observer_mutex_);
  room_observer_ = std::move(observer);
}

bool Client::has_media_handler() const {
  std::lock_guard lock(media_mutex_);
  return static_cast<bool>(media_handler_);
}

bool Client::offers_trunking() const noexcept {
  return config_.offer_trunking && config_.session_mode == handshake::SessionMode::v2;
}

void Client::on_closed(transport::Connection& conn, const transport::CloseInfo& info) {
  if (conn.id() != connection_id_) return on_attempt_closed(conn, info);
  report_closed(info, conn.stats());
}

void Client::report_closed(const transport::CloseInfo& info, const transport::ConnectionStats& stats) {
  if (state_.load() == ClientState::closed) return;  // reported once
  if (deadline_) {
    loop_.cancel_timer(*deadline_);
    deadline_.reset();
  }
  {
    std::lock_guard lock(mutex_);
    close_ = info;
    last_stats_ = stats;
  }
  WZP_LOG(info, kLog, "closed: " + transport::describe(info));
  set_state(ClientState::closed);
  if (sink_) sink_(ClientEvent{ClientEventType::closed, ClientState::closed, {}, info, {}, {}, {}});
}

template <class Send>
Status Client::on_joined_connection(Send send) {
  return loop_.run_sync([&]() -> Status {
    auto state = state_.load();
    if (hung_up_.load() && state != ClientState::idle) return make_error(Errc::closed, "the client hung up");
    if (state != ClientState::joined) {
      return make_error(state == ClientState::closed ? Errc::closed : Errc::invalid_state,
                        "not joined (state " + std::string(client_state_name(state)) + ")");
    }
    auto* conn = connection();
    if (conn == nullptr) return make_error(Errc::closed, "connection closed");
    return send(*conn);
  });
}

Status Client::send_media(ByteView datagram) {
  // The hot path: validated here, sent by the loop without making the caller wait
  // for it (a round trip to the loop thread per packet costs more than the send).
  auto state = state_.load();
  if (hung_up_.load() && state != ClientState::idle) return make_error(Errc::closed, "the client hung up");
  if (state != ClientState::joined) {
    return make_error(state == ClientState::closed ? Errc::closed : Errc::invalid_state,
                      "not joined (state " + std::string(client_state_name(state)) + ")");
  }
  size_t limit = max_datagram_.load(std::memory_order_relaxed);
  if (datagram.size() > limit) {
    return make_error(Errc::too_large, "datagram of " + std::to_string(datagram.size()) +
                                           " bytes exceeds the connection's limit of " +
                                           std::to_string(limit));
  }
  bool posted = loop_.post([this, packet = Bytes(datagram.begin(), datagram.end())] {
    auto* conn = connection();
    if (conn == nullptr || !conn->send_datagram(packet)) {
      unsent_datagrams_.fetch_add(1, std::memory_order_relaxed);
    }
  });
  if (!posted) return make_error(Errc::closed, "client is shutting down");
  return {};
}

Status Client::send_signal(const wire::SignalMessage& message) {
  std::string json = wire::encode_json(message);
  return on_joined_connection([&](transport::Connection& conn) { return conn.send_signal(as_bytes(json)); });
}

void Client::hangup(wire::HangupReason reason) {
  loop_.run_sync([&] {
    if (hung_up_.exchange(true)) return;
    if (state_.load() == ClientState::idle) {
      // Hanging up before connecting closes the client; connect() then refuses.
      transport::CloseInfo info;
      info.kind = transport::CloseKind::local;
      info.code = wire::code_value(wire::CloseCode::normal);
      info.reason = "hung up before connecting";
      {
        std::lock_guard lock(mutex_);
        close_ = info;
      }
      set_state(ClientState::closed);
      if (sink_) sink_(ClientEvent{ClientEventType::closed, ClientState::closed, {}, info, {}, {}, {}});
      return;
    }
    if (state_.load() == ClientState::connecting && !connection_id_) {
      abandon_connecting(
          {transport::CloseKind::local, wire::code_value(wire::CloseCode::normal), false, "normal close"});
      return;
    }
    auto* conn = connection();
    if (conn == nullptr || !conn->is_open()) return;
    if (state_.load() == ClientState::joined) {
      // Best effort, as the reference: the close follows at once.
      (void)conn->send_signal(as_bytes(wire::encode_json(wire::SignalMessage(wire::Hangup{reason}))));
    }
    conn->close(wire::code_value(wire::CloseCode::normal), "normal close");
  });
  // The close is sent by a flush the endpoint posted above; once this task has
  // run, so has the flush: the client is closed when hangup() returns.
  loop_.run_sync([] {});
}

Result<std::vector<wire::PeerEntry>> Client::peers() const {
  std::lock_guard lock(mutex_);
  auto state = state_.load();
  if (state != ClientState::joined) {
    return make_error(Errc::invalid_state,
                      "not joined (state " + std::string(client_state_name(state)) + ")");
  }
  if (!peers_) {
    return make_error(Errc::invalid_state,
                      "the relay did not agree to the room extension (a reference relay, or the client "
                      "did not offer it)");
  }
  return *peers_;
}

Status Client::send_peer_signal(const std::optional<std::string>& to, ByteView data) {
  if (data.size() > wire::kMaxPeerSignalBytes) {
    return make_error(Errc::too_large, "peer signal of " + std::to_string(data.size()) +
                                           " bytes exceeds the limit of " +
                                           std::to_string(wire::kMaxPeerSignalBytes));
  }
  return on_joined_connection([&](transport::Connection& conn) -> Status {
    auto members = peers();
    if (!members) return std::move(members).error();
    if (to && std::none_of(members->begin(), members->end(),
                           [&](const wire::PeerEntry& p) { return p.fingerprint == *to; })) {
      return make_error(Errc::not_found, "no member " + *to + " in the room");
    }
    wire::PeerSignal signal{std::nullopt, to, Bytes(data.begin(), data.end())};
    return conn.send_signal(as_bytes(wire::encode_json(wire::RoomMessage(std::move(signal)))));
  });
}

transport::ConnectionStats Client::stats() const {
  auto stats = loop_.run_sync([this] {
    auto* self = const_cast<Client*>(this);
    if (auto* conn = self->connection()) return conn->stats();
    std::lock_guard lock(mutex_);
    return last_stats_;
  });
  stats.datagrams_dropped += unsent_datagrams_.load(std::memory_order_relaxed);
  return stats;
}

std::optional<crypto::Fingerprint> Client::relay_fingerprint() const {
  std::lock_guard lock(mutex_);
  return relay_fingerprint_;
}

std::optional<handshake::SessionMode> Client::media_session() const {
  std::lock_guard lock(mutex_);
  return media_session_;
}

std::optional<transport::CloseInfo> Client::close_info() const {
  std::lock_guard lock(mutex_);
  return close_;
}

}  // namespace wzp::client

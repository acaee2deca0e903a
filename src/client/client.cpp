#include "client/client.hpp"

#include "core/clock.hpp"
#include "core/log.hpp"
#include "wire/close_codes.hpp"
#include "wire/sni.hpp"

namespace wzp::client {
namespace {
constexpr std::string_view kLog = "client";
}

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

Client::Client(ClientConfig config, EventSink sink) : config_(std::move(config)), sink_(std::move(sink)) {}

Result<std::unique_ptr<Client>> Client::create(ClientConfig config, EventSink sink) {
  if (config.relay_port == 0) return make_error(Errc::invalid_argument, "relay port must not be 0");
  if (!transport::SocketAddress::from_ip(config.relay_host, config.relay_port)) {
    return make_error(Errc::invalid_argument, "relay host '" + config.relay_host + "' is not an IP address");
  }
  // A relay's TLS stack refuses other names during the handshake (with an
  // alert that says nothing about why); "_probe" asks for a relay probe.
  if (!config.sni.empty() &&
      (!wire::is_valid_sni(config.sni) || wire::room_from_sni(config.sni) == wire::kSniProbe)) {
    return make_error(Errc::invalid_argument,
                      "SNI '" + config.sni + "' is not a room: use a DNS name such as the hashed room name");
  }
  std::unique_ptr<Client> client(new Client(std::move(config), std::move(sink)));
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
  auto endpoint =
      transport::Endpoint::create_client(self->loop_, std::move(endpoint_config), std::move(callbacks));
  if (!endpoint) return std::move(endpoint).error();
  self->endpoint_ = std::move(*endpoint);
  self->loop_.start();
  return client;
}

Client::~Client() {
  loop_.run_sync([this] {
    if (endpoint_) endpoint_->shutdown(wire::code_value(wire::CloseCode::normal), "normal close");
  });
  loop_.run_sync([this] { endpoint_.reset(); });
  loop_.stop();
}

void Client::set_state(ClientState state) {
  {
    std::lock_guard lock(mutex_);
    state_.store(state);
  }
  state_cv_.notify_all();
  WZP_LOG(debug, kLog, "state " + std::string(client_state_name(state)));
  if (sink_) sink_(ClientEvent{ClientEventType::state, state, {}, {}});
}

transport::Connection* Client::connection() {
  return connection_id_ && endpoint_ ? endpoint_->find(*connection_id_) : nullptr;
}

Status Client::connect() {
  return loop_.run_sync([this]() -> Status {
    // One client, one connection: a closed client (hung up, refused, disconnected) stays closed.
    if (state_.load() == ClientState::closed) {
      return make_error(Errc::invalid_state,
                        "the client is closed and cannot connect again: create a new client");
    }
    if (state_.load() != ClientState::idle)
      return make_error(Errc::invalid_state, "connect() was already called");
    auto remote = transport::SocketAddress::from_ip(config_.relay_host, config_.relay_port);
    if (!remote) return std::move(remote).error();
    transport::ConnectOptions options;
    options.sni = config_.sni;
    options.pinned_certificate_sha256 = config_.pin_certificate_sha256;
    auto id = endpoint_->connect(*remote, options);
    if (!id) return std::move(id).error();
    connection_id_ = *id;
    WZP_LOG(info, kLog,
            "connecting to " + remote->to_string() + " (SNI " + (config_.sni.empty() ? "none" : config_.sni) +
                ") as " + config_.identity.fingerprint().to_display());
    set_state(ClientState::connecting);
    uint64_t deadline = clock::now_ns() + uint64_t{config_.handshake_timeout_ms} * 1'000'000;
    deadline_ = loop_.add_timer(deadline, [this] {
      deadline_.reset();
      auto s = state_.load();
      if (s == ClientState::joined || s == ClientState::closed) return;
      if (auto* conn = connection()) {
        fail(*conn, wire::code_value(wire::CloseCode::timeout),
             "not joined within " + std::to_string(config_.handshake_timeout_ms) + " ms (state " +
                 std::string(client_state_name(s)) + ")");
      }
    });
    return {};
  });
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
  return make_error(Errc::closed, close_ ? transport::describe(*close_) : "connection closed");
}

void Client::fail(transport::Connection& conn, uint64_t code, const std::string& reason) {
  WZP_LOG(warn, kLog, "giving up: " + reason);
  conn.close(code, reason);
}

void Client::on_handshake_completed(transport::Connection& conn) {
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
  auto sent = conn.send_signal(as_bytes(wire::encode_json(wire::SignalMessage(caller_->offer()))));
  if (!sent)
    return fail(conn, wire::code_value(wire::CloseCode::normal),
                "cannot send CallOffer: " + sent.error().message);
  set_state(ClientState::handshaking);
}

void Client::on_signal(transport::Connection& conn, ByteView payload) {
  auto state = state_.load();
  if (state == ClientState::joined) {
    if (sink_) sink_(ClientEvent{ClientEventType::signal, state, Bytes(payload.begin(), payload.end()), {}});
    return;
  }
  if (state != ClientState::handshaking || !caller_) return;
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
  max_datagram_.store(conn.max_datagram_payload(), std::memory_order_relaxed);
  if (deadline_) {
    loop_.cancel_timer(*deadline_);
    deadline_.reset();
  }
  WZP_LOG(info, kLog,
          "joined (relay " + relay_fp.to_display() + ", media session " +
              (session_->mode() == handshake::SessionMode::v2 ? "v2" : "reference") + ")");
  set_state(ClientState::joined);
  if (sink_) sink_(ClientEvent{ClientEventType::joined, ClientState::joined, {}, {}});
}

void Client::on_signal_error(transport::Connection& conn, const Error& error) {
  if (state_.load() == ClientState::joined) {
    WZP_LOG(debug, kLog, "ignoring bad signal stream from the relay: " + error.message);
    return;
  }
  fail(conn, wire::code_value(wire::CloseCode::malformed_signal),
       "malformed signal from the relay: " + error.message);
}

void Client::on_datagram(transport::Connection&, ByteView datagram) {
  if (state_.load() != ClientState::joined) return;
  if (sink_)
    sink_(ClientEvent{
        ClientEventType::media, ClientState::joined, Bytes(datagram.begin(), datagram.end()), {}});
}

void Client::on_closed(transport::Connection& conn, const transport::CloseInfo& info) {
  if (deadline_) {
    loop_.cancel_timer(*deadline_);
    deadline_.reset();
  }
  {
    std::lock_guard lock(mutex_);
    close_ = info;
    last_stats_ = conn.stats();
  }
  WZP_LOG(info, kLog, "closed: " + transport::describe(info));
  set_state(ClientState::closed);
  if (sink_) sink_(ClientEvent{ClientEventType::closed, ClientState::closed, {}, info});
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
      if (sink_) sink_(ClientEvent{ClientEventType::closed, ClientState::closed, {}, info});
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

// A client connection to a relay room:
//   QUIC + TLS (SNI = room) -> [AuthToken] -> CallOffer ... CallAnswer -> joined
// then media datagrams and signals both ways until hangup or close. Every step
// has a deadline; every end is reported with who closed, a code and a reason.
//
// Threading: the client owns one event-loop thread. Public methods are
// thread-safe; the event sink runs on the loop thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "crypto/identity.hpp"
#include "crypto/seed.hpp"
#include "handshake/signal_handshake.hpp"
#include "transport/endpoint.hpp"
#include "wire/signal_message.hpp"

namespace wzp::client {

enum class ClientState { idle, connecting, authenticating, handshaking, joined, closed };
std::string_view client_state_name(ClientState state) noexcept;

struct ClientConfig {
  std::string relay_host;
  uint16_t relay_port = 0;
  /// The SNI to send (already hashed, or "default"); empty sends no SNI.
  /// Must be a valid DNS name other than "_probe" (create() refuses others).
  std::string sni = "default";
  std::optional<std::string> token;
  crypto::Identity identity = crypto::Identity::from_seed(crypto::Seed::random());
  handshake::SessionMode session_mode = handshake::SessionMode::v2;
  std::optional<ByteArray<32>> pin_certificate_sha256;
  std::optional<crypto::Fingerprint> pin_relay_fingerprint;
  uint32_t handshake_timeout_ms = 10'000;
  transport::TransportSettings transport;
  /// Refuse a relay that does not agree to the v2 media session (the connection is
  /// closed with WZP_CLOSE_HANDSHAKE_FAILED) instead of falling back to the reference one.
  bool require_media_session_v2 = false;
};

enum class ClientEventType { state, joined, media, signal, closed };

struct ClientEvent {
  ClientEventType type = ClientEventType::state;
  ClientState state = ClientState::idle;
  Bytes data;                  // media: datagram; signal: JSON text
  transport::CloseInfo close;  // closed
};

class Client {
 public:
  using EventSink = std::function<void(ClientEvent)>;

  /// Errors: invalid_argument (port 0, host not an IP address, SNI not a room name), io, tls.
  static Result<std::unique_ptr<Client>> create(ClientConfig config, EventSink sink);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Start connecting; returns at once. Errors: invalid_state (not idle: connecting, joined or
  /// closed, a closed client cannot connect again), invalid_argument, io.
  Status connect();
  /// Block until joined (ok), closed (Errc::closed with the reason) or the timeout (Errc::timeout).
  Status wait_joined(int timeout_ms);
  ClientState state() const noexcept { return state_.load(); }

  /// Queue one datagram for sending (it does not wait for the loop thread).
  /// Errors: invalid_state (not joined), too_large, closed. A datagram that the
  /// connection then cannot take (closed meanwhile, queue full) is counted in
  /// stats().datagrams_dropped.
  Status send_media(ByteView datagram);
  /// Errors: invalid_state (not joined), closed.
  Status send_signal(const wire::SignalMessage& message);
  /// Send Hangup{reason}, then close with WZP_CLOSE_NORMAL. Idempotent. Before connect()
  /// it closes the client (a closed event, code normal, local) so that connect() refuses.
  void hangup(wire::HangupReason reason);

  transport::ConnectionStats stats() const;
  std::optional<crypto::Fingerprint> relay_fingerprint() const;
  /// The media session the handshake chose, once joined.
  std::optional<handshake::SessionMode> media_session() const;
  const std::string& sni() const noexcept { return config_.sni; }
  /// The close that ended the connection, once closed.
  std::optional<transport::CloseInfo> close_info() const;

 private:
  Client(ClientConfig config, EventSink sink);
  void set_state(ClientState state);
  void on_handshake_completed(transport::Connection& conn);
  void on_signal(transport::Connection& conn, ByteView payload);
  void on_signal_error(transport::Connection& conn, const Error& error);
  void on_datagram(transport::Connection& conn, ByteView datagram);
  void on_closed(transport::Connection& conn, const transport::CloseInfo& info);
  void fail(transport::Connection& conn, uint64_t code, const std::string& reason);
  transport::Connection* connection();
  /// Runs send(conn) on the loop if joined; otherwise invalid_state or closed.
  template <class Send>
  Status on_joined_connection(Send send);

  ClientConfig config_;
  EventSink sink_;
  std::atomic<ClientState> state_{ClientState::idle};
  std::atomic<size_t> max_datagram_{0};  // the connection's datagram limit, set when joined
  std::atomic<uint64_t> unsent_datagrams_{0};
  std::atomic<bool> hung_up_{false};  // set by hangup(): sends fail at once, before on_closed

  mutable std::mutex mutex_;  // guards the fields below for readers on other threads
  std::condition_variable state_cv_;
  std::optional<transport::CloseInfo> close_;
  std::optional<crypto::Fingerprint> relay_fingerprint_;
  std::optional<handshake::SessionMode> media_session_;
  transport::ConnectionStats last_stats_;

  // loop-thread state
  std::optional<handshake::Caller> caller_;
  std::optional<handshake::CallSession> session_;
  std::optional<transport::ConnectionId> connection_id_;
  std::optional<EventLoop::TimerId> deadline_;

  mutable EventLoop loop_;
  std::unique_ptr<transport::Endpoint> endpoint_;
};

}  // namespace wzp::client

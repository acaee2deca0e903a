// A client connection to a relay room:
//   [resolve the host] -> QUIC + TLS (SNI = room) -> [AuthToken] -> CallOffer ... CallAnswer -> joined
// then media datagrams and signals both ways until hangup or close. Every step
// has a deadline; every end is reported with who closed, a code and a reason.
// A host name's addresses race in turn (each starts when the previous failed or
// after attempt_delay_ms); the first to complete the QUIC handshake is used.
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
#include <vector>

#include "client/background_resolve.hpp"
#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "crypto/identity.hpp"
#include "crypto/seed.hpp"
#include "handshake/signal_handshake.hpp"
#include "transport/endpoint.hpp"
#include "wire/room_message.hpp"
#include "wire/signal_message.hpp"

namespace wzp::client {

enum class ClientState { idle, connecting, authenticating, handshaking, joined, closed };
std::string_view client_state_name(ClientState state) noexcept;

struct ClientConfig {
  /// An IP literal or a host name (resolved on a worker thread when connecting).
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
  /// Resolving, reaching the relay and the handshake, together. Nothing answered
  /// by then: WZP_CLOSE_CONNECT_TIMEOUT; no CallAnswer: WZP_CLOSE_TIMEOUT.
  uint32_t handshake_timeout_ms = 10'000;
  transport::TransportSettings transport;
  /// Refuse a relay that does not agree to the v2 media session (the connection is
  /// closed with WZP_CLOSE_HANDSHAKE_FAILED) instead of falling back to the reference one.
  bool require_media_session_v2 = false;
  /// Offer the room extension ("wzp_peers": member list, joined/left notices,
  /// peer signals). Off, the CallOffer is what a reference client sends (with
  /// session_mode reference, byte for byte).
  bool offer_room_peers = true;
  /// Offer "wzp_trunk" (docs/PROTOCOL.md row 42): a relay that agrees sends every
  /// media datagram as a TrunkFrame, which the client unpacks into one media
  /// event per packet. Only offered with session_mode v2 (the reference mode's
  /// CallOffer stays the reference's).
  bool offer_trunking = true;
  /// Empty: transport::resolve_host (getaddrinfo). Tests give their own.
  Resolver resolver;
  /// How long an address may go unanswered before the next one is tried as well.
  uint32_t attempt_delay_ms = 250;
};

/// TrunkFrames from a relay that agreed to trunking; read from any thread.
struct ClientTrunkCounters {
  std::atomic<uint64_t> frames_received{0};   // decoded
  std::atomic<uint64_t> packets_unpacked{0};  // media events they gave
  std::atomic<uint64_t> frames_malformed{0};  // dropped: not a TrunkFrame
};

enum class ClientEventType { state, joined, media, signal, closed, peer_joined, peer_left, peer_signal };

struct ClientEvent {
  ClientEventType type = ClientEventType::state;
  ClientState state = ClientState::idle;
  Bytes data;                              // media: datagram; signal: JSON text; peer_signal: payload
  transport::CloseInfo close;              // closed; peer_left: why the peer left (as the relay saw it)
  std::optional<std::string> room;         // peer_*: the room (as the relay names it)
  std::optional<std::string> fingerprint;  // peer_*: the peer (peer_signal: the sender)
  std::optional<std::string> alias;        // peer_*: the peer's alias from the auth server, if any
  // media: the sender's trunk tag when the relay agreed to trunking; plain datagrams
  // carry none (a reference relay gives no way to tell senders apart).
  std::optional<uint16_t> source = std::nullopt;
};

/// Takes media datagrams instead of the event sink (a call engine): the sender's
/// trunk tag (nullopt for plain datagrams) and the packet. Runs on the loop thread.
using MediaHandler = std::function<void(std::optional<uint16_t> source, ByteView packet)>;
/// Sees the room's peer events (peer_joined, peer_left, peer_signal) before the event sink,
/// on the client's thread; returning true consumes the event (the sink does not get it).
using RoomObserver = std::function<bool(ClientEventType type, const wire::PeerEntry& peer, ByteView data)>;

class Client {
 public:
  using EventSink = std::function<void(ClientEvent)>;

  /// Errors: invalid_argument (port 0, empty host, SNI not a room name), io, tls.
  /// shared_loop: run on that loop (already running, shared with other clients; it must outlive
  /// the client) instead of a loop thread of the client's own.
  static Result<std::unique_ptr<Client>> create(ClientConfig config, EventSink sink,
                                                EventLoop* shared_loop = nullptr);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Start connecting; returns at once. Errors: invalid_state (not idle: connecting, joined or
  /// closed, a closed client cannot connect again), invalid_argument, io (an IP literal that
  /// cannot be sent to; a host name's failures end in a close).
  Status connect();
  /// Block until joined (ok), closed (close_status() of the close, with its code
  /// name and reason) or the timeout (Errc::timeout, not closed).
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

  /// The other members of the room, in join order. Errors: invalid_state (not
  /// joined, or the relay did not agree to the room extension).
  Result<std::vector<wire::PeerEntry>> peers() const;
  /// Send `data` to the member `to` (display fingerprint) or, without `to`, to
  /// every other member that speaks the extension. Errors: too_large (over
  /// wire::kMaxPeerSignalBytes), invalid_state (as peers()), not_found (`to` is
  /// not in the room), closed.
  Status send_peer_signal(const std::optional<std::string>& to, ByteView data);

  transport::ConnectionStats stats() const;
  std::optional<crypto::Fingerprint> relay_fingerprint() const;
  /// True once joined with a relay that agreed to trunking.
  bool trunking() const noexcept { return trunking_.load(std::memory_order_acquire); }
  const ClientTrunkCounters& trunk_counters() const noexcept { return trunk_counters_; }
  /// The media session the handshake chose, once joined.
  std::optional<handshake::SessionMode> media_session() const;
  const std::string& sni() const noexcept { return config_.sni; }
  /// Route media datagrams to `handler` instead of the event sink (empty: back to the
  /// sink). Returns once no datagram is being handed to the previous handler, so what
  /// it captured may then be released.
  void set_media_handler(MediaHandler handler);
  bool has_media_handler() const;
  /// Install (empty: remove) the room observer. Returns once no event is being handed to
  /// the previous one.
  void set_room_observer(RoomObserver observer);
  /// True on the client's own thread (where a call into the client does not wait for it).
  bool in_client_thread() const noexcept { return loop_.in_loop_thread(); }
  /// The identity the client joined with.
  const crypto::Identity& identity() const noexcept { return config_.identity; }
  /// The close that ended the connection, once closed.
  std::optional<transport::CloseInfo> close_info() const;

 private:
  Client(ClientConfig config, EventSink sink, EventLoop* shared_loop);
  void set_state(ClientState state);
  void on_handshake_completed(transport::Connection& conn);
  void on_signal(transport::Connection& conn, ByteView payload);
  void on_signal_error(transport::Connection& conn, const Error& error);
  void on_datagram(transport::Connection& conn, ByteView datagram);
  void emit_media(ByteView datagram, std::optional<uint16_t> source);
  bool offers_trunking() const noexcept;
  void on_closed(transport::Connection& conn, const transport::CloseInfo& info);
  void fail(transport::Connection& conn, uint64_t code, const std::string& reason);
  /// The handshake is done (and the member list is in, when agreed): report JOINED.
  void finish_join();
  void on_room_message(transport::Connection& conn, ByteView payload);
  void emit_peer(ClientEventType type, const wire::PeerEntry& peer, Bytes data = {},
                 transport::CloseInfo close = {});
  void report_closed(const transport::CloseInfo& info, const transport::ConnectionStats& stats);
  void on_deadline();

  // Connecting (client_connect.cpp), loop thread.
  void begin_connecting(const std::string& target);
  void on_resolved(ResolveResult result);
  Status start_attempt(const transport::SocketAddress& remote);
  void start_next_attempt();
  void note_failure(const transport::SocketAddress& remote, const std::string& why);
  /// The connection whose QUIC handshake completed first becomes the client's;
  /// false for any other (a late attempt, already being closed).
  bool take_connection(transport::Connection& conn);
  void on_attempt_closed(transport::Connection& conn, const transport::CloseInfo& info);
  /// Stops resolving and every attempt, and reports `info` as the close.
  void abandon_connecting(const transport::CloseInfo& info);
  /// "relay localhost:4433 ([::1]:4433, 127.0.0.1:4433)" for reasons.
  std::string relay_description() const;
  std::string no_answer_reason() const;
  transport::Connection* connection();
  /// Runs send(conn) on the loop if joined; otherwise invalid_state or closed.
  template <class Send>
  Status on_joined_connection(Send send);

  ClientConfig config_;
  EventSink sink_;
  std::atomic<ClientState> state_{ClientState::idle};
  std::atomic<size_t> max_datagram_{0};  // the connection's datagram limit, set when joined
  std::atomic<uint64_t> unsent_datagrams_{0};
  std::atomic<bool> hung_up_{false};   // set by hangup(): sends fail at once, before on_closed
  std::atomic<bool> trunking_{false};  // the relay agreed to "wzp_trunk" (set on the loop thread)
  ClientTrunkCounters trunk_counters_;

  mutable std::mutex mutex_;  // guards the fields below for readers on other threads
  std::condition_variable state_cv_;
  std::optional<transport::CloseInfo> close_;
  std::optional<crypto::Fingerprint> relay_fingerprint_;
  std::optional<handshake::SessionMode> media_session_;
  transport::ConnectionStats last_stats_;
  std::optional<std::vector<wire::PeerEntry>> peers_;  // set once joined with the room extension

  // Held while a datagram is handed to media_handler_, so set_media_handler can wait it out.
  mutable std::mutex media_mutex_;
  MediaHandler media_handler_;
  std::mutex room_observer_mutex_;  // held while an event is handed to room_observer_
  RoomObserver room_observer_;

  // loop-thread state
  std::optional<handshake::Caller> caller_;
  std::optional<handshake::CallSession> session_;
  std::optional<transport::ConnectionId> connection_id_;
  std::optional<EventLoop::TimerId> deadline_;
  bool room_peers_ = false;          // the relay agreed to the room extension
  bool awaiting_peer_list_ = false;  // CallAnswer accepted, member list to follow
  struct Attempt {
    transport::ConnectionId id;
    transport::SocketAddress remote;
  };
  std::unique_ptr<BackgroundResolve> resolve_;  // set while the host name is being resolved
  std::vector<transport::SocketAddress> addresses_;
  size_t next_address_ = 0;        // addresses_[next_address_] is the next to try
  std::vector<Attempt> attempts_;  // QUIC handshakes in progress, none completed yet
  std::optional<EventLoop::TimerId> attempt_timer_;
  std::string attempt_failures_;  // "address: why; ..." of the attempts that failed
  std::string relay_address_;     // the address that answered

  std::unique_ptr<EventLoop> own_loop_;  // null on a shared loop
  EventLoop& loop_;                      // own_loop_ or the shared one
  std::unique_ptr<transport::Endpoint> endpoint_;
};

}  // namespace wzp::client

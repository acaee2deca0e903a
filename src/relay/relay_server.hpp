// The relay: a QUIC server whose connections go through
//   QUIC/TLS handshake -> room from SNI -> [AuthToken -> token check] -> CallOffer/CallAnswer
//   -> room join (ACL, room size) -> SFU forwarding of every media datagram
// with a deadline on every pre-room phase, a cap on connections that counts the
// ones still authenticating, and a distinct close code and reason for every
// rejection (wire/close_codes.hpp). Refusals wait for the QUIC handshake to
// complete, since only then can an application close carry code and reason. Malformed datagrams are dropped
// and counted; they never end a session (the reference ends it).
//
// Threading: the relay owns RelayConfig::threads event loops (RelayShard), each
// running the connections that reached its socket. The media path of each loop
// runs without locks (relay_shard.hpp); everything else (handshakes, signals,
// rooms, the access list, presence, the mesh) is the control plane: it runs on
// the loop of the connection concerned, under one relay-wide lock. A loop never
// waits for another loop (it posts to it), so the lock cannot deadlock.
// Public methods are thread-safe; the event sink runs on a loop thread, under
// the lock, one call at a time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "core/throttled_log.hpp"
#include "handshake/call_session.hpp"
#include "relay/auth_client.hpp"
#include "relay/http_api.hpp"
#include "relay/metric_histogram.hpp"
#include "relay/presence_redis.hpp"
#include "relay/presence_registry.hpp"
#include "relay/probe_mesh.hpp"
#include "relay/probe_status.hpp"
#include "relay/refusal_counters.hpp"
#include "relay/relay_config.hpp"
#include "relay/relay_events.hpp"
#include "relay/relay_shard.hpp"
#include "relay/room_registry.hpp"
#include "relay/session_metrics.hpp"
#include "relay/trunk_batcher.hpp"
#include "transport/endpoint.hpp"
#include "wire/close_codes.hpp"
#include "wire/room_message.hpp"
#include "wire/signal_message.hpp"

namespace wzp::relay {

struct ParticipantInfo {
  ParticipantId id = 0;
  transport::ConnectionId connection = 0;
  std::string fingerprint;                       // handshake identity, display form
  std::optional<std::string> token_fingerprint;  // from the auth server
  std::string remote;
  std::optional<handshake::SessionMode> media_session;  // chosen by the participant's handshake
  uint64_t datagrams_rate_limited = 0;                  // this sender's datagrams over its rate limit
  uint64_t signal_bytes_buffered = 0;                   // received signal bytes the relay holds for it now
  bool trunking = false;                                // receives TrunkFrames
};

struct RoomInfo {
  std::string room;
  std::vector<ParticipantInfo> participants;
};

class RelayServer {
 public:
  using EventSink = std::function<void(RelayEvent)>;

  /// Binds and starts the loop thread. Errors: io (bind), tls, invalid_argument.
  static Result<std::unique_ptr<RelayServer>> start(RelayConfig config, EventSink sink);
  ~RelayServer();
  RelayServer(const RelayServer&) = delete;
  RelayServer& operator=(const RelayServer&) = delete;

  /// Close every connection with WZP_CLOSE_SHUTDOWN and stop the loop. Idempotent.
  void stop();

  uint16_t port() const noexcept { return port_; }
  /// The bound socket address, "ip:port" or "[v6]:port" (the port 0 picked included).
  const std::string& address() const noexcept { return address_; }
  const crypto::Identity& identity() const noexcept { return config_.identity; }
  const ByteArray<32>& certificate_sha256() const noexcept { return cert_sha256_; }
  const RelayCounters& counters() const noexcept { return counters_; }
  /// The QUIC endpoints' counters (handshakes refused, Retry, resets...), summed
  /// over the loops. Off the loops it hops onto each; on a loop thread (an event
  /// callback) it reads that loop's live figures and the others' as of their last
  /// second, since a loop never waits for another.
  transport::EndpointStats transport_stats() const;
  /// The number of event loops.
  size_t thread_count() const noexcept { return shards_.size(); }

  /// Runs `change` on the access list, on the loop thread (inline when called on it),
  /// before returning. Joins decided afterwards see the change, and every joined
  /// participant the list no longer admits is closed with WZP_CLOSE_ACL_DENIED
  /// (counted in acl_evicted): before returning when called off the loop, in a task
  /// posted right after when called on it (from an event callback, so nothing the
  /// loop is in the middle of loses its peer).
  /// Returns how many were evicted (0 when called on the loop thread: not known yet).
  size_t update_acl(const std::function<void(AccessList&)>& change);
  void set_acl_enabled(bool enabled);
  void acl_allow(const std::string& room, const std::string& fingerprint);
  void acl_revoke(const std::string& room, const std::string& fingerprint);
  void acl_replace(AccessList::Rooms rooms);
  std::vector<RoomInfo> rooms() const;
  /// A copy of the access list, read on the loop thread.
  AccessList acl() const;

  /// Who is online here and at the mesh's other relays. Thread-safe.
  PresenceRegistry& presence() noexcept { return *presence_; }
  const PresenceRegistry& presence() const noexcept { return *presence_; }
  /// One entry per probe target, in configuration order. Thread-safe.
  std::vector<ProbeStatus> probe_status() const;
  /// The fingerprint each probe target authenticated as, by target ("ip:port"). Thread-safe.
  std::map<std::string, std::string> probe_peers() const;
  /// The relay_addr this relay gossips (empty: the reference's choice, see RelayConfig::advertise).
  const std::string& advertised_address() const noexcept { return advertised_; }
  /// The Redis presence component (nullptr without presence_redis, or once
  /// stopped): its counters, and abandon() for tests. Not concurrently with stop().
  RedisPresenceSync* redis_presence() noexcept { return redis_presence_.get(); }
  /// The Prometheus exposition of /metrics (relay_metrics.hpp). Thread-safe; reads
  /// atomics and locked tables, so a scrape never waits for the loop thread.
  std::string metrics_text() const;
  /// The HTTP API's bound port; 0 when it is off.
  uint16_t http_port() const noexcept { return http_ ? http_->port() : 0; }

 private:
  struct Peer;
  RelayServer(RelayConfig config, EventSink sink);

  using ControlLock = std::unique_lock<std::recursive_mutex>;
  [[nodiscard]] ControlLock control() const { return ControlLock(control_); }
  /// Binds every loop's socket (the first picks the port) and starts nothing.
  Status open_shards(const transport::SocketAddress& address);
  transport::EndpointCallbacks shard_callbacks(uint8_t shard);
  /// The shard whose loop runs the calling thread; nullptr off the loops.
  RelayShard* current_shard() const;
  RelayShard& shard_of(const Peer& peer) const;
  /// The peer's connection: only on its shard's loop (nullptr elsewhere, or once gone).
  transport::Connection* connection(const Peer& peer) const;
  /// Gives every shard the room's members now (posted, in order); forgets an empty room's key.
  void publish_room(const std::string& room);
  void post_to_shards(const std::function<void(RelayShard&)>& task);
  /// Close the joined peers of `shard` the access list no longer admits; on that shard's loop.
  size_t evict_unadmitted(RelayShard& shard);

  // transport callbacks (loop thread)
  void on_new_connection(transport::Connection& conn, uint8_t shard);
  void on_handshake_completed(transport::Connection& conn);
  void on_signal(transport::Connection& conn, ByteView payload);
  void on_signal_error(transport::Connection& conn, const Error& error);
  void on_datagram(transport::Connection& conn, ByteView datagram);
  void on_closed(transport::Connection& conn, const transport::CloseInfo& info);
  void on_handshake_refused(const transport::HandshakeRefusal& refusal);

  void handle_signal(Peer& peer, transport::Connection& conn, wire::SignalMessage message);
  void handle_auth_token(Peer& peer, const std::string& token);
  void finish_auth(transport::ConnectionId id, uint64_t generation, Result<AuthIdentity> result);
  void handle_offer(Peer& peer, transport::Connection& conn, const wire::SignalMessage& message);
  void refuse_full(transport::Connection& conn);
  void arm_phase_deadline(Peer& peer, const std::string& awaited);
  void arm_deadline(Peer& peer, uint32_t timeout_ms, wire::CloseCode code, std::string reason);
  /// Remove a joined peer from its room and report LEFT.
  void leave_room(Peer& peer, const transport::CloseInfo& why);
  /// The HTTP API's /acl routes (relay_server_acl.cpp); run on its threads.
  AclAnswer acl_route(const AclRequest& request);
  /// Mesh setup from the config (start). Errors: invalid_argument.
  Status configure_mesh();
  void register_presence(Peer& peer);
  void on_presence_change(const PresenceChange& change);
  void schedule_presence_expiry();

  // The room extension, for members that agreed to it.
  /// Send a member that just joined (as `participant`) the list of the others. Errors: as send_signal.
  Status send_member_list(const Peer& peer, transport::Connection& conn, ParticipantId participant);
  /// Tell the other members that `peer` joined.
  void announce_join(const Peer& peer);
  /// Tell the remaining members that `peer` left, and why.
  void announce_leave(const Peer& peer, const transport::CloseInfo& why);
  void handle_room_message(Peer& peer, wire::RoomMessage message);
  /// Queues `json` to member `id`, then calls `done(queued)`: false when its connection is gone
  /// or refuses it. At once for a member of this loop; from a task on its loop otherwise, so
  /// `done` may run on any loop thread.
  void send_to_member(transport::ConnectionId id, std::string json, std::function<void(bool)> done);
  /// send_to_member's `done` for member lists and notices: counts those queued.
  std::function<void(bool)> count_membership_message();
  wire::PeerEntry peer_entry(const Peer& peer) const;
  void reject(Peer& peer, transport::Connection& conn, wire::CloseCode code, const std::string& reason,
              std::atomic<uint64_t>& counter);
  void emit(RelayEvent event);
  Peer* find_peer(transport::ConnectionId id);
  /// The HTTP API's routes (relay_server_http.cpp); run on its threads.
  HttpApiRoutes http_routes();
  std::string health_json() const;

  RelayConfig config_;
  EventSink sink_;
  RelayCounters counters_;
  ByteArray<32> cert_sha256_{};
  uint16_t port_ = 0;
  std::string address_;

  std::string advertised_;
  std::set<std::string> trusted_bridges_;       // display fingerprints, fixed at create
  std::unique_ptr<PresenceRegistry> presence_;  // thread-safe; outlives the mesh, the loop and Redis
  std::unique_ptr<RedisPresenceSync> redis_presence_;
  std::shared_ptr<const RedisPresenceCounters> redis_counters_;  // set once at start; read by scrapes
  // Metrics written on the loop thread, read by scrapes on HTTP threads.
  SessionMetrics session_metrics_;
  MetricHistogram handshake_seconds_{handshake_duration_buckets()};
  RefusalCounters refusals_;
  std::unique_ptr<HttpApi> http_;  // stopped first: its routes read this relay

  // Control-plane state, under control_ (declared before shards_ so the loops stop first).
  mutable std::recursive_mutex control_;
  std::unique_ptr<ProbeMesh> mesh_;  // on shard 0's loop (its timers and links)
  std::optional<EventLoop::TimerId> expiry_timer_;
  std::unique_ptr<AuthClient> auth_;
  AccessList acl_;
  RoomRegistry registry_;
  std::map<transport::ConnectionId, std::unique_ptr<Peer>> peers_;
  ThrottledLog full_log_{log::Level::warn, "relay"};    // refusals anyone can cause by connecting
  ThrottledLog reject_log_{log::Level::warn, "relay"};  // rejections of clients that have not joined
  std::vector<uint64_t> fanout_scratch_;
  std::unordered_map<std::string, uint64_t> room_keys_;  // the media path's name for each room
  uint64_t next_room_key_ = 1;
  bool stopped_ = false;

  std::vector<std::unique_ptr<RelayShard>> shards_;  // declared last: their loops stop first
};

}  // namespace wzp::relay

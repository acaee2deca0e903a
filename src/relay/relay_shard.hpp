// One event loop of the relay (RelayConfig::threads): its QUIC endpoint (a
// socket of the relay's SO_REUSEPORT group), the connections it accepted, and
// the media path of the joined participants among them.
//
// The media path takes no lock per datagram: each shard keeps its own copy of
// the routes of the rooms (who is in them, on which shard), and forwards a
// datagram to the members it owns directly; for the members of another shard
// it appends the datagram to that shard's outgoing batch, and every batch
// leaves as one posted task once the current receive batch is handled. The
// control plane (RelayServer, under its lock) publishes each room's members to
// every shard in order (publish_room: applied before the next datagram), and
// changes the rest through tasks posted to each loop.
//
// Threading: every method runs on the shard's loop thread, except the
// constructor, loop(), index(), publish_room() and take_over().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/bytes.hpp"
#include "core/event_loop.hpp"
#include "relay/relay_config.hpp"
#include "relay/relay_events.hpp"
#include "relay/sender_policer.hpp"
#include "relay/session_metrics.hpp"
#include "relay/trunk_batcher.hpp"
#include "transport/endpoint.hpp"

namespace wzp::relay {

/// A member of a room as the media path sees it.
struct MediaRoute {
  transport::ConnectionId connection = 0;
  uint8_t shard = 0;
  bool trunking = false;  // receives TrunkFrames
};

class RelayShard;

/// What every shard of one relay shares; owned by the relay, outlives the shards' loops.
struct ShardContext {
  const RelayConfig* config = nullptr;
  RelayCounters* counters = nullptr;
  SessionMetrics* session_metrics = nullptr;
  std::vector<std::unique_ptr<RelayShard>>* shards = nullptr;
  size_t shard_count = 1;
};

class RelayShard {
 public:
  /// Datagrams one outgoing batch to another shard may hold; the rest of the
  /// receive batch's datagrams for that shard are dropped and counted.
  static constexpr size_t kMaxBatchDatagrams = 4096;
  /// Datagrams on their way to one shard at once (posted in batches, not yet
  /// delivered): a stalled shard costs bounded memory, the excess is dropped
  /// and counted. A bound on datagrams, not batches: a busy shard sends many
  /// small batches, and 64 of them were only a few milliseconds of a loop
  /// waiting for a core (the soak lost media that way).
  static constexpr uint64_t kMaxDatagramsInFlight = 8192;
  /// QUIC packets other shards' sockets received for this one, waiting to be
  /// taken in: anyone can send packets whose connection ID names a loop, so a
  /// flood of them while this loop is busy costs bounded memory.
  static constexpr uint64_t kMaxHandoversInFlight = 4096;

  RelayShard(uint8_t index, ShardContext context);
  ~RelayShard();
  RelayShard(const RelayShard&) = delete;
  RelayShard& operator=(const RelayShard&) = delete;

  [[nodiscard]] uint8_t index() const noexcept { return index_; }
  [[nodiscard]] EventLoop& loop() noexcept { return loop_; }
  /// The endpoint (null before set_endpoint and after release_endpoint).
  [[nodiscard]] transport::Endpoint* endpoint() noexcept { return endpoint_.get(); }
  void set_endpoint(std::unique_ptr<transport::Endpoint> endpoint) { endpoint_ = std::move(endpoint); }
  /// Drops the endpoint, keeping its last stats. Loop thread, or loop stopped.
  void release_endpoint();
  [[nodiscard]] transport::EndpointStats transport_stats() const;
  /// The endpoint's counters as of the last second (any thread): what a loop
  /// reads of another, since loops never wait for each other.
  [[nodiscard]] transport::EndpointStats stats_snapshot() const;
  /// Refreshes the snapshot every second from now on (loop thread).
  void start_stats_refresh();

  // Control plane -> media path.
  /// A participant of this shard joined: its datagrams are policed and routed to `room`.
  void add_sender(transport::ConnectionId id, uint64_t room, std::string session_id,
                  std::shared_ptr<std::atomic<uint64_t>> rate_limited);
  void remove_sender(transport::ConnectionId id);
  /// The members of `room` now (empty: the room is gone). Any thread. In force
  /// for every datagram the shard handles once this returns, even one its loop
  /// read before the task that would apply it ran: a member told of a join may
  /// send to the newcomer at once, and its loop may be between its task queue
  /// and its socket.
  void publish_room(uint64_t room, std::shared_ptr<const std::vector<MediaRoute>> members);
  /// Trunking: the sender's tag in its room (every shard computes the same
  /// tags from the same sequence of calls), and its removal.
  void trunk_add_sender(const std::string& room, transport::ConnectionId sender);
  void trunk_forget(transport::ConnectionId id);
  /// The relay stops: no more timers.
  void stop();
  /// A packet another shard's socket received for a connection ID naming this
  /// shard (a client whose address changed, or anyone's forgery): passed to
  /// this shard's endpoint in a task. Any thread. Dropped and counted when
  /// kMaxHandoversInFlight already wait.
  void take_over(const transport::SocketAddress& from, ByteView packet);

  /// A datagram from one of this shard's connections (the hot path).
  void on_datagram(transport::Connection& conn, ByteView datagram);

  [[nodiscard]] size_t sender_count() const noexcept { return senders_.size(); }
  [[nodiscard]] size_t route_count() const noexcept { return rooms_.size(); }

 private:
  struct Sender {
    uint64_t room = 0;
    SenderPolicer policer;
    std::string session_id;
    std::shared_ptr<std::atomic<uint64_t>> rate_limited;
  };
  /// Datagrams from one shard to another: the bytes once per datagram, an entry per receiver.
  struct Batch {
    struct Entry {
      transport::ConnectionId sender = 0;
      MediaRoute receiver;
      uint32_t offset = 0;
      uint32_t length = 0;
      uint32_t payload_bytes = 0;
    };
    Bytes bytes;
    std::vector<Entry> entries;
  };

  void deliver(transport::ConnectionId sender, const MediaRoute& receiver, ByteView packet,
               size_t payload_bytes);
  void deliver_batch(const Batch& batch);
  void queue_for_shard(transport::ConnectionId sender, const MediaRoute& receiver, ByteView packet,
                       size_t payload_bytes, bool first_for_shard);
  void send_batches();
  void trunk_packet(transport::ConnectionId sender, transport::ConnectionId receiver, ByteView packet,
                    size_t payload_bytes);
  void send_trunk_frame(transport::ConnectionId receiver, Bytes frame);
  void arm_trunk_flush();

  void refresh_snapshot();
  /// Applies the rooms published since the last call, in order (loop thread).
  void apply_published_rooms();

  const uint8_t index_;
  ShardContext context_;
  RelayCounters& counters_;
  std::unordered_map<transport::ConnectionId, Sender> senders_;
  std::unordered_map<uint64_t, std::shared_ptr<const std::vector<MediaRoute>>> rooms_;
  // Published by the control plane, not applied yet; the flag spares the hot
  // path the mutex (one load per datagram).
  std::mutex published_mutex_;
  std::vector<std::pair<uint64_t, std::shared_ptr<const std::vector<MediaRoute>>>> published_;
  std::atomic<bool> rooms_published_{false};
  Bytes forward_buffer_;
  std::vector<Batch> outgoing_;           // by shard index
  std::vector<uint32_t> outgoing_marks_;  // by shard index: offset of the current datagram, +1 (0: none)
  std::atomic<uint64_t> datagrams_in_flight_{0};  // in batches other shards posted here, not yet delivered
  std::atomic<uint64_t> handovers_in_flight_{0};  // packets other shards posted here, not yet taken in
  bool send_posted_ = false;
  TrunkBatchers trunks_;
  TrunkBatchers::Send trunk_send_;
  std::optional<EventLoop::TimerId> trunk_timer_;
  bool stopped_ = false;
  transport::EndpointStats released_stats_;
  mutable std::mutex snapshot_mutex_;
  transport::EndpointStats snapshot_;
  std::optional<EventLoop::TimerId> snapshot_timer_;

  EventLoop loop_;  // declared last: its thread stops before the state above goes
  std::unique_ptr<transport::Endpoint> endpoint_;
};

}  // namespace wzp::relay

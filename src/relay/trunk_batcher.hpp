// Trunked forwarding (relay spec §7.6, fixed as docs/PROTOCOL.md says): one
// wire::TrunkBatcher per (sender, receiver) pair of connections, so a frame
// only ever holds one sender's packets, pruned when either connection leaves
// (the reference keys by socket address and never prunes). Each sender has a
// tag unique within its room (the reference uses the low 16 bits of a process
// counter), and no frame is built larger than the receiver's datagram limit.
//
// Pure state, no I/O: the relay calls it from its loop thread only and sends
// what it hands back.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/bytes.hpp"
#include "wire/trunk_frame.hpp"

namespace wzp::relay {

struct TrunkLimits {
  size_t max_entries = wire::TrunkBatcher::kDefaultMaxEntries;
  size_t max_bytes = wire::TrunkBatcher::kDefaultMaxBytes;  // frame size, the 2-byte count included
};

class TrunkBatchers {
 public:
  using ConnectionId = uint64_t;
  /// Receives each frame to send now: the receiver and the encoded TrunkFrame. It must not
  /// call back into this object (the relay's only queues the datagram).
  using Send = std::function<void(ConnectionId receiver, Bytes frame)>;

  explicit TrunkBatchers(TrunkLimits limits = {}) noexcept : limits_(limits) {}

  /// Give `sender` (joining `room`) the smallest tag no other sender of the
  /// room holds; a sender already known keeps its tag. Rooms of more than
  /// 65536 senders share tags (the receiver does not rely on them).
  wire::SessionTag add_sender(const std::string& room, ConnectionId sender);
  /// The sender's tag (zero when unknown).
  wire::SessionTag tag(ConnectionId sender) const;

  /// Batch one media packet of `sender` for `receiver`, whose datagrams may
  /// carry at most `max_datagram` bytes (0: unknown, the limits alone apply).
  /// Frames due now go to `send`.
  void push(ConnectionId sender, ConnectionId receiver, size_t max_datagram, ByteView packet,
            const Send& send);
  /// Send every pending batch (the 5 ms timer).
  void flush_all(const Send& send);
  /// A connection left: its own pending batches are sent one last time to the
  /// receivers still here, batches meant for it are discarded (returned: the
  /// packets discarded), and its tag is freed.
  size_t remove_connection(ConnectionId id, const Send& send);

  bool has_pending() const noexcept { return pending_ != 0; }
  size_t batcher_count() const noexcept { return batchers_.size(); }
  size_t sender_count() const noexcept { return senders_.size(); }

 private:
  struct Batcher {
    wire::TrunkBatcher batch;
    size_t max_bytes;
  };
  struct Sender {
    std::string room;
    wire::SessionTag tag{};
  };
  using Key = std::pair<ConnectionId, ConnectionId>;  // (sender, receiver)

  void emit(ConnectionId receiver, std::optional<Bytes> frame, const Send& send);

  TrunkLimits limits_;
  std::map<Key, Batcher> batchers_;
  std::map<ConnectionId, Sender> senders_;
  std::map<std::string, std::set<uint16_t>> room_tags_;  // tags held per room
  size_t pending_ = 0;                                   // batchers with entries waiting
};

}  // namespace wzp::relay

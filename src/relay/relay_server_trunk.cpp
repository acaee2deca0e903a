// Trunked forwarding (relay spec §7.6 with its note 19 fixed; docs/PROTOCOL.md
// row 42): media for receivers that agreed to "wzp_trunk" goes through
// per-(sender, receiver) batchers and leaves as TrunkFrames.
#include "core/clock.hpp"
#include "relay/relay_server.hpp"

namespace wzp::relay {

void RelayServer::trunk_packet(transport::ConnectionId sender, transport::ConnectionId receiver,
                               ByteView packet, size_t payload_bytes) {
  auto* target = endpoint_->find(receiver);
  if (target == nullptr) {
    counters_.datagrams_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  counters_.trunk_packets_batched.fetch_add(1, std::memory_order_relaxed);
  counters_.bytes_forwarded.fetch_add(payload_bytes, std::memory_order_relaxed);
  trunks_.push(sender, receiver, target->max_datagram_payload(), packet, trunk_send_);
  arm_trunk_flush();
}

void RelayServer::send_trunk_frame(transport::ConnectionId receiver, Bytes frame) {
  // The count leads the frame (wire spec §6.1); the batcher never builds one without it.
  const uint64_t packets = frame.size() >= 2 ? load_be16(frame.data()) : 0;
  auto* target = endpoint_ ? endpoint_->find(receiver) : nullptr;
  if (target != nullptr && target->send_datagram(frame)) {
    counters_.trunk_frames_sent.fetch_add(1, std::memory_order_relaxed);
    counters_.datagrams_forwarded.fetch_add(packets, std::memory_order_relaxed);
  } else {
    counters_.datagrams_dropped.fetch_add(packets, std::memory_order_relaxed);
  }
}

void RelayServer::arm_trunk_flush() {
  // One timer while anything waits, instead of a tick per sender that mostly finds nothing.
  // Its deadline is the next 5 ms boundary, as if it ticked all along: a packet waits 0-5 ms
  // (2.5 on average), as with the reference's periodic flush, not a full 5 ms.
  if (trunk_timer_ || !trunks_.has_pending() || stopped_) return;
  constexpr uint64_t kInterval = uint64_t{wire::TrunkBatcher::kFlushIntervalMs} * 1'000'000;
  const uint64_t deadline = (clock::now_ns() / kInterval + 1) * kInterval;
  trunk_timer_ = loop_.add_timer(deadline, [this] {
    trunk_timer_.reset();
    trunks_.flush_all(trunk_send_);
  });
}

void RelayServer::trunk_forget(transport::ConnectionId id) {
  const size_t discarded = trunks_.remove_connection(id, trunk_send_);
  counters_.datagrams_dropped.fetch_add(discarded, std::memory_order_relaxed);
}

}  // namespace wzp::relay

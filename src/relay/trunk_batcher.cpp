#include "relay/trunk_batcher.hpp"

#include <algorithm>
#include <limits>

namespace wzp::relay {

wire::SessionTag TrunkBatchers::add_sender(const std::string& room, ConnectionId sender) {
  if (auto it = senders_.find(sender); it != senders_.end()) return it->second.tag;
  auto& used = room_tags_[room];
  uint16_t value = 0;
  if (used.size() <= std::numeric_limits<uint16_t>::max()) {
    // The set is ordered: the first gap is the smallest free tag.
    for (uint16_t taken : used) {
      if (taken != value) break;
      ++value;
    }
  }
  used.insert(value);
  const wire::SessionTag tag{static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value & 0xFF)};
  senders_.emplace(sender, Sender{room, tag});
  return tag;
}

wire::SessionTag TrunkBatchers::tag(ConnectionId sender) const {
  auto it = senders_.find(sender);
  return it == senders_.end() ? wire::SessionTag{} : it->second.tag;
}

void TrunkBatchers::emit(ConnectionId receiver, std::optional<Bytes> frame, const Send& send) {
  if (frame) send(receiver, std::move(*frame));
}

void TrunkBatchers::push(ConnectionId sender, ConnectionId receiver, size_t max_datagram, ByteView packet,
                         const Send& send) {
  // A frame must fit one datagram of this receiver's path (the reference
  // builds 1200-byte frames that the path may not carry, and loses them).
  const size_t max_bytes = max_datagram == 0 ? limits_.max_bytes : std::min(limits_.max_bytes, max_datagram);
  auto it = batchers_.find({sender, receiver});
  if (it != batchers_.end() && it->second.max_bytes != max_bytes) {
    // The path's limit changed: send what was built under the old one, start afresh.
    if (it->second.batch.pending_entries() != 0) --pending_;
    emit(receiver, it->second.batch.flush(), send);
    batchers_.erase(it);
    it = batchers_.end();
  }
  if (it == batchers_.end()) {
    it = batchers_
             .emplace(Key{sender, receiver},
                      Batcher{wire::TrunkBatcher(limits_.max_entries, max_bytes), max_bytes})
             .first;
  }
  auto& batch = it->second.batch;
  const bool was_pending = batch.pending_entries() != 0;
  auto frame = batch.push(tag(sender), packet);
  const bool is_pending = batch.pending_entries() != 0;
  if (was_pending != is_pending) is_pending ? ++pending_ : --pending_;
  emit(receiver, std::move(frame), send);
}

void TrunkBatchers::flush_all(const Send& send) {
  for (auto& [key, batcher] : batchers_) emit(key.second, batcher.batch.flush(), send);
  pending_ = 0;
}

size_t TrunkBatchers::remove_connection(ConnectionId id, const Send& send) {
  size_t discarded = 0;
  for (auto it = batchers_.begin(); it != batchers_.end();) {
    const auto [sender, receiver] = it->first;
    if (sender != id && receiver != id) {
      ++it;
      continue;
    }
    if (it->second.batch.pending_entries() != 0) --pending_;
    if (receiver == id) {
      discarded += it->second.batch.pending_entries();
    } else {
      emit(receiver, it->second.batch.flush(), send);  // the leaving sender's last packets
    }
    it = batchers_.erase(it);
  }
  if (auto s = senders_.find(id); s != senders_.end()) {
    auto room = room_tags_.find(s->second.room);
    if (room != room_tags_.end()) {
      room->second.erase(static_cast<uint16_t>((s->second.tag[0] << 8) | s->second.tag[1]));
      if (room->second.empty()) room_tags_.erase(room);
    }
    senders_.erase(s);
  }
  return discarded;
}

}  // namespace wzp::relay

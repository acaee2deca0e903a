#include "relay/relay_shard.hpp"

#include "core/clock.hpp"
#include "core/log.hpp"
#include "wire/media_packet.hpp"

namespace wzp::relay {
namespace {
constexpr std::string_view kLog = "relay";
}  // namespace

RelayShard::RelayShard(uint8_t index, ShardContext context)
    : index_(index), context_(context), counters_(*context.counters) {
  outgoing_.resize(context_.shard_count);
  outgoing_marks_.resize(context_.shard_count, 0);
  trunk_send_ = [this](transport::ConnectionId receiver, Bytes frame) {
    send_trunk_frame(receiver, std::move(frame));
  };
}

RelayShard::~RelayShard() {
  loop_.stop();
  endpoint_.reset();
}

void RelayShard::release_endpoint() {
  if (endpoint_) released_stats_ = endpoint_->stats();
  endpoint_.reset();
  std::lock_guard lock(snapshot_mutex_);
  snapshot_ = released_stats_;
}

transport::EndpointStats RelayShard::stats_snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

void RelayShard::refresh_snapshot() {
  transport::EndpointStats now = transport_stats();
  std::lock_guard lock(snapshot_mutex_);
  snapshot_ = now;
}

void RelayShard::start_stats_refresh() {
  refresh_snapshot();
  if (stopped_) return;
  snapshot_timer_ = loop_.add_timer(clock::now_ns() + 1'000'000'000, [this] {
    snapshot_timer_.reset();
    start_stats_refresh();
  });
}

transport::EndpointStats RelayShard::transport_stats() const {
  return endpoint_ ? endpoint_->stats() : released_stats_;
}

void RelayShard::add_sender(transport::ConnectionId id, uint64_t room, std::string session_id,
                            std::shared_ptr<std::atomic<uint64_t>> rate_limited) {
  senders_.insert_or_assign(id, Sender{room, SenderPolicer(context_.config->sender_rate, clock::now_ns()),
                                       std::move(session_id), std::move(rate_limited)});
}

void RelayShard::remove_sender(transport::ConnectionId id) { senders_.erase(id); }

void RelayShard::publish_room(uint64_t room, std::shared_ptr<const std::vector<MediaRoute>> members) {
  {
    std::lock_guard lock(published_mutex_);
    published_.emplace_back(room, std::move(members));
    rooms_published_.store(true, std::memory_order_release);
  }
  // Applied by the next datagram or this task, whichever comes first.
  loop_.post([this] { apply_published_rooms(); });
}

void RelayShard::apply_published_rooms() {
  decltype(published_) published;
  {
    std::lock_guard lock(published_mutex_);
    published.swap(published_);
    rooms_published_.store(false, std::memory_order_relaxed);
  }
  for (auto& [room, members] : published) {
    if (members->empty()) {
      rooms_.erase(room);
    } else {
      rooms_.insert_or_assign(room, std::move(members));
    }
  }
}

void RelayShard::take_over(const transport::SocketAddress& from, ByteView packet) {
  if (handovers_in_flight_.fetch_add(1, std::memory_order_acq_rel) >= kMaxHandoversInFlight ||
      !loop_.post([this, from, bytes = Bytes(packet.begin(), packet.end())] {
        handovers_in_flight_.fetch_sub(1, std::memory_order_acq_rel);
        if (endpoint_) endpoint_->receive_handed_over(from, bytes);
      })) {
    handovers_in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    counters_.handover_dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void RelayShard::stop() {
  stopped_ = true;
  if (trunk_timer_) loop_.cancel_timer(*trunk_timer_);
  trunk_timer_.reset();
  if (snapshot_timer_) loop_.cancel_timer(*snapshot_timer_);
  snapshot_timer_.reset();
}

void RelayShard::on_datagram(transport::Connection& conn, ByteView datagram) {
  counters_.datagrams_received.fetch_add(1, std::memory_order_relaxed);
  if (rooms_published_.load(std::memory_order_acquire)) apply_published_rooms();
  auto sender = senders_.find(conn.id());
  if (sender == senders_.end()) {  // not joined (yet, or any more)
    counters_.datagrams_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Policed before anything else: a flood costs as little as possible.
  if (!sender->second.policer.admit(clock::now_ns(), datagram.size())) {
    sender->second.rate_limited->fetch_add(1, std::memory_order_relaxed);
    counters_.datagrams_rate_limited.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  auto packet = wire::parse_media_packet(datagram);
  if (!packet) {
    counters_.datagrams_malformed.fetch_add(1, std::memory_order_relaxed);
    WZP_LOG(trace, kLog,
            "dropping malformed datagram from " + conn.remote_address().to_string() + ": " +
                packet.error().message);
    return;
  }
  if (packet->quality_report)
    context_.session_metrics->report(sender->second.session_id, *packet->quality_report);
  auto room = rooms_.find(sender->second.room);
  const size_t receivers = room == rooms_.end() || room->second->empty() ? 0 : room->second->size() - 1;
  const size_t payload_bytes = packet->payload.size();
  counters_.fanout_packets.fetch_add(receivers, std::memory_order_relaxed);
  counters_.fanout_bytes.fetch_add(payload_bytes * receivers, std::memory_order_relaxed);
  if (receivers == 0) {
    counters_.datagrams_no_recipient.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Forwarded as received, except that byte 1's two unused bits are cleared
  // (what the reference's parse-and-reserialize does).
  forward_buffer_.assign(datagram.begin(), datagram.end());
  forward_buffer_[1] &= 0xFC;
  if (context_.config->forward_observer) context_.config->forward_observer(forward_buffer_);  // tests only
  std::fill(outgoing_marks_.begin(), outgoing_marks_.end(), 0);
  for (const MediaRoute& member : *room->second) {
    if (member.connection == conn.id()) continue;
    if (member.shard == index_) {
      deliver(conn.id(), member, forward_buffer_, payload_bytes);
    } else {
      queue_for_shard(conn.id(), member, forward_buffer_, payload_bytes, outgoing_marks_[member.shard] == 0);
    }
  }
}

void RelayShard::deliver(transport::ConnectionId sender, const MediaRoute& receiver, ByteView packet,
                         size_t payload_bytes) {
  if (receiver.trunking && context_.config->trunking) {
    trunk_packet(sender, receiver.connection, packet, payload_bytes);
    return;
  }
  auto* target = endpoint_ ? endpoint_->find(receiver.connection) : nullptr;
  if (target != nullptr && target->send_datagram(packet)) {
    counters_.datagrams_forwarded.fetch_add(1, std::memory_order_relaxed);
    counters_.bytes_forwarded.fetch_add(payload_bytes, std::memory_order_relaxed);
  } else {
    counters_.datagrams_dropped.fetch_add(1, std::memory_order_relaxed);
  }
}

void RelayShard::queue_for_shard(transport::ConnectionId sender, const MediaRoute& receiver, ByteView packet,
                                 size_t payload_bytes, bool first_for_shard) {
  Batch& batch = outgoing_[receiver.shard];
  if (batch.entries.size() >= kMaxBatchDatagrams) {
    counters_.datagrams_dropped.fetch_add(1, std::memory_order_relaxed);
    counters_.cross_loop_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (first_for_shard) {  // the bytes go once per shard, however many of its members receive them
    outgoing_marks_[receiver.shard] = static_cast<uint32_t>(batch.bytes.size()) + 1;
    batch.bytes.insert(batch.bytes.end(), packet.begin(), packet.end());
  }
  batch.entries.push_back(Batch::Entry{sender, receiver, outgoing_marks_[receiver.shard] - 1,
                                       static_cast<uint32_t>(packet.size()),
                                       static_cast<uint32_t>(payload_bytes)});
  if (!send_posted_) {
    // Once the receive batch in hand is handled: one task per shard for all of it.
    send_posted_ = true;
    loop_.post([this] { send_batches(); });
  }
}

void RelayShard::send_batches() {
  send_posted_ = false;
  auto& shards = *context_.shards;
  for (size_t i = 0; i < outgoing_.size() && i < shards.size(); ++i) {
    Batch& batch = outgoing_[i];
    if (batch.entries.empty()) continue;
    RelayShard& target = *shards[i];
    const size_t count = batch.entries.size();
    auto shared = std::make_shared<Batch>(std::move(batch));
    batch = Batch{};
    batch.bytes.reserve(shared->bytes.size());
    batch.entries.reserve(count);
    if (target.datagrams_in_flight_.fetch_add(count, std::memory_order_acq_rel) + count >
            kMaxDatagramsInFlight ||
        !target.loop_.post([&target, shared, count] {
          target.datagrams_in_flight_.fetch_sub(count, std::memory_order_acq_rel);
          target.deliver_batch(*shared);
        })) {
      target.datagrams_in_flight_.fetch_sub(count, std::memory_order_acq_rel);
      counters_.datagrams_dropped.fetch_add(count, std::memory_order_relaxed);
      counters_.cross_loop_dropped.fetch_add(count, std::memory_order_relaxed);
      continue;
    }
    counters_.cross_loop_batches.fetch_add(1, std::memory_order_relaxed);
    counters_.cross_loop_datagrams.fetch_add(count, std::memory_order_relaxed);
  }
}

void RelayShard::deliver_batch(const Batch& batch) {
  for (const auto& entry : batch.entries) {
    deliver(entry.sender, entry.receiver, ByteView(batch.bytes.data() + entry.offset, entry.length),
            entry.payload_bytes);
  }
}

// ---- Trunked forwarding (relay spec §7.6 with its note 19 fixed; docs/PROTOCOL.md row 42) ----

void RelayShard::trunk_add_sender(const std::string& room, transport::ConnectionId sender) {
  trunks_.add_sender(room, sender);
}

void RelayShard::trunk_packet(transport::ConnectionId sender, transport::ConnectionId receiver,
                              ByteView packet, size_t payload_bytes) {
  auto* target = endpoint_ ? endpoint_->find(receiver) : nullptr;
  if (target == nullptr) {
    counters_.datagrams_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  counters_.trunk_packets_batched.fetch_add(1, std::memory_order_relaxed);
  counters_.bytes_forwarded.fetch_add(payload_bytes, std::memory_order_relaxed);
  trunks_.push(sender, receiver, target->max_datagram_payload(), packet, trunk_send_);
  arm_trunk_flush();
}

void RelayShard::send_trunk_frame(transport::ConnectionId receiver, Bytes frame) {
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

void RelayShard::arm_trunk_flush() {
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

void RelayShard::trunk_forget(transport::ConnectionId id) {
  const size_t discarded = trunks_.remove_connection(id, trunk_send_);
  counters_.datagrams_dropped.fetch_add(discarded, std::memory_order_relaxed);
}

}  // namespace wzp::relay

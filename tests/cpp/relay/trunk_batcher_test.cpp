// Trunked forwarding state: the reference's batcher behaviours (relay spec
// §15 U-ROOM-6/7, U-TRUNK-1/2) and our fixes of its note 19 (batchers per
// receiver connection, pruned; tags unique in a room; frames within the
// receiver's datagram limit).
#include "relay/trunk_batcher.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "wire/media_packet.hpp"

namespace wzp::relay {
namespace {

struct Sent {
  uint64_t receiver;
  wire::TrunkFrame frame;
};

struct Collector {
  std::vector<Sent> sent;
  TrunkBatchers::Send send() {
    return [this](uint64_t receiver, Bytes frame) {
      auto decoded = wire::decode_trunk_frame(frame);
      ASSERT_TRUE(decoded.ok()) << decoded.error().message;
      sent.push_back({receiver, std::move(*decoded)});
    };
  }
};

Bytes media_packet(uint16_t seq) {
  wire::MediaPacket packet;
  packet.header.seq = seq;
  packet.header.timestamp = 20u * seq;
  packet.payload = Bytes(40, static_cast<uint8_t>(seq));
  return wire::encode_media_packet(packet);
}

const wire::SessionTag kTag01{0, 1};

// U-ROOM-6: three packets under limits 10 / 4096 wait; a flush yields one frame of 3, all with the sender's
// tag.
TEST(TrunkBatchers, PacketsWaitForTheFlush) {
  TrunkBatchers batchers({10, 4096});
  batchers.add_sender("r", 1);
  EXPECT_EQ(batchers.add_sender("r", 2), kTag01);
  Collector out;
  for (uint16_t seq = 0; seq < 3; ++seq) batchers.push(2, 9, 0, media_packet(seq), out.send());
  EXPECT_TRUE(out.sent.empty());
  EXPECT_TRUE(batchers.has_pending());
  batchers.flush_all(out.send());
  ASSERT_EQ(out.sent.size(), 1u);
  EXPECT_EQ(out.sent[0].receiver, 9u);
  ASSERT_EQ(out.sent[0].frame.entries.size(), 3u);
  for (uint16_t seq = 0; seq < 3; ++seq) {
    EXPECT_EQ(out.sent[0].frame.entries[seq].session_id, kTag01);
    EXPECT_EQ(out.sent[0].frame.entries[seq].payload, media_packet(seq));
  }
  EXPECT_FALSE(batchers.has_pending());
  batchers.flush_all(out.send());
  EXPECT_EQ(out.sent.size(), 1u);  // nothing left to send
}

// U-ROOM-7: with a 5-entry limit the 5th push (and only it) sends 5 entries; nothing waits after.
TEST(TrunkBatchers, EntryLimitSendsAtOnce) {
  TrunkBatchers batchers({5, 4096});
  batchers.add_sender("r", 1);
  batchers.add_sender("r", 2);
  Collector out;
  for (uint16_t seq = 0; seq < 5; ++seq) {
    batchers.push(2, 1, 0, media_packet(seq), out.send());
    EXPECT_EQ(out.sent.size(), seq == 4 ? 1u : 0u) << seq;
  }
  ASSERT_EQ(out.sent[0].frame.entries.size(), 5u);
  for (const auto& e : out.sent[0].frame.entries) EXPECT_EQ(e.session_id, kTag01);
  EXPECT_FALSE(batchers.has_pending());
}

// U-TRUNK-1, on the reference's batcher: a 3-entry limit emits at the third push.
TEST(TrunkBatcherReference, ThirdPushEmitsThree) {
  wire::TrunkBatcher batcher(3, 4096);
  EXPECT_FALSE(batcher.push({0, 1}, as_bytes(std::string_view("aaa"))));
  EXPECT_FALSE(batcher.push({0, 2}, as_bytes(std::string_view("bbb"))));
  auto frame = batcher.push({0, 3}, as_bytes(std::string_view("ccc")));
  ASSERT_TRUE(frame);
  auto decoded = wire::decode_trunk_frame(*frame);
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->entries.size(), 3u);
  EXPECT_EQ(decoded->entries[0].session_id, kTag01);
  EXPECT_EQ(decoded->entries[2].payload, Bytes({'c', 'c', 'c'}));
  EXPECT_EQ(batcher.pending_entries(), 0u);
}

// U-TRUNK-2, on the reference's batcher: 120-byte limit, 50-byte payloads: 56, 110 kept; the
// third (164) sends the first two and waits alone.
TEST(TrunkBatcherReference, ByteLimitSendsTheBatchBefore) {
  wire::TrunkBatcher batcher(10, 120);
  const Bytes payload(50, 'x');
  EXPECT_FALSE(batcher.push({0, 1}, payload));
  EXPECT_EQ(batcher.pending_bytes(), 56u);
  EXPECT_FALSE(batcher.push({0, 2}, payload));
  EXPECT_EQ(batcher.pending_bytes(), 110u);
  auto first = batcher.push({0, 3}, payload);
  ASSERT_TRUE(first);
  EXPECT_EQ(wire::decode_trunk_frame(*first)->entries.size(), 2u);
  auto rest = batcher.flush();
  ASSERT_TRUE(rest);
  auto decoded = wire::decode_trunk_frame(*rest);
  ASSERT_EQ(decoded->entries.size(), 1u);
  EXPECT_EQ(decoded->entries[0].session_id, (wire::SessionTag{0, 3}));
}

// U-TRUNK-2 through the relay's batchers: the same split, all entries of the one sender.
TEST(TrunkBatchers, ByteLimitSendsTheBatchBefore) {
  TrunkBatchers batchers({10, 120});
  Collector out;
  const Bytes payload(50, 'x');
  batchers.push(7, 8, 0, payload, out.send());
  batchers.push(7, 8, 0, payload, out.send());
  EXPECT_TRUE(out.sent.empty());
  batchers.push(7, 8, 0, payload, out.send());
  ASSERT_EQ(out.sent.size(), 1u);
  EXPECT_EQ(out.sent[0].frame.entries.size(), 2u);
  batchers.flush_all(out.send());
  ASSERT_EQ(out.sent.size(), 2u);
  EXPECT_EQ(out.sent[1].frame.entries.size(), 1u);
}

// Note 19: a frame never exceeds the receiver's datagram limit, even below the 1200-byte budget.
TEST(TrunkBatchers, FramesFitTheReceiversDatagramLimit) {
  TrunkBatchers batchers;  // 10 entries, 1200 bytes
  size_t total_entries = 0;
  auto send = [&](uint64_t receiver, Bytes frame) {
    EXPECT_EQ(receiver, 2u);
    EXPECT_LE(frame.size(), 300u);
    auto decoded = wire::decode_trunk_frame(frame);
    ASSERT_TRUE(decoded.ok());
    total_entries += decoded->entries.size();
  };
  for (uint16_t seq = 0; seq < 20; ++seq) batchers.push(1, 2, 300, media_packet(seq), send);
  batchers.flush_all(send);
  EXPECT_EQ(total_entries, 20u);  // nothing lost: more, smaller frames

  // The limit grows (path MTU discovery): the batch built under the old one goes first, intact.
  size_t before = total_entries;
  batchers.push(1, 2, 300, media_packet(1), send);
  batchers.push(1, 2, 1400, media_packet(2), send);
  EXPECT_EQ(total_entries, before + 1);
  batchers.flush_all(send);
  EXPECT_EQ(total_entries, before + 2);
}

// Note 19: one batcher per (sender, receiver) connection; a leaving sender's batches are sent
// one last time, batches for a leaving receiver are dropped, and nothing of either remains.
TEST(TrunkBatchers, LeavingConnectionsArePruned) {
  TrunkBatchers batchers({10, 1200});
  batchers.add_sender("r", 1);
  batchers.add_sender("r", 2);
  batchers.add_sender("r", 3);
  Collector out;
  batchers.push(1, 2, 0, media_packet(1), out.send());
  batchers.push(1, 3, 0, media_packet(1), out.send());
  batchers.push(2, 1, 0, media_packet(2), out.send());
  batchers.push(2, 3, 0, media_packet(2), out.send());
  batchers.push(2, 3, 0, media_packet(3), out.send());
  EXPECT_EQ(batchers.batcher_count(), 4u);

  // Receiver 3 leaves: its pending packets (one from 1, two from 2) are dropped, nothing sent.
  EXPECT_EQ(batchers.remove_connection(3, out.send()), 3u);
  EXPECT_TRUE(out.sent.empty());
  EXPECT_EQ(batchers.batcher_count(), 2u);

  // Sender 2 leaves: its last packet for 1 goes out; 1's batch for 2 is dropped.
  EXPECT_EQ(batchers.remove_connection(2, out.send()), 1u);
  ASSERT_EQ(out.sent.size(), 1u);
  EXPECT_EQ(out.sent[0].receiver, 1u);
  EXPECT_EQ(out.sent[0].frame.entries[0].payload, media_packet(2));
  EXPECT_EQ(batchers.batcher_count(), 0u);
  EXPECT_FALSE(batchers.has_pending());
  EXPECT_EQ(batchers.sender_count(), 1u);
}

// Note 19: tags are unique among a room's senders, reused once freed, independent across rooms.
TEST(TrunkBatchers, TagsAreUniqueInARoom) {
  TrunkBatchers batchers;
  EXPECT_EQ(batchers.add_sender("a", 10), (wire::SessionTag{0, 0}));
  EXPECT_EQ(batchers.add_sender("a", 11), (wire::SessionTag{0, 1}));
  EXPECT_EQ(batchers.add_sender("a", 12), (wire::SessionTag{0, 2}));
  EXPECT_EQ(batchers.add_sender("b", 20), (wire::SessionTag{0, 0}));
  EXPECT_EQ(batchers.add_sender("a", 11), (wire::SessionTag{0, 1}));  // known: the same tag
  Collector out;
  batchers.remove_connection(11, out.send());
  EXPECT_EQ(batchers.add_sender("a", 13), (wire::SessionTag{0, 1}));  // the freed one
  EXPECT_EQ(batchers.add_sender("a", 14), (wire::SessionTag{0, 3}));
  EXPECT_EQ(batchers.tag(12), (wire::SessionTag{0, 2}));
  EXPECT_EQ(batchers.tag(99), (wire::SessionTag{0, 0}));
  for (int i = 0; i < 300; ++i) batchers.add_sender("big", 1000 + i);
  EXPECT_EQ(batchers.tag(1000 + 299), (wire::SessionTag{0x01, 0x2B}));  // 299
}

}  // namespace
}  // namespace wzp::relay

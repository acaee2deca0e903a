// FecReceiver: rebuilds exactly what the code allows, never anything else.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <map>
#include <set>

#include "fec_test_util.hpp"
#include "media/fec/erasure_code.hpp"
#include "media/fec/repair_format.hpp"

namespace wzp::media {
namespace {

using fec_test::feed;
using fec_test::header_of;
using fec_test::make_frames;
using fec_test::packetize_block;

// Feed the datagrams whose bit is set in `mask` (in order) to a fresh receiver.
std::vector<RecoveredFrame> receive(const std::vector<Bytes>& datagrams, uint64_t mask,
                                    FecReceiver::Stats* stats = nullptr) {
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  for (size_t i = 0; i < datagrams.size(); ++i) {
    if (mask & (uint64_t{1} << i)) feed(receiver, datagrams[i], recovered);
  }
  if (stats != nullptr) *stats = receiver.stats();
  return recovered;
}

// Exhaustive: every subset of the K + R packets of one block. With at least K packets the
// receiver returns exactly the missing sources (content, seq, timestamp, codec); with fewer
// it returns nothing.
void every_subset(const wire::QualityProfile& profile, size_t min_len, size_t max_len) {
  const size_t k = profile.frames_per_block;
  const size_t r = repair_count(k, profile.fec_ratio);
  const auto frames = make_frames(k, min_len, max_len, k * 31 + r);
  const auto datagrams = packetize_block(profile, frames);
  ASSERT_EQ(datagrams.size(), k + r);
  const size_t n = k + r;
  for (uint64_t mask = 0; mask < (uint64_t{1} << n); ++mask) {
    const auto recovered = receive(datagrams, mask);
    const size_t survivors = static_cast<size_t>(std::popcount(mask));
    std::vector<size_t> missing;
    for (size_t i = 0; i < k; ++i) {
      if (!(mask & (uint64_t{1} << i))) missing.push_back(i);
    }
    if (survivors < k || missing.empty()) {
      ASSERT_TRUE(recovered.empty()) << "mask " << mask;
      continue;
    }
    ASSERT_EQ(recovered.size(), missing.size()) << "mask " << mask;
    for (size_t m = 0; m < missing.size(); ++m) {
      const size_t i = missing[m];
      EXPECT_EQ(recovered[m].seq, i);
      EXPECT_EQ(recovered[m].timestamp, i * profile.frame_duration_ms);
      EXPECT_EQ(recovered[m].codec, profile.codec);
      ASSERT_EQ(recovered[m].frame, frames[i]) << "mask " << mask << " frame " << i;
    }
  }
}

TEST(FecReceiver, EverySubsetGood) { every_subset(wire::kProfileGood, 30, 90); }
TEST(FecReceiver, EverySubsetDegraded) { every_subset(wire::kProfileDegraded, 20, 42); }
TEST(FecReceiver, EverySubsetCatastrophic) { every_subset(wire::kProfileCatastrophic, 6, 6); }
TEST(FecReceiver, EverySubsetResilient) { every_subset(wire::kProfileResilient, 25, 72); }
TEST(FecReceiver, EverySubsetResilientDeep) { every_subset(wire::kProfileResilientDeep, 25, 72); }
TEST(FecReceiver, EverySubsetFiveThree) {
  every_subset(wire::QualityProfile{wire::CodecId::codec2_3200, 0.5f, 20, 5}, 8, 8);
}

TEST(FecReceiver, VariableLengthsIncludingEmptyAndLongest) {
  std::vector<Bytes> frames = make_frames(5, 0, 200, 9);
  frames[1].clear();
  frames[3] = make_frames(1, kFecMaxFrameBytes, kFecMaxFrameBytes, 10)[0];
  const wire::QualityProfile profile{wire::CodecId::opus24k, 1.0f, 20, 5};
  const auto datagrams = packetize_block(profile, frames);
  ASSERT_EQ(datagrams.size(), 10U);
  EXPECT_EQ(datagrams[5].size(), 12 + 1 + 2 + kFecMaxFrameBytes);
  // Lose all sources: the five repairs carry everything.
  const auto recovered = receive(datagrams, 0b1111100000);
  ASSERT_EQ(recovered.size(), 5U);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(recovered[i].frame, frames[i]);
    EXPECT_EQ(recovered[i].seq, i);
    EXPECT_EQ(recovered[i].timestamp, 20 * i);
  }
}

TEST(FecReceiver, FortyMsTimestampsFromRepairsAlone) {
  // Only repairs survive: times come from the repair's (just after the last frame).
  const auto frames = make_frames(8, 6, 6, 12);
  MediaPacketizer packetizer(wire::kProfileCatastrophic);
  std::vector<Bytes> out;
  for (int i = 0; i < 3; ++i) packetizer.push_silent_frame(out);  // start later in time
  ASSERT_TRUE(out.empty());
  for (const auto& f : frames) packetizer.push_frame(f, out);
  ASSERT_EQ(out.size(), 16U);
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  for (size_t i = 8; i < 16; ++i) feed(receiver, out[i], recovered);
  ASSERT_EQ(recovered.size(), 8U);
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(recovered[i].timestamp, 120 + 40 * i);
    EXPECT_EQ(recovered[i].codec, wire::CodecId::codec2_1200);
  }
}

TEST(FecReceiver, FrameDurationFromTheBlockItself) {
  // A profile whose frame (20 ms) is not the codec's preferred one (Opus6k: 40 ms).
  const wire::QualityProfile profile{wire::CodecId::opus6k, 1.0f, 20, 4};
  const auto frames = make_frames(4, 10, 20, 13);
  const auto datagrams = packetize_block(profile, frames);
  const auto recovered = receive(datagrams, 0b01110010);  // source 1 and three repairs
  ASSERT_EQ(recovered.size(), 3U);
  EXPECT_EQ(recovered[0].timestamp, 0U);
  EXPECT_EQ(recovered[1].timestamp, 40U);
  EXPECT_EQ(recovered[2].timestamp, 60U);
}

TEST(FecReceiver, DuplicatesChangeNothing) {
  const auto frames = make_frames(5, 30, 40, 14);
  const auto datagrams = packetize_block(wire::kProfileGood, frames);
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  for (int rep = 0; rep < 2; ++rep) {
    for (size_t i : {0, 1, 3, 4, 5}) feed(receiver, datagrams[i], recovered);
  }
  ASSERT_EQ(recovered.size(), 1U);
  EXPECT_EQ(recovered[0].frame, frames[2]);
  // The lost source arriving after all is not returned again.
  feed(receiver, datagrams[2], recovered);
  EXPECT_EQ(recovered.size(), 1U);
  EXPECT_EQ(receiver.stats().blocks_decoded, 1U);
  EXPECT_EQ(receiver.stats().frames_recovered, 1U);
}

Bytes with_payload(const Bytes& datagram, const Bytes& payload, std::optional<uint8_t> reserved = {}) {
  auto h = header_of(datagram);
  if (reserved) h.reserved = *reserved;
  Bytes out;
  wire::append_media_packet(out, h, payload, std::nullopt);
  return out;
}

TEST(FecReceiver, CorruptionInThePaddingMeansNoData) {
  // K = 2, R = 2; frame 1 is short, so its rebuilt symbol ends in zero padding. A repair
  // corrupted there rebuilds a symbol with non-zero padding: nothing is returned.
  const wire::QualityProfile profile{wire::CodecId::opus24k, 1.0f, 20, 2};
  const std::vector<Bytes> frames{make_frames(1, 30, 30, 15)[0], Bytes{1, 2, 3, 4, 5}};
  auto datagrams = packetize_block(profile, frames);
  ASSERT_EQ(datagrams.size(), 4U);
  auto good = receive(datagrams, 0b0101);
  ASSERT_EQ(good.size(), 1U);
  EXPECT_EQ(good[0].frame, frames[1]);
  datagrams[2][12 + 1 + 20] ^= 0x40;  // symbol byte 20: padding of frame 1
  FecReceiver::Stats stats;
  const auto recovered = receive(datagrams, 0b0101, &stats);
  EXPECT_TRUE(recovered.empty());
  EXPECT_EQ(stats.blocks_unrecoverable, 1U);
  EXPECT_EQ(stats.frames_recovered, 0U);
}

TEST(FecReceiver, BogusLengthPrefixMeansNoData) {
  // K = 1: the rebuilt symbol is the repair scaled by a constant; all 0xFF bytes rebuild a
  // symbol whose length prefix exceeds T - 2.
  const wire::QualityProfile profile{wire::CodecId::opus24k, 1.0f, 20, 1};
  const auto datagrams = packetize_block(profile, {Bytes{1, 2}});
  ASSERT_EQ(datagrams.size(), 2U);
  const Bytes forged = with_payload(datagrams[1], Bytes{1, 0xFF, 0xFF, 0xFF, 0xFF});
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  feed(receiver, forged, recovered);
  EXPECT_TRUE(recovered.empty());
  EXPECT_EQ(receiver.stats().blocks_unrecoverable, 1U);
}

TEST(FecReceiver, SourceLongerThanTheSymbolMeansNoData) {
  const wire::QualityProfile profile{wire::CodecId::opus24k, 1.0f, 20, 2};
  const auto frames = make_frames(2, 10, 10, 16);
  auto datagrams = packetize_block(profile, frames);
  // Source 0 arrives with a longer payload than the block's symbols allow.
  Bytes longer = frames[0];
  longer.resize(30, 7);
  const Bytes bad_source = with_payload(datagrams[0], longer);
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  feed(receiver, bad_source, recovered);
  feed(receiver, datagrams[2], recovered);
  EXPECT_TRUE(recovered.empty());
  EXPECT_EQ(receiver.stats().blocks_unrecoverable, 1U);
}

TEST(FecReceiver, ReferenceRepairsAreIgnored) {
  // A reference sender: RaptorQ repairs of 256 bytes with reserved = 0.
  const auto frames = make_frames(5, 40, 60, 17);
  auto datagrams = packetize_block(wire::kProfileGood, frames);
  const Bytes raptorq = with_payload(datagrams[5], Bytes(256, 0x5A), uint8_t{0});
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  for (size_t i : {0, 1, 2, 3}) feed(receiver, datagrams[i], recovered);
  feed(receiver, raptorq, recovered);
  EXPECT_TRUE(recovered.empty());
  EXPECT_EQ(receiver.stats().foreign_repairs, 1U);
  EXPECT_EQ(receiver.stats().malformed, 0U);
  // Our own repair for the same block still works afterwards.
  feed(receiver, datagrams[5], recovered);
  ASSERT_EQ(recovered.size(), 1U);
  EXPECT_EQ(recovered[0].frame, frames[4]);
}

TEST(FecReceiver, MalformedRepairsAreCountedAndIgnored) {
  const auto frames = make_frames(5, 40, 60, 18);
  const auto datagrams = packetize_block(wire::kProfileGood, frames);
  Bytes symbol(datagrams[5].begin() + 13, datagrams[5].end());
  auto payload = [&](uint8_t k, size_t symbol_len) {
    Bytes p(1 + symbol_len);
    p[0] = k;
    std::copy_n(symbol.begin(), symbol_len, p.begin() + 1);
    return p;
  };
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  for (size_t i : {0, 1, 2, 3}) feed(receiver, datagrams[i], recovered);
  feed(receiver, with_payload(datagrams[5], Bytes{}), recovered);                     // no K
  feed(receiver, with_payload(datagrams[5], payload(0, symbol.size())), recovered);   // K = 0
  feed(receiver, with_payload(datagrams[5], payload(33, symbol.size())), recovered);  // K > 32
  feed(receiver, with_payload(datagrams[5], payload(5, 1)), recovered);               // symbol < 2
  feed(receiver, with_payload(datagrams[5], payload(6, symbol.size())), recovered);   // fec_symbol < K
  EXPECT_TRUE(recovered.empty());
  EXPECT_EQ(receiver.stats().malformed, 5U);
  feed(receiver, datagrams[5], recovered);
  ASSERT_EQ(recovered.size(), 1U);
  // A second repair naming another K or another T for the same block contradicts it.
  const wire::QualityProfile two{wire::CodecId::opus24k, 1.0f, 20, 5};
  const auto d2 = packetize_block(two, frames);
  FecReceiver other;
  std::vector<RecoveredFrame> none;
  feed(other, d2[5], none);
  feed(other, with_payload(d2[6], payload(4, symbol.size())), none);
  Bytes shorter(d2[7].begin() + 12, d2[7].end() - 1);
  feed(other, with_payload(d2[7], shorter), none);
  EXPECT_EQ(other.stats().malformed, 2U);
  EXPECT_TRUE(none.empty());
}

TEST(FecReceiver, ComfortNoiseIsNeverASymbol) {
  MediaPacketizer packetizer(wire::kProfileGood);
  std::vector<Bytes> out;
  const auto frames = make_frames(5, 20, 30, 19);
  for (int i = 0; i < 10; ++i) packetizer.push_silent_frame(out);  // a CN packet, block 0
  for (const auto& f : frames) packetizer.push_frame(f, out);
  ASSERT_EQ(out.size(), 7U);
  EXPECT_EQ(header_of(out[0]).fec_block, header_of(out[1]).fec_block);
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  for (size_t i : {0, 1, 2, 3, 5, 6}) feed(receiver, out[i], recovered);  // source 3 lost
  ASSERT_EQ(recovered.size(), 1U);
  EXPECT_EQ(recovered[0].frame, frames[3]);  // out[4]: the CN packet took seq 0
  EXPECT_EQ(recovered[0].seq, 4);
  EXPECT_EQ(recovered[0].timestamp, 200U + 60);
}

TEST(FecReceiver, InterleavedBlocks) {
  MediaPacketizer packetizer(wire::kProfileGood);
  const auto frames = make_frames(10, 20, 60, 20);
  std::vector<Bytes> out;
  for (const auto& f : frames) packetizer.push_frame(f, out);
  ASSERT_EQ(out.size(), 12U);
  // Block 1's packets arrive interleaved with block 0's; each block lost one source.
  const std::vector<size_t> order{6, 0, 7, 1, 9, 3, 10, 4, 11, 5};
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  for (size_t i : order) feed(receiver, out[i], recovered);
  ASSERT_EQ(recovered.size(), 2U);
  std::map<uint16_t, Bytes> by_seq;
  for (auto& r : recovered) by_seq[r.seq] = r.frame;
  EXPECT_EQ(by_seq.at(2), frames[2]);
  EXPECT_EQ(by_seq.at(8), frames[7]);  // block 1 starts at seq 6
}

TEST(FecReceiver, BlockIdWrapStartsAFreshBlock) {
  // Old, undecoded state for block id 0 is still held when id 0 comes round again.
  const wire::QualityProfile profile{wire::CodecId::codec2_3200, 1.0f, 20, 2};
  MediaPacketizer packetizer(profile);
  std::vector<Bytes> out;
  const auto frames = make_frames(2 * 257, 8, 8, 21);
  for (const auto& f : frames) packetizer.push_frame(f, out);
  ASSERT_EQ(out.size(), 4U * 257);
  FecReceiver receiver({255, 1000000});  // a window wide enough to keep block 0 around
  std::vector<RecoveredFrame> recovered;
  feed(receiver, out[0], recovered);  // block 0, first time: one source, never completed
  for (size_t i = 4; i < 4 * 256; ++i) feed(receiver, out[i], recovered);
  EXPECT_TRUE(recovered.empty());
  // Block id 0 again (seq 1024): source 0 lost, source 1 and a repair arrive.
  ASSERT_EQ(header_of(out[1025]).fec_block, 0);
  feed(receiver, out[1025], recovered);
  feed(receiver, out[1027], recovered);
  ASSERT_EQ(recovered.size(), 1U);
  EXPECT_EQ(recovered[0].frame, frames[512]);  // not mixed with the old block 0
  EXPECT_EQ(recovered[0].seq, 1024);
  EXPECT_EQ(receiver.stats().malformed, 0U);
  // A straggler of the old block 0 is not mixed into the new one.
  feed(receiver, out[2], recovered);
  EXPECT_EQ(recovered.size(), 1U);
}

TEST(FecReceiver, OldBlocksExpireByIdAndByAge) {
  MediaPacketizer packetizer(wire::kProfileGood);
  const auto frames = make_frames(60, 20, 30, 22);
  std::vector<Bytes> out;
  for (const auto& f : frames) packetizer.push_frame(f, out);
  ASSERT_EQ(out.size(), 72U);  // 12 blocks of 6
  {
    FecReceiver receiver;  // 8 blocks behind at most
    std::vector<RecoveredFrame> recovered;
    // Block 0: sources 0-3 and nothing else (source 4 is lost, then the repair arrives late).
    feed(receiver, out[0], recovered);
    feed(receiver, out[5], recovered);  // the repair: block 0 now knows it misses 2 sources
    for (size_t i = 6; i < 72; ++i) feed(receiver, out[i], recovered);
    EXPECT_LE(receiver.blocks_held(), 9U);
    EXPECT_EQ(receiver.stats().blocks_expired, 1U);
    // Its missing sources arrive far too late: dropped, nothing rebuilt.
    feed(receiver, out[1], recovered);
    feed(receiver, out[2], recovered);
    EXPECT_TRUE(recovered.empty());
    EXPECT_EQ(receiver.stats().stale, 2U);
  }
  {
    // By age: the sender's clock moves on by more than 2 s (a long silence).
    FecReceiver receiver;
    std::vector<RecoveredFrame> recovered;
    feed(receiver, out[0], recovered);
    feed(receiver, out[5], recovered);
    EXPECT_EQ(receiver.blocks_held(), 1U);
    MediaPacketizer later(wire::kProfileGood);
    std::vector<Bytes> more;
    for (int i = 0; i < 120; ++i) later.push_silent_frame(more);  // 2.4 s of media time
    more.clear();
    later.push_frame(Bytes(5, 1), more);
    // Same ids and seqs would clash: shift the later packet's seq and block past block 0's.
    auto h = header_of(more[0]);
    h.seq = 6;
    h.fec_block = 1;
    Bytes moved;
    wire::append_media_packet(moved, h, Bytes(5, 1), std::nullopt);
    feed(receiver, moved, recovered);
    EXPECT_EQ(receiver.blocks_held(), 1U);
    EXPECT_EQ(receiver.stats().blocks_expired, 1U);
  }
}

TEST(FecReceiver, SenderRestartResynchronises) {
  const auto frames = make_frames(5, 20, 30, 23);
  MediaPacketizer first(wire::kProfileGood);
  std::vector<Bytes> out;
  for (int i = 0; i < 5000; ++i) first.push_frame(frames[i % 5], out);
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  feed(receiver, out.back(), recovered);
  // A fresh packetizer (seq 0, block 0) from the same sender.
  const auto restarted = packetize_block(wire::kProfileGood, frames);
  for (size_t i : {0, 1, 2, 4, 5}) feed(receiver, restarted[i], recovered);
  ASSERT_EQ(recovered.size(), 1U);
  EXPECT_EQ(recovered[0].frame, frames[3]);
}

// A RESILIENT talk spurt's last block (5 frames: seqs 0-4, ts 0-80; repairs 5-9), two
// suppressed frames, then a spurt of 3 frames (seqs 10-12, ts 140-180) and its repairs.
std::vector<Bytes> two_spurts() {
  MediaPacketizer packetizer(wire::kProfileResilient);
  std::vector<Bytes> out;
  const auto frames = make_frames(8, 20, 60, 77);
  for (int i = 0; i < 5; ++i) packetizer.push_frame(frames[i], out);
  packetizer.push_silent_frame(out);
  packetizer.push_silent_frame(out);
  for (int i = 5; i < 8; ++i) packetizer.push_frame(frames[i], out);
  packetizer.push_silent_frame(out);  // closes the second block
  return out;
}

TEST(FecReceiver, HintsNameRepairSeqsAndPlaceMissingFrames) {
  const auto packets = two_spurts();
  ASSERT_EQ(packets.size(), 16U);  // 5 + 5 repairs, 3 + 3 repairs
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  SeqHints hints;
  std::set<uint16_t> no_audio;
  std::map<uint16_t, uint32_t> missing;  // seq -> timestamp
  // Lost: the repairs 6 and 7 and the second spurt's first frame (seq 10).
  for (size_t i = 0; i < 12; ++i) {
    if (i == 6 || i == 7 || i == 10) continue;
    auto parsed = wire::parse_media_packet(packets[i]);
    ASSERT_TRUE(parsed.ok());
    receiver.on_packet(*parsed, recovered, &hints);
    no_audio.insert(hints.no_audio.begin(), hints.no_audio.end());
    for (const auto& m : hints.missing) {
      EXPECT_EQ(m.codec, wire::kProfileResilient.codec);
      EXPECT_EQ(m.frame_ms, 20U);
      missing[m.seq] = m.timestamp;
    }
    hints.clear();
  }
  EXPECT_EQ(no_audio, (std::set<uint16_t>{5, 6, 7, 8, 9}));       // every repair, the lost ones too
  EXPECT_EQ(missing, (std::map<uint16_t, uint32_t>{{10, 140}}));  // after the silence, not at 100
  EXPECT_TRUE(recovered.empty());                                 // block 1 has 2 of its 3 symbols so far
}

TEST(FecReceiver, NoHintsForASenderWithoutLibwzpRepairs) {
  // Source packets alone (a reference sender's blocks may span a silence): nothing is inferred.
  const auto packets = two_spurts();
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  SeqHints hints;
  for (size_t i : {0, 2, 3, 11}) {
    auto parsed = wire::parse_media_packet(packets[i]);
    ASSERT_TRUE(parsed.ok());
    ASSERT_FALSE(parsed->header.is_repair);
    receiver.on_packet(*parsed, recovered, &hints);
  }
  EXPECT_TRUE(hints.no_audio.empty());
  EXPECT_TRUE(hints.missing.empty());
}

}  // namespace
}  // namespace wzp::media

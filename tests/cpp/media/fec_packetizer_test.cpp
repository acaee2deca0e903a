// MediaPacketizer: the wire it writes (media spec §2.1, §7.2; libwzp repairs).
#include <gtest/gtest.h>

#include "fec_test_util.hpp"
#include "media/fec/repair_format.hpp"
#include "wire/fec_ratio.hpp"

namespace wzp::media {
namespace {

using fec_test::header_of;
using fec_test::make_frames;

TEST(FecPacketizer, GoodBlockIsFiveSourcesAndOneRepair) {
  MediaPacketizer packetizer(wire::kProfileGood);
  const auto frames = make_frames(5, 40, 90, 1);
  std::vector<Bytes> out;
  size_t longest = 0;
  for (size_t i = 0; i < 5; ++i) {
    out.clear();
    packetizer.push_frame(frames[i], out);
    longest = std::max(longest, frames[i].size());
    ASSERT_EQ(out.size(), i < 4 ? 1U : 2U);
    auto source = wire::parse_media_packet(out[0]);
    ASSERT_TRUE(source.ok());
    EXPECT_FALSE(source->header.is_repair);
    EXPECT_EQ(source->header.codec, wire::CodecId::opus24k);
    EXPECT_EQ(source->header.fec_ratio_encoded, 13);
    EXPECT_EQ(source->header.seq, i);
    EXPECT_EQ(source->header.timestamp, 20 * i);
    EXPECT_EQ(source->header.fec_block, 0);
    EXPECT_EQ(source->header.fec_symbol, i);
    EXPECT_EQ(source->header.reserved, 0);
    EXPECT_FALSE(source->quality_report.has_value());
    EXPECT_TRUE(
        std::equal(source->payload.begin(), source->payload.end(), frames[i].begin(), frames[i].end()));
  }
  auto repair = wire::parse_media_packet(out[1]);
  ASSERT_TRUE(repair.ok());
  EXPECT_TRUE(repair->header.is_repair);
  EXPECT_TRUE(is_libwzp_repair(repair->header));
  EXPECT_EQ(repair->header.codec, wire::CodecId::opus24k);
  EXPECT_EQ(repair->header.fec_ratio_encoded, 13);
  EXPECT_EQ(repair->header.seq, 5);
  EXPECT_EQ(repair->header.timestamp, 100U);  // just after the last frame
  EXPECT_EQ(repair->header.fec_block, 0);
  EXPECT_EQ(repair->header.fec_symbol, 5);
  EXPECT_EQ(repair->header.reserved, kRepairMarker);
  EXPECT_EQ(repair->header.csrc_count, 0);
  ASSERT_EQ(repair->payload.size(), 1 + 2 + longest);
  EXPECT_EQ(repair->payload[0], 5);
  EXPECT_EQ(packetizer.block_id(), 1);
  EXPECT_EQ(packetizer.next_seq(), 6);
  EXPECT_EQ(packetizer.next_timestamp(), 100U);
  const auto stats = packetizer.stats();
  EXPECT_EQ(stats.source_packets, 5U);
  EXPECT_EQ(stats.repair_packets, 1U);
  EXPECT_EQ(stats.blocks, 1U);
}

TEST(FecPacketizer, RepairCountsPerProfile) {
  EXPECT_EQ(repair_count(5, wire::kProfileGood.fec_ratio), 1U);
  EXPECT_EQ(repair_count(10, wire::kProfileDegraded.fec_ratio), 5U);
  EXPECT_EQ(repair_count(8, wire::kProfileCatastrophic.fec_ratio), 8U);
  EXPECT_EQ(repair_count(5, wire::kProfileResilient.fec_ratio), 5U);
  EXPECT_EQ(repair_count(8, wire::kProfileResilientDeep.fec_ratio), 8U);
  EXPECT_EQ(repair_count(5, 0.5f), 3U);
  EXPECT_EQ(repair_count(8, 2.0f), 16U);
  EXPECT_EQ(repair_count(1, 0.2f), 1U);  // at least one when the ratio is positive
  EXPECT_EQ(repair_count(3, 0.0f), 0U);
  EXPECT_EQ(repair_count(3, -1.0f), 0U);
  EXPECT_EQ(repair_count(32, 2.0f), 32U);  // R <= 32 and K + R <= 64
  EXPECT_EQ(repair_count(20, 3.0f), 32U);
  EXPECT_EQ(block_frames(wire::QualityProfile{wire::CodecId::opus24k, 0.2f, 20, 0}), 1U);
  EXPECT_EQ(block_frames(wire::QualityProfile{wire::CodecId::opus24k, 0.2f, 20, 200}), 32U);
}

TEST(FecPacketizer, DegradedBlockUsesFortyMsAndFiveRepairs) {
  const auto frames = make_frames(10, 20, 40, 2);
  const auto out = fec_test::packetize_block(wire::kProfileDegraded, frames);
  ASSERT_EQ(out.size(), 15U);
  for (size_t i = 0; i < 15; ++i) {
    const auto h = header_of(out[i]);
    EXPECT_EQ(h.seq, i);
    EXPECT_EQ(h.fec_symbol, i);
    EXPECT_EQ(h.is_repair, i >= 10);
    EXPECT_EQ(h.timestamp, i < 10 ? 40 * i : 400U);
    EXPECT_EQ(h.codec, wire::CodecId::opus6k);
  }
}

TEST(FecPacketizer, NoRepairsAtRatioZero) {
  MediaPacketizer packetizer(wire::QualityProfile{wire::CodecId::opus24k, 0.0f, 20, 3});
  std::vector<Bytes> out;
  for (int i = 0; i < 6; ++i) packetizer.push_frame(Bytes{1, 2, 3}, out);
  ASSERT_EQ(out.size(), 6U);
  EXPECT_EQ(header_of(out[3]).fec_block, 1);  // blocks still advance
  EXPECT_EQ(header_of(out[3]).fec_symbol, 0);
  EXPECT_EQ(packetizer.stats().repair_packets, 0U);
}

TEST(FecPacketizer, SilenceClosesTheBlockEarlyAndSendsComfortNoise) {
  MediaPacketizer packetizer(wire::kProfileGood);
  std::vector<Bytes> out;
  for (int i = 0; i < 3; ++i) packetizer.push_frame(Bytes(30, static_cast<uint8_t>(i)), out);
  ASSERT_EQ(out.size(), 3U);
  packetizer.push_silent_frame(out);
  ASSERT_EQ(out.size(), 4U);  // the block of 3 closed with ceil(3 * 0.2) = 1 repair
  auto repair = wire::parse_media_packet(out[3]);
  ASSERT_TRUE(repair.ok());
  EXPECT_TRUE(repair->header.is_repair);
  EXPECT_EQ(repair->payload[0], 3);
  EXPECT_EQ(repair->header.fec_symbol, 3);
  EXPECT_EQ(repair->header.seq, 3);
  EXPECT_EQ(repair->header.timestamp, 60U);
  EXPECT_EQ(packetizer.block_id(), 1);
  // Suppressed frames 2..9 send nothing; the 10th sends comfort noise.
  for (int i = 2; i <= 9; ++i) packetizer.push_silent_frame(out);
  EXPECT_EQ(out.size(), 4U);
  packetizer.push_silent_frame(out, 77);
  ASSERT_EQ(out.size(), 5U);
  auto cn = wire::parse_media_packet(out[4]);
  ASSERT_TRUE(cn.ok());
  EXPECT_EQ(cn->header.codec, wire::CodecId::comfort_noise);
  EXPECT_FALSE(cn->header.is_repair);
  EXPECT_EQ(cn->header.seq, 4);
  EXPECT_EQ(cn->header.timestamp, 60U + 10 * 20);  // just past the 10th suppressed frame
  EXPECT_EQ(cn->header.fec_ratio_encoded, 0);
  EXPECT_EQ(cn->header.fec_symbol, 0);
  ASSERT_EQ(cn->payload.size(), 1U);
  EXPECT_EQ(cn->payload[0], 77);
  for (int i = 11; i <= 20; ++i) packetizer.push_silent_frame(out);
  EXPECT_EQ(out.size(), 6U);            // the 20th
  EXPECT_EQ(packetizer.block_id(), 1);  // comfort noise never fills or closes a block
  // Speech again: the run restarts, the new block is id 1 from symbol 0.
  packetizer.push_frame(Bytes(10, 9), out);
  const auto h = header_of(out.back());
  EXPECT_EQ(h.fec_block, 1);
  EXPECT_EQ(h.fec_symbol, 0);
  EXPECT_EQ(h.seq, 6);
  EXPECT_EQ(h.timestamp, 60U + 20 * 20);
  for (int i = 1; i <= 9; ++i) packetizer.push_silent_frame(out);
  EXPECT_EQ(packetizer.stats().cn_packets, 2U);
  EXPECT_EQ(packetizer.stats().blocks, 2U);
}

TEST(FecPacketizer, ProfileChangeClosesTheBlockAndAdvancesTheId) {
  MediaPacketizer packetizer(wire::kProfileGood);
  std::vector<Bytes> out;
  packetizer.push_frame(Bytes(20, 1), out);
  packetizer.push_frame(Bytes(25, 2), out);
  packetizer.set_profile(wire::kProfileDegraded, out);
  ASSERT_EQ(out.size(), 3U);
  const auto repair = header_of(out[2]);
  EXPECT_TRUE(repair.is_repair);
  EXPECT_EQ(repair.codec, wire::CodecId::opus24k);  // the closed block's own profile
  EXPECT_EQ(repair.fec_symbol, 2);
  EXPECT_EQ(packetizer.profile(), wire::kProfileDegraded);
  packetizer.push_frame(Bytes(30, 3), out);
  const auto next = header_of(out.back());
  EXPECT_EQ(next.fec_block, 1);  // not the id that already carried GOOD sources (N-9)
  EXPECT_EQ(next.fec_symbol, 0);
  EXPECT_EQ(next.codec, wire::CodecId::opus6k);
  EXPECT_EQ(next.fec_ratio_encoded, wire::encode_fec_ratio(0.5f));
  EXPECT_EQ(next.timestamp, 40U);
  // An empty block closes silently.
  MediaPacketizer idle(wire::kProfileGood);
  std::vector<Bytes> none;
  idle.set_profile(wire::kProfileCatastrophic, none);
  EXPECT_TRUE(none.empty());
}

TEST(FecPacketizer, ReportRidesOnTheNextSourcePacketOnly) {
  MediaPacketizer packetizer(wire::kProfileGood);
  std::vector<Bytes> out;
  const wire::QualityReport report{51, 10, 7, 0};
  packetizer.attach_report(report);
  for (int i = 0; i < 5; ++i) packetizer.push_frame(Bytes(12, 4), out);
  ASSERT_EQ(out.size(), 6U);
  auto first = wire::parse_media_packet(out[0]);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->header.has_quality_report);
  ASSERT_TRUE(first->quality_report.has_value());
  EXPECT_EQ(*first->quality_report, report);
  EXPECT_EQ(first->payload.size(), 12U);
  for (size_t i = 1; i < out.size(); ++i) EXPECT_FALSE(header_of(out[i]).has_quality_report);
  // During silence it rides on the next comfort-noise packet.
  packetizer.attach_report(report);
  for (int i = 0; i < 10; ++i) packetizer.push_silent_frame(out);
  auto cn = wire::parse_media_packet(out.back());
  ASSERT_TRUE(cn.ok());
  EXPECT_EQ(cn->header.codec, wire::CodecId::comfort_noise);
  EXPECT_TRUE(cn->quality_report.has_value());
  EXPECT_EQ(cn->payload.size(), 1U);
}

TEST(FecPacketizer, BlockIdWraps) {
  MediaPacketizer packetizer(wire::QualityProfile{wire::CodecId::codec2_3200, 0.5f, 20, 1});
  std::vector<Bytes> out;
  for (int i = 0; i < 257; ++i) packetizer.push_frame(Bytes(8, 1), out);
  ASSERT_EQ(out.size(), 514U);  // one source and one repair per block
  EXPECT_EQ(header_of(out[510]).fec_block, 255);
  EXPECT_EQ(header_of(out[512]).fec_block, 0);
  EXPECT_EQ(header_of(out[513]).fec_block, 0);
  EXPECT_EQ(header_of(out[513]).seq, 513);
}

TEST(FecPacketizer, OversizedFrameGoesOutAloneUnprotected) {
  MediaPacketizer packetizer(wire::kProfileGood);
  std::vector<Bytes> out;
  packetizer.push_frame(Bytes(10, 1), out);
  packetizer.push_frame(Bytes(kFecMaxFrameBytes + 1, 2), out);
  ASSERT_EQ(out.size(), 3U);  // source, the first block's repair, the big source
  EXPECT_TRUE(header_of(out[1]).is_repair);
  const auto big = header_of(out[2]);
  EXPECT_EQ(big.fec_block, 1);
  EXPECT_EQ(big.fec_symbol, 0);
  packetizer.push_frame(Bytes(10, 3), out);
  EXPECT_EQ(header_of(out.back()).fec_block, 2);
}

TEST(FecPacketizer, RepairSeqsAreTheOnlyOnesWithoutAudio) {
  // Every seq is used once; the header tells a receiver which ones carry no audio, so its
  // jitter buffer never waits for them (media spec §11.2).
  MediaPacketizer packetizer(wire::kProfileDegraded);
  std::vector<Bytes> out;
  const auto frames = make_frames(40, 10, 30, 3);
  for (size_t i = 0; i < frames.size(); ++i) {
    if (i % 13 == 12) {
      for (int s = 0; s < 12; ++s) packetizer.push_silent_frame(out);
    }
    packetizer.push_frame(frames[i], out);
  }
  size_t audio = 0;
  size_t cn = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const auto h = header_of(out[i]);
    EXPECT_EQ(h.seq, i);
    if (carries_audio(h)) {
      ++audio;
      if (h.codec == wire::CodecId::comfort_noise) ++cn;
    } else {
      EXPECT_TRUE(h.is_repair);
    }
  }
  EXPECT_EQ(audio - cn, frames.size());
  EXPECT_EQ(cn, 3U);
  EXPECT_EQ(out.size() - audio, packetizer.stats().repair_packets);
}

}  // namespace
}  // namespace wzp::media

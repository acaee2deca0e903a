// JitterBuffer ordering, loss handling and silence, on a virtual clock (ms). The reference's
// jitter tests (wzp-proto jitter.rs) that still apply are adapted here and in
// jitter_delay_test.cpp.
#include "media/playout/jitter_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "jitter_test_util.hpp"
#include "media/serial.hpp"

namespace wzp::media {
namespace {

using test::audio;
using test::Kind;

// Pushes seq/ts pairs arriving exactly on time (arrival = ts) and returns the buffer.
JitterBuffer on_time(std::initializer_list<uint16_t> seqs, JitterConfig config = {}) {
  JitterBuffer jb(config);
  for (uint16_t s : seqs) jb.push(audio(s, s * 20u), s * 20);
  return jb;
}

TEST(JitterBuffer, BasicOrderedPlayout) {
  auto jb = on_time({0, 1, 2});
  auto p = jb.pop(40);  // frame 0 has waited the 40 ms minimum delay
  ASSERT_EQ(p.kind, Kind::frame);
  EXPECT_EQ(p.entry.seq, 0);
  EXPECT_EQ(p.frame_ms, 20u);
  p = jb.pop(60);
  ASSERT_EQ(p.kind, Kind::frame);
  EXPECT_EQ(p.entry.seq, 1);
  EXPECT_EQ(jb.stats().played, 2u);
  EXPECT_EQ(jb.stats().current_delay_ms, 40u);
}

TEST(JitterBuffer, NotReadyUntilTargetDelay) {
  JitterBuffer jb;
  EXPECT_EQ(jb.pop(0).kind, Kind::not_ready);
  jb.push(audio(0, 0), 0);
  EXPECT_EQ(jb.pop(20).kind, Kind::not_ready);
  jb.push(audio(1, 20), 20);
  EXPECT_EQ(jb.pop(39).kind, Kind::not_ready);
  auto p = jb.pop(40);
  ASSERT_EQ(p.kind, Kind::frame);
  EXPECT_EQ(p.entry.seq, 0);
}

TEST(JitterBuffer, ReordersOutOfOrderPackets) {
  JitterBuffer jb;
  jb.push(audio(2, 40), 40);
  jb.push(audio(0, 0), 41);
  jb.push(audio(1, 20), 42);
  std::vector<uint16_t> played;
  for (int64_t t = 0; t <= 200; t += 20) {
    auto p = jb.pop(t);
    if (p.kind == Kind::frame) played.push_back(p.entry.seq);
  }
  EXPECT_EQ(played, (std::vector<uint16_t>{0, 1, 2}));
}

// Pops once per 20 ms from `from` to `to` (inclusive) and returns the kinds.
std::vector<JitterBuffer::Playout> run(JitterBuffer& jb, int64_t from, int64_t to) {
  std::vector<JitterBuffer::Playout> out;
  for (int64_t t = from; t <= to; t += 20) out.push_back(jb.pop(t));
  return out;
}

TEST(JitterBuffer, SingleOpusLossOffersFecNext) {
  auto jb = on_time({0, 2, 3});
  auto out = run(jb, 40, 100);
  ASSERT_EQ(out[0].kind, Kind::frame);
  ASSERT_EQ(out[1].kind, Kind::fec_next);
  EXPECT_EQ(out[1].entry.seq, 2);  // the next frame carries the lost one's LBRR data
  EXPECT_EQ(out[1].frame_ms, 20u);
  ASSERT_EQ(out[2].kind, Kind::frame);
  EXPECT_EQ(out[2].entry.seq, 2);  // and is still played itself
  EXPECT_EQ(out[3].entry.seq, 3);
  EXPECT_EQ(jb.stats().fec_next, 1u);
  EXPECT_EQ(jb.stats().concealed, 0u);
}

TEST(JitterBuffer, Codec2LossAndDoubleLossAreConcealed) {
  JitterBuffer jb;
  for (uint16_t s : {0, 1, 4}) jb.push(audio(s, s * 40u, wire::CodecId::codec2_1200), s * 40);
  jb.push(audio(5, 200), 200);  // Opus after two lost frames: no in-band FEC for seq 2
  std::vector<Kind> kinds;
  for (int64_t t = 40; t <= 280; t += 40) kinds.push_back(jb.pop(t).kind);
  EXPECT_EQ(kinds, (std::vector<Kind>{Kind::frame, Kind::frame, Kind::conceal, Kind::conceal, Kind::frame,
                                      Kind::frame, Kind::conceal}));
  EXPECT_EQ(jb.stats().concealed, 2u);
  EXPECT_EQ(jb.stats().underruns, 1u);  // the last tick: nothing left
}

TEST(JitterBuffer, RecoveredEntryPlayedInsteadOfConcealment) {
  JitterBuffer jb;
  jb.push(audio(0, 0), 0);
  jb.push(audio(2, 40), 40);
  EXPECT_EQ(jb.pop(40).entry.seq, 0);
  // Seq 1 was lost; FEC rebuilds it just before its playout time.
  EXPECT_EQ(jb.push(audio(1, 20, wire::CodecId::opus24k, true), 55), JitterBuffer::PushResult::stored);
  auto p = jb.pop(60);
  ASSERT_EQ(p.kind, Kind::frame);
  EXPECT_EQ(p.entry.seq, 1);
  EXPECT_TRUE(p.entry.recovered);
  EXPECT_EQ(jb.stats().recovered_played, 1u);
  EXPECT_EQ(jb.stats().fec_next, 0u);
}

TEST(JitterBuffer, DuplicatesAndLatePacketsDroppedAndCounted) {
  auto jb = on_time({0, 1, 2, 3});
  EXPECT_EQ(jb.push(audio(1, 20), 61), JitterBuffer::PushResult::duplicate);
  EXPECT_EQ(jb.stats().depth_packets, 4u);
  run(jb, 40, 60);  // plays 0 and 1
  EXPECT_EQ(jb.push(audio(0, 0), 70), JitterBuffer::PushResult::late);
  EXPECT_EQ(jb.push(audio(1, 20), 70), JitterBuffer::PushResult::late);
  EXPECT_EQ(jb.push(audio(3, 60), 70), JitterBuffer::PushResult::duplicate);
  const auto st = jb.stats();
  EXPECT_EQ(st.duplicate, 2u);
  EXPECT_EQ(st.late, 2u);
  EXPECT_EQ(st.depth_packets, 2u);
  EXPECT_EQ(st.received, 8u);
}

TEST(JitterBuffer, SeqBeforeWrapping) {
  EXPECT_TRUE(seq_before(0, 1));
  EXPECT_TRUE(seq_before(65534, 65535));
  EXPECT_TRUE(seq_before(65535, 0));
  EXPECT_FALSE(seq_before(1, 0));
  EXPECT_FALSE(seq_before(5, 5));
  EXPECT_EQ(unwrap_seq(2, 65535), 65538);
  EXPECT_EQ(unwrap_seq(65530, 65536 + 3), 65530);
  EXPECT_EQ(unwrap_timestamp(10, 0xFFFFFFF0u), 0x100000000 + 10);
}

TEST(JitterBuffer, PlaysAcrossSequenceAndTimestampWrap) {
  JitterBuffer jb;
  const uint16_t first = 65530;
  const uint32_t ts0 = 0xFFFFFFFFu - 59;  // the timestamp wraps after three frames
  std::vector<uint16_t> played;
  int64_t now = 0;
  for (int i = 0; i < 12; ++i, now += 20) {
    jb.push(audio(static_cast<uint16_t>(first + i), ts0 + 20u * i), now);
    auto p = jb.pop(now);
    if (p.kind == Kind::frame) played.push_back(p.entry.seq);
  }
  EXPECT_EQ(played, (std::vector<uint16_t>{65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3}));
  EXPECT_EQ(jb.stats().concealed, 0u);
}

TEST(JitterBuffer, OverflowEvictsTheOldestAcrossTheWrap) {
  JitterConfig config;
  config.max_packets = 8;
  config.min_delay_ms = 300;
  JitterBuffer jb(config);
  // 12 packets 65530..5 arrive before playout starts: the 4 oldest go, not keys 0..5.
  for (int i = 0; i < 12; ++i) jb.push(audio(static_cast<uint16_t>(65530 + i), 20u * i), 20 * i);
  EXPECT_EQ(jb.stats().overflows, 4u);
  EXPECT_EQ(jb.stats().depth_packets, 8u);
  std::vector<uint16_t> played;
  for (const auto& p : run(jb, 300, 520)) {
    if (p.kind == Kind::frame) played.push_back(p.entry.seq);
  }
  EXPECT_EQ(played, (std::vector<uint16_t>{65534, 65535, 0, 1, 2, 3, 4, 5}));
}

TEST(JitterBuffer, OverflowWhilePlayingMovesThePlayoutPoint) {
  JitterConfig config;
  config.max_packets = 4;
  JitterBuffer jb(config);
  jb.push(audio(0, 0), 0);
  jb.push(audio(1, 20), 20);
  EXPECT_EQ(jb.pop(40).entry.seq, 0);
  for (uint16_t s = 2; s < 8; ++s) jb.push(audio(s, s * 20u), 40);  // a burst: 1..7 > 4 packets
  EXPECT_EQ(jb.stats().overflows, 3u);
  auto p = jb.pop(60);
  ASSERT_EQ(p.kind, Kind::frame);
  EXPECT_EQ(p.entry.seq, 4);  // 1, 2, 3 evicted; no concealment for frames already gone
}

// 20 GOOD blocks (5 source frames then 1 repair seq), popped as they arrive; the repair
// seqs are learned through note_repair_seq or, when `learn` is false, never seen (lost).
JitterBuffer::Stats play_blocks(bool learn) {
  JitterBuffer jb;
  uint16_t seq = 0;
  int64_t now = 0;
  for (int block = 0; block < 20; ++block) {
    for (int i = 0; i < 5; ++i, now += 20) {
      jb.push(audio(seq++, static_cast<uint32_t>(now)), now);
      jb.pop(now);
    }
    if (learn) jb.note_repair_seq(seq);
    ++seq;
  }
  return jb.stats();
}

TEST(JitterBuffer, RepairSeqsAreSkippedNotConcealed) {
  const auto st = play_blocks(true);  // N-3
  EXPECT_EQ(st.concealed, 0u);
  EXPECT_EQ(st.fec_next, 0u);
  EXPECT_EQ(st.underruns, 0u);
  EXPECT_EQ(st.played, 98u);  // all but the two still inside the 40 ms delay
}

TEST(JitterBuffer, LostRepairSeqsAreSkippedByTimestamp) {
  // Never learned: the timestamps show that no audio is missing.
  const auto st = play_blocks(false);
  EXPECT_EQ(st.concealed, 0u);
  EXPECT_EQ(st.fec_next, 0u);
  EXPECT_EQ(st.played, 98u);
}

TEST(JitterBuffer, LostFrameBesideLostRepairConcealsOnlyTheAudio) {
  JitterBuffer jb;
  for (uint16_t s : {0, 1, 2, 3}) jb.push(audio(s, s * 20u), s * 20);
  // seq 4 (ts 80) and the repair seq 5 lost; seq 6 is ts 100.
  jb.push(audio(6, 100), 100);
  jb.push(audio(7, 120), 120);
  std::vector<Kind> kinds;
  for (const auto& p : run(jb, 40, 160)) kinds.push_back(p.kind);
  EXPECT_EQ(kinds, (std::vector<Kind>{Kind::frame, Kind::frame, Kind::frame, Kind::frame, Kind::fec_next,
                                      Kind::frame, Kind::frame}));
}

TEST(JitterBuffer, SilencePeriodsGiveComfortNoiseNotConcealment) {
  // 10 frames of speech, then the sender suppresses 20 frames (a CN packet at the 10th and
  // 20th), then speech again. Contiguous seqs, a timestamp jump.
  JitterBuffer jb;
  uint16_t seq = 0;
  std::vector<Kind> kinds;
  for (int64_t t = 0; t < 1200; t += 20) {
    const int frame = static_cast<int>(t / 20);
    if (frame < 10 || frame >= 30) {
      jb.push(audio(seq++, static_cast<uint32_t>(t)), t);
    } else if (frame == 19 || frame == 29) {
      jb.push(test::comfort_noise(seq++, static_cast<uint32_t>(t + 20), 30), t);
    }
    kinds.push_back(jb.pop(t).kind);
  }
  const auto st = jb.stats();
  EXPECT_EQ(st.concealed, 0u);
  EXPECT_EQ(st.fec_next, 0u);
  EXPECT_EQ(st.played, 10u + 28u);
  EXPECT_GE(st.comfort_noise, 10u);
  // After the first CN packet arrives, only comfort noise until speech resumes.
  size_t first_cn = 0;
  while (first_cn < kinds.size() && kinds[first_cn] != Kind::comfort_noise) ++first_cn;
  ASSERT_LT(first_cn, kinds.size());
  size_t i = first_cn;
  while (i < kinds.size() && kinds[i] == Kind::comfort_noise) ++i;
  EXPECT_GE(i - first_cn, 9u);
  for (; i < kinds.size(); ++i) EXPECT_EQ(kinds[i], Kind::frame) << i;
}

TEST(JitterBuffer, ComfortNoiseCarriesTheLevel) {
  JitterBuffer jb;
  jb.push(audio(0, 0), 0);
  EXPECT_EQ(jb.pop(40).kind, Kind::frame);
  jb.push(test::comfort_noise(1, 220, 77), 60);
  auto p = jb.pop(60);
  ASSERT_EQ(p.kind, Kind::comfort_noise);
  ASSERT_EQ(p.entry.frame.size(), 1u);
  EXPECT_EQ(p.entry.frame[0], 77);
}

TEST(JitterBuffer, ShortSuppressionWithoutCnGivesSilenceNotConcealment) {
  // Three frames suppressed, no CN packet: contiguous seqs with a timestamp jump.
  JitterBuffer jb;
  for (uint16_t s = 0; s < 4; ++s) jb.push(audio(s, s * 20u), s * 20);
  for (uint16_t s = 4; s < 10; ++s) jb.push(audio(s, (s + 3) * 20u), (s + 3) * 20);
  std::vector<Kind> kinds;
  for (const auto& p : run(jb, 40, 300)) kinds.push_back(p.kind);
  EXPECT_EQ(jb.stats().concealed, 0u);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), Kind::silence), 3);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), Kind::frame), 10);
}

TEST(JitterBuffer, MixedFrameDurationsAcrossAProfileSwitch) {
  // GOOD (Opus24k, 20 ms) then DEGRADED (Opus6k, 40 ms); the pops follow frame_ms.
  JitterBuffer jb;
  uint16_t seq = 0;
  for (uint32_t ts = 0; ts < 200; ts += 20) jb.push(audio(seq++, ts), ts);
  for (uint32_t ts = 200; ts < 600; ts += 40) jb.push(audio(seq++, ts, wire::CodecId::opus6k), ts);
  int64_t now = 40;
  uint32_t audio_ms = 0;
  std::vector<uint32_t> durations;
  for (int i = 0; i < 20; ++i) {
    auto p = jb.pop(now);
    if (p.kind == Kind::frame) {
      audio_ms += p.frame_ms;
      durations.push_back(p.frame_ms);
    }
    now += p.frame_ms;
  }
  EXPECT_EQ(audio_ms, 600u);
  EXPECT_EQ(jb.stats().played, 20u);
  EXPECT_EQ(jb.stats().concealed, 0u);
  EXPECT_EQ(durations.front(), 20u);
  EXPECT_EQ(durations.back(), 40u);
}

TEST(JitterBuffer, UnderrunRebuffersToTheTarget) {
  JitterBuffer jb;
  for (uint16_t s = 0; s < 5; ++s) jb.push(audio(s, s * 20u), s * 20);
  run(jb, 40, 120);                            // plays 0..4
  EXPECT_EQ(jb.pop(140).kind, Kind::conceal);  // nothing for seq 5: an underrun
  EXPECT_EQ(jb.stats().underruns, 1u);
  // Seq 5 (ts 100) arrives 100 ms late; it is played once it has waited the (now higher)
  // target, not at once, and then the delay stays there.
  jb.push(audio(5, 100), 200);
  jb.push(audio(6, 120), 200);
  const uint32_t target = jb.stats().target_delay_ms;
  EXPECT_GE(target, 110u);
  int64_t t = 160;
  for (; t < 600; t += 20) {
    auto p = jb.pop(t);
    if (p.kind == Kind::frame) break;
    EXPECT_EQ(p.kind, t < 240 ? Kind::conceal : Kind::silence);
  }
  EXPECT_GE(t - 100, static_cast<int64_t>(target));
  EXPECT_LT(t - 100, static_cast<int64_t>(target) + 20);
  EXPECT_EQ(jb.stats().concealed, 0u);  // nothing was lost, only late
}

TEST(JitterBuffer, FarSequenceJumpRestartsTheStream) {
  auto jb = on_time({0, 1, 2, 3});
  run(jb, 40, 80);
  // One stray packet far away is dropped; three in a row are a restarted sender.
  EXPECT_EQ(jb.push(audio(30000, 0), 100), JitterBuffer::PushResult::late);
  EXPECT_EQ(jb.push(audio(30001, 20), 120), JitterBuffer::PushResult::late);
  EXPECT_EQ(jb.push(audio(30002, 40), 140), JitterBuffer::PushResult::stored);
  EXPECT_EQ(jb.stats().resyncs, 1u);
  jb.push(audio(30003, 60), 160);
  auto p = jb.pop(180);
  ASSERT_EQ(p.kind, Kind::frame);
  EXPECT_EQ(p.entry.seq, 30002);
}

// A talk spurt's last block (seqs 0-3, ts 0-60) with its repairs (4-7, one lost), two
// suppressed frames, then a spurt whose first frame (seq 8, ts 120) is lost and whose second
// (seq 9, ts 140) arrives. The FEC layer's hints say which seqs were repairs and where seq 8
// sits in time.
JitterBuffer spurt_after_lost_repair() {
  JitterBuffer jb;
  for (uint16_t s = 0; s < 4; ++s) jb.push(audio(s, s * 20u), s * 20);
  for (uint16_t s : {4, 5, 7}) jb.note_repair_seq(s);  // 6 was lost
  jb.push(audio(9, 140), 140);
  jb.note_repair_seq(6);  // learned from the block structure
  jb.note_missing_frame(8, 120, wire::CodecId::opus24k, 20);
  return jb;
}

TEST(JitterBuffer, MissingFrameWithKnownTimeIsConcealedWhenDueNotInTheSilenceBefore) {
  auto jb = spurt_after_lost_repair();
  std::vector<Kind> kinds;
  for (const auto& p : run(jb, 40, 180)) kinds.push_back(p.kind);
  EXPECT_EQ(kinds, (std::vector<Kind>{Kind::frame, Kind::frame, Kind::frame, Kind::frame, Kind::silence,
                                      Kind::silence, Kind::fec_next, Kind::frame}));
  EXPECT_EQ(jb.stats().fec_next, 1u);
  EXPECT_EQ(jb.stats().concealed, 0u);
}

TEST(JitterBuffer, FrameRebuiltBeforeItsTimeFillsItsPlace) {
  auto jb = spurt_after_lost_repair();
  run(jb, 40, 140);
  EXPECT_EQ(jb.push(audio(8, 120, wire::CodecId::opus24k, true), 150), JitterBuffer::PushResult::stored);
  auto p = jb.pop(160);
  ASSERT_EQ(p.kind, Kind::frame);
  EXPECT_EQ(p.entry.seq, 8);
  EXPECT_EQ(jb.pop(180).entry.seq, 9);
  const auto st = jb.stats();
  EXPECT_EQ(st.played, 6u);
  EXPECT_EQ(st.recovered_played, 1u);
  EXPECT_EQ(st.concealed + st.fec_next + st.late, 0u);
}

TEST(JitterBuffer, MissingFrameNotesNeverOverrideFramesOrPassedSeqs) {
  JitterBuffer jb;
  jb.push(audio(0, 0), 0);
  jb.push(audio(1, 20), 20);
  EXPECT_EQ(jb.pop(40).entry.seq, 0);
  jb.note_missing_frame(0, 0, wire::CodecId::opus24k, 20);   // already played
  jb.note_missing_frame(1, 20, wire::CodecId::opus24k, 20);  // here already
  EXPECT_EQ(jb.pop(60).entry.seq, 1);
  EXPECT_EQ(jb.stats().concealed, 0u);
  EXPECT_EQ(jb.stats().depth_packets, 0u);
}

}  // namespace
}  // namespace wzp::media

// JitterBuffer ordering, loss handling and silence, on a virtual clock (ms). The reference's
// jitter tests (wzp-proto jitter.rs) that still apply are adapted here and in
// jitter_delay_test.cpp.
#include "media/playout/jitter_buffer.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "jitter_test_util.hpp"
#include "media/playout/serial.hpp"

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

}  // namespace
}  // namespace wzp::media

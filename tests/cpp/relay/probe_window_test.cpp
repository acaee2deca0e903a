// ProbeWindow: the reference prober's 60-ping window (relay spec §10.1, U-PROBE-2..6).
#include "relay/probe_window.hpp"

#include <gtest/gtest.h>

namespace wzp::relay {
namespace {

TEST(ProbeWindow, RttOfMatchedPongsAndLatest) {  // U-PROBE-2
  ProbeWindow w;
  w.record_sent(1000);
  w.record_sent(2000);
  EXPECT_EQ(w.record_pong(1000, 1050), 50.0);
  EXPECT_EQ(w.record_pong(2000, 2030), 30.0);
  EXPECT_EQ(w.latest_rtt(), 30.0);
  EXPECT_EQ(w.record_pong(3000, 3010), std::nullopt);
}

TEST(ProbeWindow, LossCountsUnansweredPings) {  // U-PROBE-3
  ProbeWindow w;
  for (uint64_t i = 0; i < 10; ++i) w.record_sent(1000 + i);
  for (uint64_t i = 0; i < 7; ++i) w.record_pong(1000 + i, 1010 + i);
  EXPECT_NEAR(w.loss_pct(), 30.0, 1e-9);
}

TEST(ProbeWindow, JitterIsThePopulationStdDevOfRtts) {  // U-PROBE-4
  ProbeWindow w;
  uint64_t rtts[] = {10, 20, 30, 40};
  for (uint64_t i = 0; i < 4; ++i) {
    w.record_sent(i * 100);
    w.record_pong(i * 100, i * 100 + rtts[i]);
  }
  EXPECT_NEAR(w.jitter_ms(), 11.18, 0.1);
}

TEST(ProbeWindow, CapacityDropsTheOldest) {  // U-PROBE-5
  ProbeWindow w(5);
  for (uint64_t i = 0; i < 6; ++i) w.record_sent(999 + i);
  EXPECT_EQ(w.size(), 5u);
  EXPECT_EQ(w.oldest(), 1000u);
  EXPECT_EQ(w.loss_pct(), 100.0);
}

TEST(ProbeWindow, EmptyWindow) {  // U-PROBE-6
  ProbeWindow w;
  EXPECT_EQ(w.loss_pct(), 0.0);
  EXPECT_EQ(w.jitter_ms(), 0.0);
  EXPECT_EQ(w.latest_rtt(), std::nullopt);
}

TEST(ProbeWindow, RepeatedPongOverwritesAndOneRttHasNoJitter) {
  ProbeWindow w;
  w.record_sent(100);
  w.record_pong(100, 150);
  EXPECT_EQ(w.record_pong(100, 170), 70.0);
  EXPECT_EQ(w.latest_rtt(), 70.0);
  EXPECT_EQ(w.jitter_ms(), 0.0);
  w.record_sent(200);  // in flight: lost until answered
  EXPECT_EQ(w.loss_pct(), 50.0);
}

}  // namespace
}  // namespace wzp::relay

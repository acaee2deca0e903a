// ReceptionMonitor: loss and jitter figures from synthetic arrivals.
#include "media/quality/reception_monitor.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace wzp::media {
namespace {

TEST(ReceptionMonitor, NoLossNoJitter) {
  ReceptionMonitor m;
  for (int i = 0; i < 50; ++i) m.on_packet(static_cast<uint16_t>(i), i * 20u, 1000 + i * 20, false);
  const auto r = m.report(100);
  EXPECT_EQ(r.loss_pct, 0);
  EXPECT_EQ(r.jitter_ms, 0);
  EXPECT_EQ(r.rtt_4ms, 25);
  EXPECT_EQ(r.bitrate_cap_kbps, 0);
}

TEST(ReceptionMonitor, LossCountsRepairSeqsAsExpected) {
  // GOOD: blocks of 5 sources + 1 repair; one packet in 4 lost (25 %).
  ReceptionMonitor m;
  uint32_t ts = 0;
  for (int i = 0; i < 120; ++i) {
    const bool repair = i % 6 == 5;
    if (!repair) ts += 20;
    if (i % 4 == 1) continue;
    m.on_packet(static_cast<uint16_t>(i), ts, ts + 40, repair);
  }
  const auto r = m.report(0);
  EXPECT_EQ(r.loss_pct, 64);  // round(0.25 * 255)
  EXPECT_DOUBLE_EQ(m.stats().loss_fraction, 0.25);
  // The next interval is measured on its own.
  for (int i = 120; i < 170; ++i) {
    ts += 20;
    m.on_packet(static_cast<uint16_t>(i), ts, ts + 40, false);
  }
  EXPECT_EQ(m.report(0).loss_pct, 0);
  EXPECT_EQ(m.stats().lost, 30u);
  EXPECT_EQ(m.stats().expected, 170u);
}

TEST(ReceptionMonitor, LossAcrossTheSequenceWrap) {
  ReceptionMonitor m;
  for (int i = 0; i < 100; ++i) {
    if (i % 10 == 0) continue;
    const auto seq = static_cast<uint16_t>(65500 + i);
    m.on_packet(seq, i * 20u, i * 20, false);
  }
  // Expected 99 (65501 .. 65599 wrapped), received 90.
  EXPECT_EQ(m.stats().received, 90u);
  const auto r = m.report(0);
  EXPECT_EQ(r.loss_pct, static_cast<uint8_t>(std::lround(9.0 / 99.0 * 255)));
}

TEST(ReceptionMonitor, ReorderingIsNotLoss) {
  ReceptionMonitor m;
  for (int i = 0; i < 50; i += 2) {
    m.on_packet(static_cast<uint16_t>(i + 1), (i + 1) * 20u, i * 20 + 5, false);
    m.on_packet(static_cast<uint16_t>(i), i * 20u, i * 20 + 6, false);
  }
  EXPECT_EQ(m.report(0).loss_pct, 0);
}

TEST(ReceptionMonitor, JitterConvergesToTheMeanTransitDifference) {
  // Transit alternates 0 / 30 ms: |D| = 30 every packet, so J -> 30.
  ReceptionMonitor m;
  for (int i = 0; i < 500; ++i) m.on_packet(static_cast<uint16_t>(i), i * 20u, i * 20 + (i % 2) * 30, false);
  EXPECT_EQ(m.report(0).jitter_ms, 30);
  // Uniform 0..40 ms transit: E|D| = 40/3 ~ 13.3 ms.
  ReceptionMonitor u;
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> d(0, 40);
  double sum = 0.0;
  for (int i = 0; i < 20000; ++i) {
    u.on_packet(static_cast<uint16_t>(i), i * 20u, i * 20 + d(rng), false);
    sum += u.stats().jitter_ms;
  }
  EXPECT_NEAR(sum / 20000, 13.65, 1.0);  // E|X - Y| for X, Y uniform on 0..40
}

TEST(ReceptionMonitor, RepairAndSilenceDoNotAddJitter) {
  ReceptionMonitor m;
  uint32_t ts = 0;
  int64_t t = 0;
  for (int i = 0; i < 300; ++i) {
    if (i % 6 == 5) {
      m.on_packet(static_cast<uint16_t>(i), ts, t, true);  // the repair: block-end timestamp
      continue;
    }
    ts += 20;
    t += 20;
    if (i % 100 == 50) {  // a suppressed second: both clocks jump
      ts += 1000;
      t += 1000;
    }
    m.on_packet(static_cast<uint16_t>(i), ts, t, false);
  }
  EXPECT_EQ(m.report(0).jitter_ms, 0);
}

TEST(ReceptionMonitor, CadenceOneReportPerInterval) {
  ReceptionMonitor m(1000);
  EXPECT_FALSE(m.report_due(5000));  // nothing received yet
  m.on_packet(0, 0, 100, false);
  EXPECT_FALSE(m.report_due(1099));
  EXPECT_TRUE(m.report_due(1100));
  m.report(0, 1100);
  EXPECT_FALSE(m.report_due(2099));
  EXPECT_TRUE(m.report_due(2100));
  EXPECT_EQ(m.stats().reports, 1u);
}

TEST(ReceptionMonitor, RttAndJitterSaturate) {
  ReceptionMonitor m;
  m.on_packet(0, 0, 0, false);
  m.on_packet(1, 20, 5000, false);
  const auto r = m.report(5000);
  EXPECT_EQ(r.rtt_4ms, 255);
  EXPECT_EQ(r.jitter_ms, 255);
}

}  // namespace
}  // namespace wzp::media

// QualityController: the reference's quality.rs tests adapted (one report per second),
// rising and falling loss, rooms (worst of each receiver's latest report), forcing.
#include "media/quality/quality_controller.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace wzp::media {
namespace {

// As the reference's tests: loss = trunc(p / 100 * 255), rtt_4ms = trunc(ms / 4).
wire::QualityReport report(double loss_pct, uint32_t rtt_ms) {
  wire::QualityReport r;
  r.loss_pct = static_cast<uint8_t>(loss_pct / 100.0 * 255.0);
  r.rtt_4ms = static_cast<uint8_t>(rtt_ms / 4);
  return r;
}

// Feeds `n` reports a second apart from `reporter`, from *now; returns the switches.
std::vector<wire::QualityProfile> feed(QualityController& c, int n, double loss, uint32_t rtt, int64_t& now,
                                       uint32_t reporter = 1) {
  std::vector<wire::QualityProfile> switches;
  for (int i = 0; i < n; ++i, now += 1000) {
    if (auto p = c.on_report(reporter, report(loss, rtt), now)) switches.push_back(*p);
  }
  return switches;
}

TEST(QualityController, StartsAtGood) {
  QualityController c;
  EXPECT_EQ(c.profile(), wire::kProfileGood);
  EXPECT_EQ(c.tier_name(), "GOOD");
  EXPECT_EQ(c.expected_loss_pct(), 0);
}

TEST(QualityController, DowngradesAfterThreeAndJumpsToTheObservedTier) {
  QualityController c;
  int64_t now = 0;
  EXPECT_TRUE(feed(c, 2, 50, 300, now).empty());
  auto s = feed(c, 1, 50, 300, now);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0], wire::kProfileCatastrophic);  // straight from GOOD
}

TEST(QualityController, UpgradesSlowlyOneTierAtATime) {
  QualityController c(wire::kProfileCatastrophic);
  int64_t now = 0;
  EXPECT_TRUE(feed(c, 9, 2, 100, now).empty());
  auto s = feed(c, 1, 2, 100, now);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0], wire::kProfileDegraded);
  EXPECT_TRUE(feed(c, 9, 2, 100, now).empty());
  s = feed(c, 1, 2, 100, now);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0], wire::kProfileGood);
}

TEST(QualityController, TierClassification) {
  const auto tiers = reference_quality_tiers();
  EXPECT_EQ(classify(tiers, 5, 200), 0u);
  EXPECT_EQ(classify(tiers, 15, 200), 1u);
  EXPECT_EQ(classify(tiers, 5, 500), 1u);
  EXPECT_EQ(classify(tiers, 50, 200), 2u);
  EXPECT_EQ(classify(tiers, 5, 700), 2u);
  EXPECT_EQ(classify(tiers, 10, 400), 0u);  // strict comparisons
}

TEST(QualityController, HysteresisPreventsFlapping) {
  QualityController c;
  int64_t now = 0;
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(feed(c, 2, 20, 50, now).empty());  // two bad ...
    EXPECT_TRUE(feed(c, 1, 1, 50, now).empty());   // ... then a good one resets the count
  }
  EXPECT_EQ(c.profile(), wire::kProfileGood);
}

TEST(QualityController, FiveVersusTwentyVersusThirtyPercent) {
  // The operating points with the libwzp tiers.
  QualityController c(libwzp_quality_tiers(), wire::kProfileGood);
  int64_t now = 0;
  EXPECT_TRUE(feed(c, 60, 5, 50, now).empty());  // GOOD kept at 5 %
  auto s = feed(c, 3, 20, 50, now);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(c.tier_name(), "RESILIENT");
  s = feed(c, 3, 30, 50, now);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(c.tier_name(), "RESILIENT_DEEP");
  EXPECT_EQ(c.profile().frames_per_block, 8);
}

TEST(QualityController, RisingAndFallingLoss) {
  QualityController c;
  int64_t now = 0;
  std::vector<std::string_view> path;
  const auto step = [&](int n, double loss) {
    for (const auto& p : feed(c, n, loss, 60, now)) {
      (void)p;
      path.push_back(c.tier_name());
    }
  };
  for (double loss : {0.0, 5.0, 12.0, 25.0, 45.0, 60.0}) step(5, loss);  // rising
  for (double loss : {30.0, 15.0, 5.0, 0.0}) step(15, loss);             // falling
  EXPECT_EQ(path, (std::vector<std::string_view>{"DEGRADED", "CATASTROPHIC", "DEGRADED", "GOOD"}));
  EXPECT_EQ(c.profile(), wire::kProfileGood);
}

TEST(QualityController, IntermediateTierNeedsNoCodeChange) {
  const wire::QualityProfile more_fec{wire::CodecId::opus24k, 0.5f, 20, 5};
  const std::vector<QualityTier> tiers{{"GOOD", wire::kProfileGood},
                                       {"GOOD_MORE_FEC", more_fec, 3.0f, 300},
                                       {"DEGRADED", wire::kProfileDegraded, 10.0f, 400},
                                       {"CATASTROPHIC", wire::kProfileCatastrophic, 40.0f, 600}};
  QualityController c(tiers, wire::kProfileGood);
  int64_t now = 0;
  auto s = feed(c, 3, 6, 50, now);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0], more_fec);
  s = feed(c, 3, 20, 50, now);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0], wire::kProfileDegraded);
  s = feed(c, 10, 5, 50, now);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0], more_fec);  // one tier up at a time
}

TEST(QualityController, RoomsFollowTheWorstReceiver) {
  QualityController c;
  int64_t now = 0;
  // Three receivers report each second; receiver 3 is behind a bad link.
  std::vector<wire::QualityProfile> switches;
  for (int i = 0; i < 5; ++i, now += 1000) {
    for (uint32_t r = 1; r <= 3; ++r) {
      if (auto p = c.on_report(r, report(r == 3 ? 25 : 1, 50), now + r * 300)) switches.push_back(*p);
    }
  }
  ASSERT_EQ(switches.size(), 1u);
  EXPECT_EQ(switches[0], wire::kProfileDegraded);
  // Hysteresis counts evaluations, not reports: three receivers do not make it 3x faster.
  QualityController d;
  int reports_to_switch = 0;
  for (int64_t t = 0; reports_to_switch < 100; t += 1000) {
    bool done = false;
    for (uint32_t r = 1; r <= 3 && !done; ++r) {
      ++reports_to_switch;
      done = d.on_report(r, report(25, 50), t + r * 300).has_value();
    }
    if (done) break;
  }
  EXPECT_GE(reports_to_switch, 7);
  // Receiver 3 leaves (or its reports stop for the 5 s window): the others decide again.
  c.forget(3);
  now += 1000;  // the previous evaluation was at now - 100
  EXPECT_EQ(feed(c, 10, 1, 50, now, 1).size(), 1u);
  EXPECT_EQ(c.profile(), wire::kProfileGood);
}

TEST(QualityController, StaleReportsExpire) {
  QualityController c;
  int64_t now = 0;
  c.on_report(9, report(30, 50), now);  // one bad report, then receiver 9 goes quiet
  now += 6000;
  EXPECT_TRUE(feed(c, 5, 1, 50, now, 1).empty());
  EXPECT_EQ(c.profile(), wire::kProfileGood);
}

TEST(QualityController, ForceAndUnforce) {
  QualityController c;
  int64_t now = 0;
  c.force_profile(wire::kProfileCatastrophic);
  EXPECT_TRUE(c.forced());
  EXPECT_EQ(c.profile(), wire::kProfileCatastrophic);
  EXPECT_TRUE(feed(c, 10, 50, 700, now).empty());  // no transition while forced
  EXPECT_EQ(c.profile(), wire::kProfileCatastrophic);
  // Reports were still followed: back to adaptation, the tier they call for.
  EXPECT_TRUE(feed(c, 3, 15, 50, now).empty());
  c.force_profile(std::nullopt);
  EXPECT_FALSE(c.forced());
  EXPECT_EQ(c.profile(), wire::kProfileCatastrophic);
  auto s = feed(c, 10, 15, 50, now);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0], wire::kProfileDegraded);
  // Forcing the current profile and releasing it is a no-op.
  c.force_profile(wire::kProfileGood);
  c.force_profile(std::nullopt);
  EXPECT_EQ(c.profile(), wire::kProfileDegraded);
}

TEST(QualityController, ExpectedLossIsSmoothedAndNeverZeroWithLoss) {
  QualityController c;
  int64_t now = 0;
  feed(c, 1, 0.5, 50, now);
  EXPECT_EQ(c.expected_loss_pct(), 1);  // any measured loss turns Opus in-band FEC on
  feed(c, 30, 20, 50, now);
  EXPECT_NEAR(c.expected_loss_pct(), 20, 1);
  feed(c, 3, 0, 50, now);
  EXPECT_GT(c.expected_loss_pct(), 3);  // smoothed: it falls over several reports
  EXPECT_LT(c.expected_loss_pct(), 20);
}

}  // namespace
}  // namespace wzp::media

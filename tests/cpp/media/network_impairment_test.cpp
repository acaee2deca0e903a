#include "media/call/network_impairment.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace wzp::media {
namespace {

Bytes numbered(uint32_t n) {
  Bytes b(4);
  store_be32(b.data(), n);
  return b;
}

uint32_t number_of(const Bytes& b) { return load_be32(b.data()); }

// Sends `count` numbered datagrams, one every 20 ms, and collects everything delivered.
struct Outcome {
  std::vector<uint32_t> delivered;  // numbers, in delivery order
  std::vector<bool> lost;           // per datagram number
  NetworkImpairment::Stats stats;
};

Outcome run(const ImpairmentConfig& config, uint32_t count) {
  NetworkImpairment net(config);
  Outcome r;
  r.lost.assign(count, true);
  int64_t now = 0;
  for (uint32_t i = 0; i < count; ++i, now += 20) {
    net.submit(numbered(i), now);
    for (auto& d : net.due(now)) r.delivered.push_back(number_of(d));
  }
  for (auto& d : net.due(now + config.jitter_ms)) r.delivered.push_back(number_of(d));
  for (uint32_t n : r.delivered) r.lost[n] = false;
  r.stats = net.stats();
  return r;
}

double mean_loss_run(const std::vector<bool>& lost) {
  uint64_t runs = 0, dropped = 0;
  for (size_t i = 0; i < lost.size(); ++i) {
    if (!lost[i]) continue;
    ++dropped;
    if (i == 0 || !lost[i - 1]) ++runs;
  }
  return runs ? static_cast<double>(dropped) / static_cast<double>(runs) : 0.0;
}

TEST(NetworkImpairment, NoImpairmentPassesEverythingInOrderAtOnce) {
  NetworkImpairment net;
  for (uint32_t i = 0; i < 100; ++i) {
    net.submit(numbered(i), 7);
    auto out = net.due(7);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(number_of(out[0]), i);
  }
  EXPECT_EQ(net.stats().dropped, 0u);
  EXPECT_EQ(net.stats().delivered, 100u);
  EXPECT_EQ(net.next_due_ms(), INT64_MAX);
  EXPECT_FALSE(ImpairmentConfig{}.active());
}

TEST(NetworkImpairment, RandomLossMatchesThePercentage) {
  for (double pct : {5.0, 10.0, 20.0, 30.0}) {
    Outcome r = run({.loss_pct = pct, .burst = 1, .jitter_ms = 0, .seed = 42}, 100'000);
    const double measured = 100.0 * static_cast<double>(r.stats.dropped) / 100'000.0;
    EXPECT_NEAR(measured, pct, 0.5) << "at " << pct << " %";
    EXPECT_EQ(r.stats.dropped + r.stats.delivered, 100'000u);
    // Independent losses: runs of mean length 1 / (1 - p).
    EXPECT_NEAR(mean_loss_run(r.lost), 1.0 / (1.0 - pct / 100.0), 0.05) << "at " << pct << " %";
    EXPECT_EQ(static_cast<double>(r.stats.dropped) / static_cast<double>(r.stats.loss_runs),
              mean_loss_run(r.lost));
  }
}

TEST(NetworkImpairment, BurstsHaveTheMeanLengthAndKeepTheOverallLoss) {
  for (uint32_t burst : {2u, 3u, 5u}) {
    for (double pct : {10.0, 20.0, 30.0}) {
      Outcome r = run({.loss_pct = pct, .burst = burst, .jitter_ms = 0, .seed = 7}, 100'000);
      const double measured = 100.0 * static_cast<double>(r.stats.dropped) / 100'000.0;
      EXPECT_NEAR(measured, pct, 1.5) << pct << " % in bursts of " << burst;
      EXPECT_NEAR(mean_loss_run(r.lost), burst, 0.1 * burst) << pct << " % in bursts of " << burst;
    }
  }
}

TEST(NetworkImpairment, NoLossAndTotalLoss) {
  EXPECT_EQ(run({.loss_pct = 0, .burst = 3, .jitter_ms = 0, .seed = 1}, 1000).stats.dropped, 0u);
  EXPECT_EQ(run({.loss_pct = 100, .burst = 1, .jitter_ms = 0, .seed = 1}, 1000).stats.delivered, 0u);
  EXPECT_EQ(run({.loss_pct = 100, .burst = 4, .jitter_ms = 0, .seed = 1}, 1000).stats.delivered, 0u);
}

TEST(NetworkImpairment, DelaysStayWithinTheJitterAndReorder) {
  const uint32_t jitter = 60;
  NetworkImpairment net({.loss_pct = 0, .burst = 1, .jitter_ms = jitter, .seed = 3});
  std::map<uint32_t, int64_t> sent_at;
  std::map<uint32_t, int64_t> delays;
  std::vector<uint32_t> order;
  int64_t now = 0;
  // One millisecond steps: each datagram's delivery time is observed exactly.
  for (uint32_t i = 0; i < 5000 + jitter / 20 + 1; ++i) {
    if (i < 5000) {
      sent_at[i] = now;
      net.submit(numbered(i), now);
    }
    for (int step = 0; step < 20; ++step, ++now) {
      for (auto& d : net.due(now)) {
        const uint32_t n = number_of(d);
        delays[n] = now - sent_at[n];
        order.push_back(n);
      }
    }
  }
  ASSERT_EQ(delays.size(), 5000u);
  std::set<int64_t> seen;
  for (auto [n, delay] : delays) {
    EXPECT_GE(delay, 0) << n;
    EXPECT_LE(delay, jitter) << n;
    seen.insert(delay);
  }
  // The whole range is used, both ends included.
  EXPECT_EQ(seen.size(), jitter + 1);
  EXPECT_FALSE(std::is_sorted(order.begin(), order.end()));
  EXPECT_GT(net.stats().reordered, 0u);
  EXPECT_LE(net.stats().max_delay_ms, jitter);
  EXPECT_EQ(net.stats().held, 0u);
}

TEST(NetworkImpairment, HeldDatagramsWaitForTheirTime) {
  NetworkImpairment net({.loss_pct = 0, .burst = 1, .jitter_ms = 1000, .seed = 11});
  for (uint32_t i = 0; i < 50; ++i) net.submit(numbered(i), 0);
  EXPECT_GE(net.next_due_ms(), 0);
  EXPECT_EQ(net.stats().held, 50u);
  size_t got = 0;
  int64_t last_due = -1;
  while (net.next_due_ms() != INT64_MAX) {
    const int64_t t = net.next_due_ms();
    EXPECT_GE(t, last_due);
    EXPECT_TRUE(net.due(t - 1).empty());
    got += net.due(t).size();
    last_due = t;
  }
  EXPECT_EQ(got, 50u);
  EXPECT_LE(last_due, 1000);
}

TEST(NetworkImpairment, TheSameSeedGivesTheSameNetwork) {
  const ImpairmentConfig config{.loss_pct = 20, .burst = 3, .jitter_ms = 40, .seed = 99};
  Outcome a = run(config, 20'000);
  Outcome b = run(config, 20'000);
  EXPECT_EQ(a.delivered, b.delivered);
  EXPECT_EQ(a.lost, b.lost);
  ImpairmentConfig other = config;
  other.seed = 100;
  Outcome c = run(other, 20'000);
  EXPECT_NE(a.lost, c.lost);
}

}  // namespace
}  // namespace wzp::media

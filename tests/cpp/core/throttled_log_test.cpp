#include "core/throttled_log.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/token_bucket.hpp"

namespace wzp {
namespace {

TEST(TokenBucket, BurstThenRate) {
  TokenBucket bucket(10.0, 3.0);  // 3 at once, then one per 100 ms
  const uint64_t t0 = 1'000'000'000;
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_TRUE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0));
  EXPECT_FALSE(bucket.take(t0 + 50'000'000));
  EXPECT_TRUE(bucket.take(t0 + 100'000'000));
  EXPECT_FALSE(bucket.take(t0 + 100'000'000));
  // A long pause refills up to the burst, not more.
  const uint64_t t1 = t0 + 3'600'000'000'000ULL;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.take(t1));
  EXPECT_FALSE(bucket.take(t1));
}

TEST(ThrottledLog, AFloodYieldsABurstThenASummaryLine) {
  std::vector<std::string> lines;
  auto previous = log::level();
  log::set_level(log::Level::info);
  log::set_sink([&](log::Level, std::string_view, std::string_view message) { lines.emplace_back(message); });
  {
    ThrottledLog throttled(log::Level::info, "test", 10.0, 2.0);
    for (int i = 0; i < 100; ++i) throttled.write("junk " + std::to_string(i));
    EXPECT_EQ(lines.size(), 2u);
    EXPECT_GE(throttled.suppressed_total(), 90u);
    // Once a token is back, the next line says how many were left out.
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    throttled.write("junk again");
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_NE(lines.back().find("similar messages suppressed"), std::string::npos) << lines.back();
    // A message that is not going to be logged is not even built.
    bool built = false;
    log::set_level(log::Level::warn);
    throttled.write_lazy([&] {
      built = true;
      return std::string("x");
    });
    EXPECT_FALSE(built);
  }
  log::set_sink({});
  log::set_level(previous);
}

}  // namespace
}  // namespace wzp

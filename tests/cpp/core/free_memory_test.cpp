// Giving freed memory back: at once when asked for with no interval, and at most
// once per interval otherwise, however many callers ask (a relay's endpoints all do).
#include "core/free_memory.hpp"

#include <gtest/gtest.h>

#include "core/clock.hpp"

namespace wzp {
namespace {

uint64_t g_now = 1'000'000'000;
uint64_t fake_now() { return g_now; }

struct FakeClock {
  FakeClock() { clock::set_source(&fake_now); }
  ~FakeClock() { clock::set_source(nullptr); }
};

TEST(FreeMemory, TrimsAtMostOncePerInterval) {
  FakeClock fake;
  constexpr uint64_t kSecond = 1'000'000'000;
  EXPECT_TRUE(return_free_memory(0));  // now, whatever came before
  EXPECT_FALSE(return_free_memory(10 * kSecond));
  g_now += 9 * kSecond;
  EXPECT_FALSE(return_free_memory(10 * kSecond));
  g_now += kSecond;
  EXPECT_TRUE(return_free_memory(10 * kSecond));
  EXPECT_FALSE(return_free_memory(10 * kSecond));
  EXPECT_TRUE(return_free_memory(0));
}

}  // namespace
}  // namespace wzp

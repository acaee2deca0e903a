#include "core/event_queue.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <thread>

namespace wzp {
namespace {

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

TEST(EventQueue, FdIsReadableExactlyWhileNonEmpty) {
  EventQueue<int> q(8);
  ASSERT_GE(q.fd(), 0);
  EXPECT_FALSE(readable(q.fd()));
  q.push(1);
  q.push(2);
  EXPECT_TRUE(readable(q.fd()));
  EXPECT_EQ(q.pop(0), 1);
  EXPECT_TRUE(readable(q.fd()));
  EXPECT_EQ(q.pop(0), 2);
  EXPECT_FALSE(readable(q.fd()));
  EXPECT_EQ(q.pop(0), std::nullopt);
}

TEST(EventQueue, DropsOldestWhenFullAndCountsIt) {
  EventQueue<int> q(3);
  for (int i = 0; i < 5; ++i) q.push(i);
  EXPECT_EQ(q.dropped(), 2u);
  EXPECT_EQ(q.pop(0), 2);
  EXPECT_EQ(q.pop(0), 3);
  EXPECT_EQ(q.pop(0), 4);
}

TEST(EventQueue, BlockingPopWakesOnPushFromAnotherThread) {
  EventQueue<int> q(4);
  std::thread producer([&] { q.push(42); });
  EXPECT_EQ(q.pop(-1), 42);
  producer.join();
}

TEST(EventQueue, CloseWakesWaitersAndRefusesNewItems) {
  EventQueue<int> q(4);
  std::thread closer([&] { q.close(); });
  EXPECT_EQ(q.pop(-1), std::nullopt);
  closer.join();
  q.push(1);
  EXPECT_EQ(q.pop(0), std::nullopt);
  EXPECT_TRUE(readable(q.fd()));  // a closed queue stays readable so loops notice
}

}  // namespace
}  // namespace wzp

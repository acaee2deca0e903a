#include "transport/datagram_queue.hpp"

#include <gtest/gtest.h>

namespace wzp::transport {
namespace {

TEST(DatagramQueue, FifoWithinBound) {
  DatagramQueue q(100);
  EXPECT_EQ(q.push(Bytes(10, 1)), 0u);
  EXPECT_EQ(q.push(Bytes(20, 2)), 0u);
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.bytes(), 30u);
  EXPECT_EQ(q.front()[0], 1);
  q.pop();
  EXPECT_EQ(q.front()[0], 2);
  EXPECT_EQ(q.bytes(), 20u);
}

TEST(DatagramQueue, DropsOldestWhenFull) {
  DatagramQueue q(100);
  for (uint8_t i = 0; i < 3; ++i) EXPECT_EQ(q.push(Bytes(30, i)), 0u);
  EXPECT_EQ(q.bytes(), 90u);
  EXPECT_EQ(q.push(Bytes(60, 9)), 2u);  // 0 and 1 make room
  EXPECT_LE(q.bytes(), 100u);
  std::vector<uint8_t> order;
  while (!q.empty()) {
    order.push_back(q.front()[0]);
    q.pop();
  }
  EXPECT_EQ(order, (std::vector<uint8_t>{2, 9}));
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(DatagramQueue, LargerThanBoundIsDroppedItself) {
  DatagramQueue q(50);
  q.push(Bytes(10, 1));
  EXPECT_EQ(q.push(Bytes(51, 2)), 1u);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.front()[0], 1);
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

}  // namespace
}  // namespace wzp::transport

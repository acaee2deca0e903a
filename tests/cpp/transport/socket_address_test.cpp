#include "transport/socket_address.hpp"

#include <gtest/gtest.h>

#include "transport/udp_socket.hpp"

namespace wzp::transport {
namespace {

TEST(SocketAddress, ParseAndPrint) {
  auto v4 = SocketAddress::parse("127.0.0.1:4433");
  ASSERT_TRUE(v4.ok());
  EXPECT_FALSE(v4->is_ipv6());
  EXPECT_EQ(v4->port(), 4433);
  EXPECT_EQ(v4->to_string(), "127.0.0.1:4433");
  auto v6 = SocketAddress::parse("[::1]:5");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->is_ipv6());
  EXPECT_EQ(v6->to_string(), "[::1]:5");
  EXPECT_EQ(v6->ip_string(), "::1");
  EXPECT_EQ(*v6, SocketAddress::ipv6_loopback(5));
  EXPECT_FALSE(*v6 == SocketAddress::ipv6_loopback(6));
}

TEST(SocketAddress, RejectsMalformed) {
  for (const char* text : {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:x", "::1:5", "[::1]5",
                           "[::1]:", "host:80", "1.2.3.4:-1", "[1.2.3.4]:5x"}) {
    auto parsed = SocketAddress::parse(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code, Errc::invalid_argument);
    }
  }
  EXPECT_TRUE(SocketAddress().empty());
  EXPECT_EQ(SocketAddress().to_string(), "");
}

TEST(UdpSocket, BindPortZeroAndExchangeBatches) {
  auto a = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
  auto b = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_NE(a->local_address().port(), 0);
  SocketAddress to = b->local_address();
  Bytes one(100, 1), two(2000, 2), three(3000, 3);
  OutgoingDatagram batch[] = {{&to, one}, {&to, two}, {&to, three}};
  EXPECT_EQ(a->send(batch), 3u);
  UdpReceiveBatch received(8, 2048);
  size_t total = 0;
  for (int attempt = 0; attempt < 1000 && total < 3; ++attempt) {
    auto n = b->receive(received);
    ASSERT_TRUE(n.ok());
    for (size_t i = 0; i < *n; ++i, ++total) {
      EXPECT_EQ(received.sender(i), a->local_address());
      if (total == 0) {
        EXPECT_EQ(received.data(i).size(), 100u);
      }
      if (total == 2) {
        EXPECT_TRUE(received.truncated(i));  // 3000 > slot size
      }
    }
  }
  EXPECT_EQ(total, 3u);
  auto nothing = b->receive(received);
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(*nothing, 0u);
}

TEST(UdpSocket, BindFailureIsAnError) {
  auto a = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
  ASSERT_TRUE(a.ok());
  auto clash = UdpSocket::bind(a->local_address());
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, Errc::io);
  EXPECT_FALSE(UdpSocket::bind(SocketAddress()).ok());
}

}  // namespace
}  // namespace wzp::transport

// UdpSocket: UDP GSO in send() (runs of equal-size datagrams to one
// destination go out as one sendmmsg entry and still arrive as the same
// datagrams, in order), its counters, its fallback when the kernel refuses it,
// and SO_REUSEPORT.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "transport/udp_socket.hpp"

namespace wzp::transport {
namespace {

struct Planned {
  size_t receiver;  // index into the receivers
  size_t size;
};

// Unique bytes per datagram: its index, then a pattern derived from it.
Bytes datagram_bytes(size_t index, size_t size) {
  Bytes bytes(size);
  for (size_t i = 0; i < size; ++i) {
    bytes[i] = i < 4 ? static_cast<uint8_t>(index >> (8 * i)) : static_cast<uint8_t>(index * 31 + i);
  }
  return bytes;
}

// Runs to receiver 0 interleaved with other destinations and odd sizes. With
// GSO the send is 13 sendmmsg entries in one call: 6 of them GSO runs
// (5, 4, 2, 64 and 6 of one run of 70, 3) carrying 84 datagrams.
std::vector<Planned> mixed_plan() {
  std::vector<Planned> plan;
  auto add = [&](size_t receiver, size_t size, size_t count) {
    for (size_t i = 0; i < count; ++i) plan.push_back({receiver, size});
  };
  add(0, 120, 5);  // a run of 5
  add(1, 120, 1);  // another destination
  add(0, 200, 3);  // a run of 4 ending with a shorter datagram
  add(0, 50, 1);
  add(0, 300, 1);   // a shorter datagram ends a run: this one starts alone
  add(2, 80, 2);    // a run of 2 to another destination
  add(0, 100, 70);  // 64 segments at most: a run of 64, then one of 6
  add(0, 0, 1);     // an empty datagram never joins a run
  add(0, 90, 3);    // a run of 3; a larger datagram ends it
  add(0, 95, 1);
  add(1, 150, 1);  // alternating destinations: no runs
  add(0, 150, 1);
  add(1, 150, 1);
  return plan;
}

constexpr uint64_t kMixedDatagrams = 91;
constexpr uint64_t kMixedGsoBatches = 6;
constexpr uint64_t kMixedGsoSegments = 84;

class GsoExchange {
 public:
  explicit GsoExchange(const SocketAddress& loopback, UdpSocketOptions options = {}) {
    auto sender = UdpSocket::bind(loopback, options);
    if (!sender.ok()) return;
    sender_ = std::move(*sender);
    for (int i = 0; i < 3; ++i) {
      auto receiver = UdpSocket::bind(loopback);
      if (!receiver.ok()) return;
      receivers_.push_back(std::move(*receiver));
    }
    ok_ = true;
  }
  bool ok() const { return ok_; }
  UdpSocket& sender() { return sender_; }

  // Sends the plan in one send() call and checks that every receiver gets its
  // datagrams, separate, in order, byte for byte, and nothing else.
  void send_and_check(const std::vector<Planned>& plan) {
    // One SocketAddress object per datagram (equal values), as QUIC's write path has.
    std::deque<SocketAddress> destinations;
    std::vector<Bytes> payloads;
    std::vector<OutgoingDatagram> out;
    std::vector<std::vector<Bytes>> expected(receivers_.size());
    for (size_t i = 0; i < plan.size(); ++i) {
      destinations.push_back(receivers_[plan[i].receiver].local_address());
      payloads.push_back(datagram_bytes(i, plan[i].size));
      expected[plan[i].receiver].push_back(payloads.back());
    }
    for (size_t i = 0; i < plan.size(); ++i) out.push_back({&destinations[i], payloads[i]});
    ASSERT_EQ(sender_.send(out), plan.size());

    std::vector<std::vector<Bytes>> received(receivers_.size());
    UdpReceiveBatch batch(64, 2048);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto complete = [&] {
      for (size_t r = 0; r < receivers_.size(); ++r) {
        if (received[r].size() < expected[r].size()) return false;
      }
      return true;
    };
    while (!complete() && std::chrono::steady_clock::now() < deadline) {
      std::vector<pollfd> fds;
      for (auto& receiver : receivers_) fds.push_back({receiver.fd(), POLLIN, 0});
      ::poll(fds.data(), fds.size(), 50);
      for (size_t r = 0; r < receivers_.size(); ++r) {
        for (;;) {
          auto n = receivers_[r].receive(batch);
          ASSERT_TRUE(n.ok());
          if (*n == 0) break;
          for (size_t i = 0; i < *n; ++i) {
            EXPECT_FALSE(batch.truncated(i));
            EXPECT_EQ(batch.sender(i), sender_.local_address());
            ByteView data = batch.data(i);
            received[r].emplace_back(data.begin(), data.end());
          }
        }
      }
    }
    // A short poll for strays: a receiver must not get more than it was sent.
    ::usleep(20'000);
    for (size_t r = 0; r < receivers_.size(); ++r) {
      auto n = receivers_[r].receive(batch);
      ASSERT_TRUE(n.ok());
      EXPECT_EQ(*n, 0u) << "receiver " << r << " got extra datagrams";
      ASSERT_EQ(received[r].size(), expected[r].size()) << "receiver " << r;
      for (size_t i = 0; i < expected[r].size(); ++i) {
        EXPECT_EQ(received[r][i], expected[r][i]) << "receiver " << r << " datagram " << i;
      }
    }
  }

 private:
  bool ok_ = false;
  UdpSocket sender_;
  std::vector<UdpSocket> receivers_;
};

TEST(UdpSocketGso, CoalescesRunsAndDeliversTheSameDatagrams) {
  GsoExchange exchange(SocketAddress::ipv4_loopback(0));
  ASSERT_TRUE(exchange.ok());
  UdpSocket& sender = exchange.sender();
  if (!sender.gso_enabled()) GTEST_SKIP() << "the kernel has no UDP GSO";
  exchange.send_and_check(mixed_plan());
  const UdpSendCounters& c = sender.send_counters();
  EXPECT_EQ(c.datagrams, kMixedDatagrams);
  EXPECT_EQ(c.gso_batches, kMixedGsoBatches);
  EXPECT_EQ(c.gso_segments, kMixedGsoSegments);
  EXPECT_EQ(c.syscalls, 1u);  // 13 entries fit one sendmmsg
  EXPECT_TRUE(sender.gso_enabled());
}

TEST(UdpSocketGso, OffSendsOneEntryPerDatagram) {
  GsoExchange exchange(SocketAddress::ipv4_loopback(0));
  ASSERT_TRUE(exchange.ok());
  UdpSocket& sender = exchange.sender();
  sender.set_gso(false);
  EXPECT_FALSE(sender.gso_enabled());
  exchange.send_and_check(mixed_plan());
  const UdpSendCounters& c = sender.send_counters();
  EXPECT_EQ(c.datagrams, kMixedDatagrams);
  EXPECT_EQ(c.gso_batches, 0u);
  EXPECT_EQ(c.gso_segments, 0u);
  EXPECT_EQ(c.syscalls, 2u);  // 64 + 27 entries

  sender.reset_send_counters();
  EXPECT_EQ(sender.send_counters().datagrams, 0u);
  sender.set_gso(true);  // back on where the kernel has it
  exchange.send_and_check(mixed_plan());
  EXPECT_EQ(sender.send_counters().gso_batches, sender.gso_enabled() ? kMixedGsoBatches : 0u);
}

TEST(UdpSocketGso, OptionOffLeavesItOff) {
  UdpSocketOptions options;
  options.gso = false;
  GsoExchange exchange(SocketAddress::ipv4_loopback(0), options);
  ASSERT_TRUE(exchange.ok());
  EXPECT_FALSE(exchange.sender().gso_enabled());
  exchange.sender().set_gso(true);  // the socket was bound without it: stays off
  EXPECT_FALSE(exchange.sender().gso_enabled());
  exchange.send_and_check(mixed_plan());
  EXPECT_EQ(exchange.sender().send_counters().gso_batches, 0u);
}

TEST(UdpSocketGso, Ipv6) {
  GsoExchange exchange(SocketAddress::ipv6_loopback(0));
  if (!exchange.ok()) GTEST_SKIP() << "no IPv6 loopback";
  if (!exchange.sender().gso_enabled()) GTEST_SKIP() << "the kernel has no UDP GSO";
  exchange.send_and_check(mixed_plan());
  EXPECT_EQ(exchange.sender().send_counters().gso_batches, kMixedGsoBatches);
  EXPECT_EQ(exchange.sender().send_counters().gso_segments, kMixedGsoSegments);
}

TEST(UdpSocketGso, RefusedGsoFallsBackToOneByOne) {
  GsoExchange exchange(SocketAddress::ipv4_loopback(0));
  ASSERT_TRUE(exchange.ok());
  UdpSocket& sender = exchange.sender();
  if (!sender.gso_enabled()) GTEST_SKIP() << "the kernel has no UDP GSO";
  // Without UDP checksums the kernel refuses GSO sends (EINVAL), not plain ones.
  int on = 1;
  ASSERT_EQ(setsockopt(sender.fd(), SOL_SOCKET, SO_NO_CHECK, &on, sizeof on), 0);
  exchange.send_and_check(mixed_plan());
  EXPECT_FALSE(sender.gso_enabled());
  const UdpSendCounters& c = sender.send_counters();
  EXPECT_EQ(c.datagrams, kMixedDatagrams);
  EXPECT_EQ(c.gso_batches, 0u);
  EXPECT_EQ(c.gso_segments, 0u);
  // Turned off for good: set_gso(true) does not bring it back.
  sender.set_gso(true);
  EXPECT_FALSE(sender.gso_enabled());
  exchange.send_and_check(mixed_plan());
  EXPECT_EQ(sender.send_counters().gso_batches, 0u);
}

TEST(UdpSocketGso, LargeDatagramsWithinTheByteLimit) {
  // 60 x 1200 bytes = 72000 > 64 KiB: two runs.
  GsoExchange exchange(SocketAddress::ipv4_loopback(0));
  ASSERT_TRUE(exchange.ok());
  UdpSocket& sender = exchange.sender();
  if (!sender.gso_enabled()) GTEST_SKIP() << "the kernel has no UDP GSO";
  exchange.send_and_check(std::vector<Planned>(60, Planned{0, 1200}));
  const UdpSendCounters& c = sender.send_counters();
  EXPECT_EQ(c.datagrams, 60u);
  EXPECT_EQ(c.gso_batches, 2u);  // 54 x 1200 = 64800 fits, then 6
  EXPECT_EQ(c.gso_segments, 60u);
}

TEST(UdpSocketGso, SpansLongerThanOneCallKeepRunsWhole) {
  // 3 x 350 datagrams: more than the 1024 one sendmmsg call carries. A run that
  // does not fit the rest of a call starts the next one, whole.
  GsoExchange exchange(SocketAddress::ipv4_loopback(0));
  ASSERT_TRUE(exchange.ok());
  UdpSocket& sender = exchange.sender();
  if (!sender.gso_enabled()) GTEST_SKIP() << "the kernel has no UDP GSO";
  std::vector<Planned> plan;
  for (size_t r = 0; r < 3; ++r) plan.insert(plan.end(), 350, Planned{r, 16});
  exchange.send_and_check(plan);
  const UdpSendCounters& c = sender.send_counters();
  EXPECT_EQ(c.datagrams, 1050u);
  EXPECT_EQ(c.gso_segments, 1050u);
  EXPECT_EQ(c.gso_batches, 18u);  // 5 x 64 + 30 per receiver
  EXPECT_EQ(c.syscalls, 2u);      // 1020 datagrams, then the last run of 30
}

TEST(UdpSocketReusePort, TwoSocketsShareAPort) {
  UdpSocketOptions reuse;
  reuse.reuse_port = true;
  auto first = UdpSocket::bind(SocketAddress::ipv4_loopback(0), reuse);
  ASSERT_TRUE(first.ok()) << first.error().message;
  const SocketAddress shared = first->local_address();
  auto second = UdpSocket::bind(shared, reuse);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->local_address(), shared);
  // A socket without the option cannot join them.
  EXPECT_FALSE(UdpSocket::bind(shared).ok());

  // The kernel spreads flows (by source address) over both.
  std::vector<UdpSocket> senders;
  for (int i = 0; i < 32; ++i) {
    auto s = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
    ASSERT_TRUE(s.ok());
    const uint8_t byte = static_cast<uint8_t>(i);
    ASSERT_TRUE(s->send_to(shared, ByteView(&byte, 1)));
    senders.push_back(std::move(*s));
  }
  UdpReceiveBatch batch;
  size_t got[2] = {0, 0};
  UdpSocket* sockets[2] = {&*first, &*second};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (got[0] + got[1] < 32 && std::chrono::steady_clock::now() < deadline) {
    pollfd fds[2] = {{sockets[0]->fd(), POLLIN, 0}, {sockets[1]->fd(), POLLIN, 0}};
    ::poll(fds, 2, 50);
    for (int k = 0; k < 2; ++k) {
      auto n = sockets[k]->receive(batch);
      ASSERT_TRUE(n.ok());
      got[k] += *n;
    }
  }
  EXPECT_EQ(got[0] + got[1], 32u);
  EXPECT_GT(got[0], 0u);
  EXPECT_GT(got[1], 0u);
}

TEST(UdpSocketReusePort, WithoutTheOptionTheSecondBindFails) {
  auto first = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
  ASSERT_TRUE(first.ok());
  auto second = UdpSocket::bind(first->local_address());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::io);
  // Nor does setting it on the second alone help: every socket on the port needs it.
  UdpSocketOptions reuse;
  reuse.reuse_port = true;
  EXPECT_FALSE(UdpSocket::bind(first->local_address(), reuse).ok());
}

}  // namespace
}  // namespace wzp::transport

// The relay under traffic from peers without credentials: half-open
// handshakes, a full relay, and a restart that must reset former clients.
#include <poll.h>

#include <atomic>
#include <thread>

#include "common/quic_initials.hpp"
#include "live_harness.hpp"
#include "transport/udp_socket.hpp"

namespace wzp::live_testing {
namespace {

using wire::CloseCode;

/// Forwards UDP between clients and a relay port, and can drop everything
/// (a relay that crashes is a relay whose goodbyes never arrive).
class UdpForwarder {
 public:
  explicit UdpForwarder(uint16_t relay_port)
      : relay_(transport::SocketAddress::ipv4_loopback(relay_port)),
        front_(bind_loopback()),
        back_(bind_loopback()),
        thread_([this] { run(); }) {}
  ~UdpForwarder() {
    stop_ = true;
    thread_.join();
  }
  uint16_t port() const { return front_.local_address().port(); }
  void drop_all() { dropping_ = true; }
  /// Forwards again, once what arrived while dropping is discarded.
  bool resume() {
    resume_requested_ = true;
    return eventually([&] { return !dropping_.load(); });
  }

 private:
  static transport::UdpSocket bind_loopback() {
    auto socket = transport::UdpSocket::bind(transport::SocketAddress::ipv4_loopback(0));
    EXPECT_TRUE(socket.ok());
    return std::move(*socket);
  }
  void run() {
    transport::UdpReceiveBatch batch(64, 2048);
    while (!stop_) {
      if (resume_requested_.exchange(false)) {
        auto discard = [](const transport::SocketAddress&, ByteView) {};
        while (pump(front_, batch, discard) + pump(back_, batch, discard) > 0) {
        }
        dropping_ = false;
      }
      pollfd fds[2] = {{front_.fd(), POLLIN, 0}, {back_.fd(), POLLIN, 0}};
      if (::poll(fds, 2, 20) <= 0) continue;
      pump(front_, batch, [&](const transport::SocketAddress& from, ByteView d) {
        client_ = from;
        back_.send_to(relay_, d);
      });
      pump(back_, batch, [&](const transport::SocketAddress&, ByteView d) {
        if (!client_.empty()) front_.send_to(client_, d);
      });
    }
  }
  template <class F>
  size_t pump(transport::UdpSocket& socket, transport::UdpReceiveBatch& batch, F forward) {
    auto n = socket.receive(batch);
    if (!n.ok()) return 0;
    for (size_t i = 0; i < *n; ++i) {
      if (!dropping_) forward(batch.sender(i), batch.data(i));
    }
    return *n;
  }

  transport::SocketAddress relay_;
  transport::SocketAddress client_;
  transport::UdpSocket front_;
  transport::UdpSocket back_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> dropping_{false};
  std::atomic<bool> resume_requested_{false};
  std::thread thread_;
};

TEST(LiveStatelessReset, RelayRestartedWithTheSameIdentityResetsFormerClients) {
  auto config = relay_config();
  config.identity = identity_from(0x42);
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  const uint16_t port = relay->port();
  UdpForwarder forwarder(port);
  auto client_config = client_config_to(forwarder.port(), "default");
  client_config.transport.idle_timeout_ms = 60'000;  // the test ends long before it could
  auto client = TestClient::join(client_config);
  ASSERT_TRUE(client);

  // The relay "crashes": its closes never reach the client.
  forwarder.drop_all();
  relay->server->stop();
  relay.reset();
  config.listen_port = port;
  auto restarted = TestRelay::start(config);
  ASSERT_TRUE(restarted);
  ASSERT_TRUE(forwarder.resume());

  // The client's next packet reaches a relay that has no state for it.
  ASSERT_TRUE(client->client->send_media(media_packet(1, 1)).ok());
  auto closed = client->wait_closed();
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->kind, transport::CloseKind::transport);
  EXPECT_EQ(closed->reason, "stateless reset");
  EXPECT_GE(restarted->server->transport_stats().stateless_resets_sent, 1u);
}

/// `count` half-open handshakes (Initials from a socket that never answers),
/// once the relay has received them all; null on failure.
std::unique_ptr<transport::UdpSocket> half_open_flood(TestRelay& relay, size_t count) {
  auto initials = testing::capture_initials(count);
  if (initials.size() != count) return nullptr;
  auto mute = testing::send_half_open(initials, transport::SocketAddress::ipv4_loopback(relay.port()));
  if (!mute || !eventually([&] { return relay.server->transport_stats().packets_received >= count; }))
    return nullptr;
  return mute;
}

TEST(LiveHandshakeBudget, HundredHalfOpenHandshakesDoNotLockOutAClient) {
  auto config = relay_config();
  config.max_sessions = 100;
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  auto mute = half_open_flood(*relay, 100);
  ASSERT_TRUE(mute);

  // A legitimate client joins at once, within the normal deadline.
  auto client = TestClient::join(client_config(*relay));
  EXPECT_TRUE(client);
  auto stats = relay->server->transport_stats();
  const size_t budget = std::max<size_t>(16, config.max_sessions / 4);
  EXPECT_LE(stats.handshakes_in_progress, budget);
  EXPECT_GE(stats.retries_sent, 1u);
  EXPECT_EQ(relay->counters().sessions_active.load(), 1u);
}

TEST(LiveHandshakeBudget, HalfOpenHandshakesTimeOutAndAreCounted) {
  auto config = relay_config();
  config.handshake_timeout_ms = 300;
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  auto mute = half_open_flood(*relay, 5);
  ASSERT_TRUE(mute);
  ASSERT_TRUE(eventually([&] { return relay->server->transport_stats().handshake_timeouts == 5; }));
  ASSERT_TRUE(eventually([&] { return relay->server->transport_stats().connections_in_memory == 0; }));
  EXPECT_EQ(relay->counters().sessions_active.load(), 0u);
}

TEST(LiveCaps, EveryConnectionOverTheCapIsToldServerFull) {
  auto config = relay_config();
  config.max_sessions = 1;
  config.max_handshakes = 200;  // the handshake budget is not what this test is about
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  auto first = TestClient::join(client_config(*relay));
  ASSERT_TRUE(first);
  // More than the 64 the relay used to let finish their handshake.
  constexpr size_t kOver = 80;
  std::vector<std::unique_ptr<TestClient>> over;
  for (size_t i = 0; i < kOver; ++i) over.push_back(TestClient::connect(client_config(*relay)));
  for (auto& tc : over) {
    ASSERT_TRUE(tc);
    auto info = tc->wait_closed();
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->kind, transport::CloseKind::application);
    EXPECT_EQ(info->code, wire::code_value(CloseCode::server_full));
  }
  EXPECT_EQ(relay->counters().rejected_full.load(), kOver);
}

}  // namespace
}  // namespace wzp::live_testing

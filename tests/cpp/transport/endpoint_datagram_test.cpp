// RFC 9221 datagrams end to end: delivery, size limits, peer support, queue.
#include <gtest/gtest.h>

#include "transport_harness.hpp"

namespace wzp::transport::testing {
namespace {

TEST(EndpointDatagram, BothWays) {
  auto p = connect_pair();
  constexpr size_t kCount = 100;
  p.client->on_loop([&] {
    Connection* c = p.client->endpoint->find(p.client_id);
    for (size_t i = 0; i < kCount; ++i)
      ASSERT_TRUE(c->send_datagram(pattern(100 + i, static_cast<uint8_t>(i))).ok());
  });
  ASSERT_TRUE(p.server->recorder.wait([&](auto& c) { return c.at(p.server_id).datagrams.size() == kCount; }));
  auto got = p.server->recorder.get(p.server_id).datagrams;
  // Loopback does not reorder; datagrams are packetised in queue order.
  for (size_t i = 0; i < kCount; ++i) EXPECT_EQ(got[i], pattern(100 + i, static_cast<uint8_t>(i)));

  ASSERT_TRUE(send_datagram(*p.server, p.server_id, as_bytes("media")).ok());
  ASSERT_TRUE(p.client->recorder.wait([&](auto& c) { return c.at(p.client_id).datagrams.size() == 1; }));
  EXPECT_EQ(as_chars(p.client->recorder.get(p.client_id).datagrams[0]), "media");

  auto sent = p.client->on_loop([&] { return p.client->endpoint->find(p.client_id)->stats(); });
  auto received = p.server->on_loop([&] { return p.server->endpoint->find(p.server_id)->stats(); });
  EXPECT_EQ(sent.datagrams_sent, kCount);
  EXPECT_EQ(received.datagrams_received, kCount);
  EXPECT_EQ(sent.datagrams_dropped, 0u);
}

TEST(EndpointDatagram, SizeLimitGivesTooLarge) {
  auto p = connect_pair();
  size_t limit =
      p.client->on_loop([&] { return p.client->endpoint->find(p.client_id)->max_datagram_payload(); });
  EXPECT_EQ(limit, TransportSettings{}.max_datagram_payload);
  Status too_big = send_datagram(*p.client, p.client_id, Bytes(limit + 1, 1));
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code, Errc::too_large);
  EXPECT_NE(too_big.error().message.find(std::to_string(limit)), std::string::npos)
      << too_big.error().message;

  // The largest allowed one goes through, and traffic behind it is not stalled.
  ASSERT_TRUE(send_datagram(*p.client, p.client_id, Bytes(limit, 2)).ok());
  ASSERT_TRUE(send_datagram(*p.client, p.client_id, as_bytes("next")).ok());
  ASSERT_TRUE(p.server->recorder.wait([&](auto& c) { return c.at(p.server_id).datagrams.size() == 2; }));
  EXPECT_EQ(p.server->recorder.get(p.server_id).datagrams[0].size(), limit);
}

TEST(EndpointDatagram, ConfiguredCapApplies) {
  ClientConfig config;
  config.transport.max_datagram_payload = 200;
  auto p = connect_pair({}, config);
  EXPECT_EQ(p.client->on_loop([&] { return p.client->endpoint->find(p.client_id)->max_datagram_payload(); }),
            200u);
  EXPECT_EQ(send_datagram(*p.client, p.client_id, Bytes(201)).error().code, Errc::too_large);
  EXPECT_TRUE(send_datagram(*p.client, p.client_id, Bytes(200)).ok());
}

TEST(EndpointDatagram, PeerWithoutDatagramSupport) {
  ServerConfig config;
  config.transport.max_datagram_frame_size = 0;  // the server refuses datagrams
  auto p = connect_pair(config);
  Status st = send_datagram(*p.client, p.client_id, as_bytes("x"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::invalid_state);
  EXPECT_NE(st.error().message.find("does not accept"), std::string::npos) << st.error().message;
  EXPECT_EQ(p.client->on_loop([&] { return p.client->endpoint->find(p.client_id)->max_datagram_payload(); }),
            0u);
  // Signals are unaffected.
  ASSERT_TRUE(send_signal(*p.client, p.client_id, as_bytes("ok")).ok());
  EXPECT_TRUE(p.server->recorder.wait([&](auto& c) { return c.at(p.server_id).signals.size() == 1; }));
}

TEST(EndpointDatagram, BeforeHandshakeIsInvalidState) {
  auto server = make_server();
  auto client = make_client();
  auto address = server_address(*server);
  Status st = client->on_loop([&]() -> Status {
    auto id = client->endpoint->connect(address, with_sni("room"));
    if (!id) return std::move(id).error();
    return client->endpoint->find(*id)->send_datagram(as_bytes("too early"));
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::invalid_state);
}

// Datagrams queued faster than the queue bound: the oldest are dropped and
// counted, the newest survive.
TEST(EndpointDatagram, FullSendQueueDropsOldest) {
  ClientConfig config;
  config.transport.datagram_send_queue_bytes = 3000;
  auto p = connect_pair({}, config);
  constexpr size_t kCount = 20;
  p.client->on_loop([&] {
    Connection* c = p.client->endpoint->find(p.client_id);
    for (size_t i = 0; i < kCount; ++i)
      ASSERT_TRUE(c->send_datagram(Bytes(1000, static_cast<uint8_t>(i))).ok());
  });
  auto stats = p.client->on_loop([&] { return p.client->endpoint->find(p.client_id)->stats(); });
  EXPECT_EQ(stats.datagrams_dropped, kCount - 3);
  ASSERT_TRUE(p.server->recorder.wait([&](auto& c) { return c.at(p.server_id).datagrams.size() == 3; }));
  auto got = p.server->recorder.get(p.server_id).datagrams;
  EXPECT_EQ(got[0][0], kCount - 3);
  EXPECT_EQ(got[2][0], kCount - 1);
}

TEST(EndpointDatagram, DatagramsAndSignalsInterleave) {
  auto p = connect_pair();
  p.client->on_loop([&] {
    Connection* c = p.client->endpoint->find(p.client_id);
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(c->send_datagram(pattern(300, static_cast<uint8_t>(i))).ok());
      ASSERT_TRUE(c->send_signal(pattern(500, static_cast<uint8_t>(i))).ok());
    }
  });
  ASSERT_TRUE(p.server->recorder.wait([&](auto& c) {
    return c.at(p.server_id).datagrams.size() == 50 && c.at(p.server_id).signals.size() == 50;
  }));
  auto s = p.server->recorder.get(p.server_id);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(s.signals[i], pattern(500, static_cast<uint8_t>(i)));
}

}  // namespace
}  // namespace wzp::transport::testing

// Garbage input, many simultaneous clients, the connection cap.
#include <gtest/gtest.h>

#include <random>

#include "transport/udp_socket.hpp"
#include "transport_harness.hpp"

namespace wzp::transport::testing {
namespace {

TEST(EndpointRobustness, GarbageUdpIsCountedAndHarmless) {
  auto p = connect_pair();
  auto address = server_address(*p.server);
  auto before = p.server->on_loop([&] { return p.server->endpoint->stats(); });

  auto sender = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
  ASSERT_TRUE(sender.ok());
  std::mt19937 rng(1234);
  constexpr int kGarbage = 300;
  for (int i = 0; i < kGarbage; ++i) {
    Bytes junk(1 + rng() % 1400);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    if (i % 3 == 0) junk[0] |= 0x80;  // long header form
    if (i % 3 == 1) junk[0] &= 0x7f;  // short header form
    ASSERT_TRUE(sender->send_to(address, junk));
  }
  // A well-formed long header with an unknown version gets Version Negotiation.
  Bytes unknown_version(1200, 0);
  unknown_version[0] = 0xc0;
  store_be32(&unknown_version[1], 0x0a0a0a0a);
  unknown_version[5] = 8;  // DCID length, then 8 zero bytes, SCID length 0
  ASSERT_TRUE(sender->send_to(address, unknown_version));

  ASSERT_TRUE(poll_until([&] {
    auto s = p.server->on_loop([&] { return p.server->endpoint->stats(); });
    return s.packets_received - before.packets_received >= kGarbage + 1;
  }));
  auto after = p.server->on_loop([&] { return p.server->endpoint->stats(); });
  uint64_t dropped = (after.invalid_packets - before.invalid_packets) +
                     (after.unknown_connection_packets - before.unknown_connection_packets) +
                     (after.version_negotiations_sent - before.version_negotiations_sent);
  // Random long-header garbage can pass for a client Initial only if it
  // decodes and decrypts, which it does not: every datagram is dropped.
  EXPECT_EQ(dropped, static_cast<uint64_t>(kGarbage + 1));
  EXPECT_GE(after.version_negotiations_sent - before.version_negotiations_sent, 1u);
  EXPECT_EQ(after.connections_accepted, before.connections_accepted);

  // The established connection is untouched, and new ones still work.
  ASSERT_TRUE(send_signal(*p.client, p.client_id, as_bytes("alive")).ok());
  ASSERT_TRUE(p.server->recorder.wait([&](auto& c) { return c.at(p.server_id).signals.size() == 1; }));
  auto second = make_client();
  EXPECT_TRUE(wait_established(*second, connect(*second, address, with_sni("room"))));
}

// Garbage aimed at an existing connection's ID (valid header, bad payload)
// fails decryption and is dropped by the QUIC stack without closing it.
TEST(EndpointRobustness, CorruptedPacketsForALiveConnectionAreIgnored) {
  auto p = connect_pair();
  auto address = server_address(*p.server);
  auto sender = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
  ASSERT_TRUE(sender.ok());
  // Short header packets need the server's connection ID; take it from a
  // packet the client would send: not exposed, so flood random IDs instead
  // and check nothing breaks.
  std::mt19937 rng(99);
  for (int i = 0; i < 200; ++i) {
    Bytes junk(60);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    junk[0] = 0x40 | (junk[0] & 0x3f);
    ASSERT_TRUE(sender->send_to(address, junk));
  }
  ASSERT_TRUE(send_signal(*p.client, p.client_id, as_bytes("ok")).ok());
  ASSERT_TRUE(p.server->recorder.wait([&](auto& c) { return c.at(p.server_id).signals.size() == 1; }));
  EXPECT_FALSE(p.server->recorder.get(p.server_id).closed.has_value());
}

// 50 clients (two client endpoints) connect at once; each exchanges a signal
// with the server, which echoes it back.
TEST(EndpointRobustness, FiftyClientsAtOnce) {
  auto server = make_server();
  server->recorder.on_signal = [](Connection& c, ByteView payload) {
    EXPECT_TRUE(c.send_signal(payload).ok());
  };
  auto address = server_address(*server);
  auto client_a = make_client();
  auto client_b = make_client();
  constexpr int kPerClient = 25;
  std::vector<ConnectionId> ids_a;
  std::vector<ConnectionId> ids_b;
  auto start = [&](Side& side, std::vector<ConnectionId>& ids) {
    side.recorder.on_handshake_completed = [](Connection& c) {
      EXPECT_TRUE(c.send_signal(as_bytes("hello from " + std::to_string(c.id()))).ok());
    };
    side.on_loop([&] {
      for (int i = 0; i < kPerClient; ++i) {
        auto id = side.endpoint->connect(address, with_sni("room" + std::to_string(i % 5)));
        ASSERT_TRUE(id.ok());
        ids.push_back(*id);
      }
    });
  };
  start(*client_a, ids_a);
  start(*client_b, ids_b);
  auto all_echoed = [&](Side& side, const std::vector<ConnectionId>& ids) {
    return side.recorder.wait([&](auto& c) {
      for (ConnectionId id : ids) {
        if (!c.count(id) || c.at(id).signals.size() != 1) return false;
      }
      return true;
    });
  };
  ASSERT_TRUE(all_echoed(*client_a, ids_a));
  ASSERT_TRUE(all_echoed(*client_b, ids_b));
  for (ConnectionId id : ids_a) {
    EXPECT_EQ(as_chars(client_a->recorder.get(id).signals[0]), "hello from " + std::to_string(id));
  }
  EXPECT_EQ(server->on_loop([&] { return server->endpoint->connection_count(); }), 2u * kPerClient);
  EXPECT_EQ(server->on_loop([&] { return server->endpoint->stats().connections_accepted; }), 2u * kPerClient);

  // Close them all from the clients; the server sees every close.
  for (auto* side : {client_a.get(), client_b.get()}) {
    side->on_loop([&] {
      for (ConnectionId id : side->endpoint->connection_ids())
        side->endpoint->find(id)->close(0, "normal close");
    });
  }
  ASSERT_TRUE(server->recorder.wait([&](auto& c) {
    size_t closed = 0;
    for (auto& [id, s] : c) closed += s.closed ? 1 : 0;
    return closed == 2u * kPerClient;
  }));
  for (auto& [id, s] : server->recorder.all()) EXPECT_EQ(s.closed->kind, CloseKind::application);
}

TEST(EndpointRobustness, ConnectionCapIgnoresExtraInitials) {
  ServerConfig config;
  config.max_connections = 2;
  auto server = make_server(config);
  ClientConfig client_config;
  client_config.transport.handshake_timeout_ms = 500;
  auto client = make_client(client_config);
  auto address = server_address(*server);
  ConnectionId a = connect(*client, address, with_sni("a"));
  ConnectionId b = connect(*client, address, with_sni("b"));
  ASSERT_TRUE(wait_established(*client, a));
  ASSERT_TRUE(wait_established(*client, b));
  ConnectionId c = connect(*client, address, with_sni("c"));
  ASSERT_TRUE(wait_closed(*client, c));
  EXPECT_EQ(client->recorder.get(c).closed->kind, CloseKind::idle_timeout);
  EXPECT_GE(server->on_loop([&] { return server->endpoint->stats().connections_refused; }), 1u);
  EXPECT_EQ(server->on_loop([&] { return server->endpoint->connection_count(); }), 2u);
}

TEST(EndpointRobustness, ClientConnectsToBothFamilies) {
  ServerConfig v6;
  v6.bind_address = SocketAddress::ipv6_loopback(0);
  auto server4 = make_server();
  auto server6 = make_server(v6);
  auto client = make_client();
  ConnectionId a = connect(*client, server_address(*server4), with_sni("four"));
  ConnectionId b = connect(*client, server_address(*server6), with_sni("six"));
  EXPECT_TRUE(wait_established(*client, a));
  EXPECT_TRUE(wait_established(*client, b));
}

}  // namespace
}  // namespace wzp::transport::testing

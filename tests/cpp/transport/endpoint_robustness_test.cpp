// Garbage input, many simultaneous clients, the connection cap.
#include <gtest/gtest.h>

#include <random>

#include "transport/quic_connection.hpp"
#include "transport/udp_socket.hpp"
#include "transport_harness.hpp"
#include "udp_proxy.hpp"

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

// Corrupted copies of the live connection's own packets: they carry its real
// destination connection ID, so the endpoint hands them to that connection,
// where packet protection (header protection + AEAD) rejects them and the
// QUIC stack drops them. The connection stays up and keeps delivering.
std::vector<Bytes> corrupted_copies(ByteView packet, std::mt19937& rng) {
  constexpr size_t kHeader = 1 + kConnectionIdLength;                      // short header: flags, DCID
  if ((packet[0] & 0x80) != 0 || packet.size() <= kHeader + 1) return {};  // 1-RTT packets only
  auto copy = [&] { return Bytes(packet.begin(), packet.end()); };
  auto in_protected_part = [&](size_t size) { return kHeader + rng() % (size - kHeader); };
  std::vector<Bytes> out;
  Bytes flipped = copy();  // one bit of the packet number, payload or tag
  flipped[in_protected_part(flipped.size())] ^= static_cast<uint8_t>(1u << (rng() % 8));
  out.push_back(std::move(flipped));
  Bytes truncated = copy();  // cut anywhere after the connection ID
  truncated.resize(kHeader + 1 + rng() % (packet.size() - kHeader - 1));
  out.push_back(std::move(truncated));
  Bytes flags = copy();  // a header-protected flag bit (key phase, packet number length)
  flags[0] ^= static_cast<uint8_t>(1u << (rng() % 5));
  out.push_back(std::move(flags));
  Bytes scrambled = copy();  // same header, random protected bytes
  for (size_t i = kHeader; i < scrambled.size(); ++i) scrambled[i] = static_cast<uint8_t>(rng());
  out.push_back(std::move(scrambled));
  return out;
}

TEST(EndpointRobustness, CorruptedPacketsForALiveConnectionAreIgnored) {
  auto server = make_server();
  auto before = server->on_loop([&] { return server->endpoint->stats(); });
  UdpProxy proxy(server_address(*server));
  auto client = make_client();
  ConnectionId client_id = connect(*client, proxy.address(), with_sni("room"));
  ASSERT_TRUE(wait_established(*client, client_id));
  ASSERT_TRUE(server->recorder.wait([](auto& c) { return c.size() == 1 && c.begin()->second.established; }));
  ConnectionId server_id = established_ids(*server).at(0);

  // The injector (and its generator) lives in the proxy, which outlives any early return.
  proxy.set_injector([rng = std::mt19937(99)](UdpProxy::Direction, ByteView packet) mutable {
    return corrupted_copies(packet, rng);
  });
  // Traffic both ways while every 1-RTT packet is preceded by corrupted copies of itself.
  constexpr size_t kRounds = 30;
  for (size_t round = 1; round <= kRounds; ++round) {
    std::string tag = std::to_string(round);
    ASSERT_TRUE(send_signal(*client, client_id, as_bytes("up " + tag)).ok());
    ASSERT_TRUE(send_signal(*server, server_id, as_bytes("down " + tag)).ok());
    ASSERT_TRUE(send_datagram(*client, client_id, as_bytes("dgram up " + tag)).ok());
    ASSERT_TRUE(send_datagram(*server, server_id, as_bytes("dgram down " + tag)).ok());
    ASSERT_TRUE(server->recorder.wait([&](auto& c) { return c.at(server_id).signals.size() == round; }));
    ASSERT_TRUE(client->recorder.wait([&](auto& c) { return c.at(client_id).signals.size() == round; }));
  }
  proxy.set_injector(nullptr);
  ASSERT_TRUE(server->recorder.wait([&](auto& c) { return c.at(server_id).datagrams.size() == kRounds; }));
  ASSERT_TRUE(client->recorder.wait([&](auto& c) { return c.at(client_id).datagrams.size() == kRounds; }));
  auto to_server = proxy.counts(UdpProxy::Direction::to_server);
  auto to_client = proxy.counts(UdpProxy::Direction::to_client);
  EXPECT_GE(to_server.injected, 4 * kRounds);
  EXPECT_GE(to_client.injected, 4 * kRounds);

  // Everything arrived, in order, and nothing was closed.
  auto server_side = server->recorder.get(server_id);
  auto client_side = client->recorder.get(client_id);
  for (size_t i = 0; i < kRounds; ++i) {
    EXPECT_EQ(as_chars(server_side.signals[i]), "up " + std::to_string(i + 1));
    EXPECT_EQ(as_chars(client_side.signals[i]), "down " + std::to_string(i + 1));
  }
  EXPECT_FALSE(server_side.closed.has_value());
  EXPECT_FALSE(client_side.closed.has_value());
  EXPECT_TRUE(server_side.signal_errors.empty());
  EXPECT_EQ(server->on_loop([&] { return server->endpoint->connection_count(); }), 1u);

  // Every corrupted datagram was routed by its connection ID to the live
  // connection and counted there, not as garbage by the endpoint.
  auto received_by = [](Side& side, ConnectionId id) {
    return side.on_loop([&]() -> uint64_t {
      Connection* c = side.endpoint->find(id);
      return c == nullptr ? 0 : c->stats().packets_received;
    });
  };
  auto total = [](const UdpProxy::Counts& c) { return c.forwarded + c.injected; };
  EXPECT_TRUE(poll_until([&] {
    return received_by(*server, server_id) == total(proxy.counts(UdpProxy::Direction::to_server)) &&
           received_by(*client, client_id) == total(proxy.counts(UdpProxy::Direction::to_client));
  })) << received_by(*server, server_id)
      << " of " << total(proxy.counts(UdpProxy::Direction::to_server));
  auto after = server->on_loop([&] { return server->endpoint->stats(); });
  EXPECT_EQ(after.invalid_packets, before.invalid_packets);
  EXPECT_EQ(after.unknown_connection_packets, before.unknown_connection_packets);
  auto client_stats = client->on_loop([&] { return client->endpoint->stats(); });
  EXPECT_EQ(client_stats.invalid_packets + client_stats.unknown_connection_packets, 0u);

  // And it still works afterwards.
  ASSERT_TRUE(send_signal(*client, client_id, as_bytes("after")).ok());
  ASSERT_TRUE(server->recorder.wait([&](auto& c) { return c.at(server_id).signals.size() == kRounds + 1; }));
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

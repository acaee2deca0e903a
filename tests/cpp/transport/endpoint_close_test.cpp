// Closing: application codes and reasons, idle timeout, refusal during the
// handshake, endpoint shutdown with clients attached.
#include <gtest/gtest.h>

#include "transport/close_info.hpp"
#include "transport/udp_socket.hpp"
#include "transport_harness.hpp"

namespace wzp::transport::testing {
namespace {

TEST(EndpointClose, ApplicationCodeAndReasonSeenByPeer) {
  auto p = connect_pair();
  p.client->on_loop([&] { p.client->endpoint->find(p.client_id)->close(42, "normal close"); });
  ASSERT_TRUE(wait_closed(*p.server, p.server_id));
  ASSERT_TRUE(wait_closed(*p.client, p.client_id));
  auto peer = *p.server->recorder.get(p.server_id).closed;
  EXPECT_EQ(peer.kind, CloseKind::application) << describe(peer);
  EXPECT_EQ(peer.code, 42u);
  EXPECT_EQ(peer.reason, "normal close");
  auto local = *p.client->recorder.get(p.client_id).closed;
  EXPECT_EQ(local.kind, CloseKind::local);
  EXPECT_FALSE(local.transport_code);
  EXPECT_EQ(local.code, 42u);
  EXPECT_EQ(local.reason, "normal close");
  // Gone from the application's view on both sides, exactly one on_closed each.
  EXPECT_EQ(p.client->on_loop([&] { return p.client->endpoint->find(p.client_id); }), nullptr);
  EXPECT_EQ(p.server->on_loop([&] { return p.server->endpoint->find(p.server_id); }), nullptr);
  EXPECT_EQ(p.server->on_loop([&] { return p.server->endpoint->connection_count(); }), 0u);
  EXPECT_EQ(p.client->recorder.get(p.client_id).closed_count, 1u);
  EXPECT_EQ(p.server->recorder.get(p.server_id).closed_count, 1u);
  // The QUIC state itself is freed after the closing/draining period.
  for (Side* side : {p.client.get(), p.server.get()}) {
    EXPECT_TRUE(poll_until(
        [&] { return side->on_loop([&] { return side->endpoint->stats().connections_in_memory; }) == 0; }));
  }
}

TEST(EndpointClose, ServerClosesClient) {
  auto p = connect_pair();
  p.server->on_loop([&] { p.server->endpoint->find(p.server_id)->close(0, "room full"); });
  ASSERT_TRUE(wait_closed(*p.client, p.client_id));
  auto info = *p.client->recorder.get(p.client_id).closed;
  EXPECT_EQ(info.kind, CloseKind::application);
  EXPECT_EQ(info.code, 0u);
  EXPECT_EQ(info.reason, "room full");
}

TEST(EndpointClose, SignalSentJustBeforeCloseArrivesFirst) {
  auto p = connect_pair();
  p.client->on_loop([&] {
    Connection* c = p.client->endpoint->find(p.client_id);
    ASSERT_TRUE(c->send_signal(as_bytes("{\"Hangup\":{\"reason\":\"Normal\"}}")).ok());
    c->close(0, "normal close");
  });
  ASSERT_TRUE(wait_closed(*p.server, p.server_id));
  auto s = p.server->recorder.get(p.server_id);
  ASSERT_EQ(s.signals.size(), 1u);
  EXPECT_EQ(s.closed->kind, CloseKind::application);
}

TEST(EndpointClose, IdleTimeoutFreesBothSides) {
  ServerConfig server_config;
  server_config.transport.idle_timeout_ms = 300;
  server_config.transport.keep_alive_ms = 0;
  ClientConfig client_config;
  client_config.transport.idle_timeout_ms = 300;
  client_config.transport.keep_alive_ms = 0;
  auto p = connect_pair(server_config, client_config);
  ASSERT_TRUE(wait_closed(*p.client, p.client_id));
  ASSERT_TRUE(wait_closed(*p.server, p.server_id));
  EXPECT_EQ(p.client->recorder.get(p.client_id).closed->kind, CloseKind::idle_timeout);
  EXPECT_EQ(p.server->recorder.get(p.server_id).closed->kind, CloseKind::idle_timeout);
  EXPECT_EQ(p.client->on_loop([&] { return p.client->endpoint->connection_count(); }), 0u);
  EXPECT_EQ(p.server->on_loop([&] { return p.server->endpoint->connection_count(); }), 0u);
  EXPECT_EQ(p.client->on_loop([&] { return p.client->endpoint->find(p.client_id); }), nullptr);
}

// Keep-alives well inside the idle timeout keep a silent connection open.
TEST(EndpointClose, KeepAliveKeepsSilentConnectionOpen) {
  ServerConfig server_config;
  server_config.transport.idle_timeout_ms = 1500;
  server_config.transport.keep_alive_ms = 50;
  ClientConfig client_config = {};
  client_config.transport = server_config.transport;
  auto p = connect_pair(server_config, client_config);
  EXPECT_FALSE(
      p.client->recorder.wait([&](auto& c) { return c.at(p.client_id).closed.has_value(); }, 3000ms));
  ASSERT_TRUE(send_signal(*p.client, p.client_id, as_bytes("still here")).ok());
  EXPECT_TRUE(p.server->recorder.wait([&](auto& c) { return c.at(p.server_id).signals.size() == 1; }));
}

TEST(EndpointClose, RefusedInOnNewConnection) {
  ServerConfig config;
  auto server = make_server(config);
  server->recorder.on_new_connection = [](Connection& c) { c.close(99, "server full"); };
  auto client = make_client();
  ConnectionId cid = connect(*client, server_address(*server), with_sni("room"));
  ASSERT_TRUE(wait_closed(*client, cid));
  auto info = *client->recorder.get(cid).closed;
  EXPECT_FALSE(client->recorder.get(cid).established);
  // Before the handshake an application close travels as the transport
  // error APPLICATION_ERROR (RFC 9000 §10.2.3).
  EXPECT_EQ(info.kind, CloseKind::transport) << describe(info);
  EXPECT_EQ(info.code, 0x0cu) << describe(info);
  auto all = server->recorder.all();
  ASSERT_EQ(all.size(), 1u);
  auto& s = all.begin()->second;
  EXPECT_TRUE(s.announced);
  EXPECT_FALSE(s.established);
  ASSERT_TRUE(s.closed.has_value());
  EXPECT_EQ(s.closed->kind, CloseKind::local);
  EXPECT_EQ(s.closed->code, 99u);
}

TEST(EndpointClose, ServerShutdownWithClientsAttached) {
  auto server = make_server();
  auto client = make_client();
  auto address = server_address(*server);
  std::vector<ConnectionId> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(connect(*client, address, with_sni("room" + std::to_string(i))));
  for (ConnectionId id : ids) ASSERT_TRUE(wait_established(*client, id));
  ASSERT_TRUE(server->recorder.wait([](auto& c) {
    size_t n = 0;
    for (auto& [id, s] : c) n += s.established ? 1 : 0;
    return n == 3;
  }));

  server->on_loop([&] { server->endpoint->shutdown(7, "maintenance"); });
  for (ConnectionId id : ids) {
    ASSERT_TRUE(wait_closed(*client, id));
    auto info = *client->recorder.get(id).closed;
    EXPECT_EQ(info.kind, CloseKind::application) << describe(info);
    EXPECT_EQ(info.code, 7u);
    EXPECT_EQ(info.reason, "maintenance");
  }
  for (auto& [id, s] : server->recorder.all()) {
    ASSERT_TRUE(s.closed.has_value());
    EXPECT_EQ(s.closed->kind, CloseKind::local);
    EXPECT_EQ(s.closed_count, 1u);
  }
  EXPECT_EQ(server->on_loop([&] { return server->endpoint->connection_count(); }), 0u);
  EXPECT_EQ(server->on_loop([&] { return server->endpoint->stats().connections_closed; }), 3u);
  // A shut-down endpoint opens nothing.
  auto again = server->on_loop([&] { return server->endpoint->connect(SocketAddress::ipv4_loopback(9)); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::closed);
}

TEST(EndpointClose, ShutdownFromInsideACallback) {
  auto p = connect_pair();
  p.server->recorder.on_signal = [&](Connection&, ByteView) { p.server->endpoint->shutdown(5, "bye"); };
  ASSERT_TRUE(send_signal(*p.client, p.client_id, as_bytes("trigger")).ok());
  ASSERT_TRUE(wait_closed(*p.client, p.client_id));
  EXPECT_EQ(p.client->recorder.get(p.client_id).closed->code, 5u);
  ASSERT_TRUE(wait_closed(*p.server, p.server_id));
}

TEST(EndpointClose, HandshakeTimeoutWhenNobodyAnswers) {
  // A bound socket that never answers.
  auto silent = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
  ASSERT_TRUE(silent.ok());
  ClientConfig config;
  config.transport.handshake_timeout_ms = 300;
  auto client = make_client(config);
  ConnectionId cid = connect(*client, silent->local_address(), with_sni("room"));
  ASSERT_TRUE(wait_closed(*client, cid));
  auto info = *client->recorder.get(cid).closed;
  EXPECT_EQ(info.kind, CloseKind::idle_timeout) << describe(info);
  EXPECT_EQ(client->on_loop([&] { return client->endpoint->connection_count(); }), 0u);
}

}  // namespace
}  // namespace wzp::transport::testing

// Signal messages over bidirectional streams (wire spec §3.2), end to end.
#include <gtest/gtest.h>

#include "transport_harness.hpp"

namespace wzp::transport::testing {
namespace {

size_t signal_count(Side& side, ConnectionId id) { return side.recorder.get(id).signals.size(); }

TEST(EndpointSignal, BothWays) {
  auto p = connect_pair();
  ASSERT_TRUE(send_signal(*p.client, p.client_id, as_bytes("{\"Ping\":{\"timestamp_ms\":1}}")).ok());
  ASSERT_TRUE(p.server->recorder.wait([&](auto& c) { return c.at(p.server_id).signals.size() == 1; }));
  EXPECT_EQ(as_chars(p.server->recorder.get(p.server_id).signals[0]), "{\"Ping\":{\"timestamp_ms\":1}}");

  ASSERT_TRUE(send_signal(*p.server, p.server_id, as_bytes("{\"Pong\":{\"timestamp_ms\":1}}")).ok());
  ASSERT_TRUE(p.client->recorder.wait([&](auto& c) { return c.at(p.client_id).signals.size() == 1; }));
  EXPECT_EQ(as_chars(p.client->recorder.get(p.client_id).signals[0]), "{\"Pong\":{\"timestamp_ms\":1}}");

  auto client_stats = p.client->on_loop([&] { return p.client->endpoint->find(p.client_id)->stats(); });
  EXPECT_EQ(client_stats.signals_sent, 1u);
  EXPECT_EQ(client_stats.signals_received, 1u);
  EXPECT_GT(client_stats.smoothed_rtt_ns, 0u);
  EXPECT_GT(client_stats.min_rtt_ns, 0u);
  EXPECT_GT(client_stats.bytes_sent, 0u);
  EXPECT_GT(client_stats.packets_received, 0u);
}

// More messages than the initial stream credit (100), queued in one go: the
// receiver re-issues credit and delivers them in sending order.
TEST(EndpointSignal, ManyMessagesInOrderBeyondStreamCredit) {
  auto p = connect_pair();
  constexpr size_t kCount = 350;
  p.client->on_loop([&] {
    Connection* c = p.client->endpoint->find(p.client_id);
    for (size_t i = 0; i < kCount; ++i) {
      Bytes payload = pattern(1 + (i * 37) % 3000, static_cast<uint8_t>(i));
      ASSERT_TRUE(c->send_signal(payload).ok()) << i;
    }
  });
  ASSERT_TRUE(p.server->recorder.wait([&](auto& c) { return c.at(p.server_id).signals.size() == kCount; }));
  auto received = p.server->recorder.get(p.server_id).signals;
  for (size_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(received[i], pattern(1 + (i * 37) % 3000, static_cast<uint8_t>(i))) << "message " << i;
  }
  EXPECT_TRUE(p.server->recorder.get(p.server_id).signal_errors.empty());

  // And the other direction, server-initiated streams.
  p.server->on_loop([&] {
    Connection* c = p.server->endpoint->find(p.server_id);
    for (size_t i = 0; i < 150; ++i) ASSERT_TRUE(c->send_signal(pattern(10, static_cast<uint8_t>(i))).ok());
  });
  ASSERT_TRUE(p.client->recorder.wait([&](auto& c) { return c.at(p.client_id).signals.size() == 150; }));
  auto back = p.client->recorder.get(p.client_id).signals;
  for (size_t i = 0; i < 150; ++i) ASSERT_EQ(back[i], pattern(10, static_cast<uint8_t>(i)));
}

TEST(EndpointSignal, OneMebibyteMessageDelivered) {
  auto p = connect_pair();
  Bytes big = pattern(1024 * 1024, 7);
  ASSERT_TRUE(send_signal(*p.client, p.client_id, big).ok());
  ASSERT_TRUE(send_signal(*p.client, p.client_id, as_bytes("after")).ok());
  ASSERT_TRUE(p.server->recorder.wait([&](auto& c) { return c.at(p.server_id).signals.size() == 2; }));
  auto received = p.server->recorder.get(p.server_id).signals;
  EXPECT_EQ(received[0], big);
  EXPECT_EQ(as_chars(received[1]), "after");
}

TEST(EndpointSignal, EmptyPayloadIsAMessage) {
  auto p = connect_pair();
  ASSERT_TRUE(send_signal(*p.client, p.client_id, {}).ok());
  ASSERT_TRUE(p.server->recorder.wait([&](auto& c) { return c.at(p.server_id).signals.size() == 1; }));
  EXPECT_TRUE(p.server->recorder.get(p.server_id).signals[0].empty());
}

TEST(EndpointSignal, SendLargerThanLimitRefusedLocally) {
  auto p = connect_pair();
  Bytes too_big(1024 * 1024 + 1);
  Status st = send_signal(*p.client, p.client_id, too_big);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::too_large);
}

TEST(EndpointSignal, SignalQueuedBeforeHandshakeIsDelivered) {
  auto server = make_server();
  auto client = make_client();
  auto address = server_address(*server);
  ConnectionId cid = client->on_loop([&] {
    auto id = client->endpoint->connect(address, with_sni("room"));
    EXPECT_TRUE(id.ok());
    EXPECT_TRUE(client->endpoint->find(*id)->send_signal(as_bytes("early")).ok());
    return *id;
  });
  ASSERT_TRUE(server->recorder.wait([&](auto& c) {
    for (auto& [id, s] : c) {
      if (s.signals.size() == 1) return true;
    }
    return false;
  }));
  auto all = server->recorder.all();
  EXPECT_EQ(as_chars(all.begin()->second.signals[0]), "early");
  EXPECT_TRUE(client->recorder.get(cid).established);
}

// A declared length of 1 MiB + 1 fails that stream at once (nothing is
// buffered); the application closes with a reason; later streams still work
// until then.
TEST(EndpointSignal, OversizedDeclaredLengthRejected) {
  auto p = connect_pair();
  p.server->recorder.on_signal_error = [](Connection& c, const Error& e) {
    if (e.code == Errc::too_large) c.close(3, "signal too large");
  };
  Bytes raw(4 + 100, 0x41);
  store_be32(raw.data(), 1024 * 1024 + 1);
  ASSERT_TRUE(
      p.client->on_loop([&] { return p.client->endpoint->find(p.client_id)->send_raw_stream(raw); }).ok());
  ASSERT_TRUE(wait_closed(*p.client, p.client_id));
  auto errors = p.server->recorder.get(p.server_id).signal_errors;
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, Errc::too_large);
  EXPECT_NE(errors[0].message.find("1048577"), std::string::npos) << errors[0].message;
  auto info = *p.client->recorder.get(p.client_id).closed;
  EXPECT_EQ(info.kind, CloseKind::application);
  EXPECT_EQ(info.code, 3u);
  EXPECT_EQ(info.reason, "signal too large");
}

TEST(EndpointSignal, TruncatedAndEmptyStreamsReportedAndSkipped) {
  auto p = connect_pair();
  const uint8_t truncated[] = {0, 0, 0, 10, 'a', 'b'};
  p.client->on_loop([&] {
    Connection* c = p.client->endpoint->find(p.client_id);
    ASSERT_TRUE(c->send_raw_stream(truncated).ok());
    ASSERT_TRUE(c->send_raw_stream({}).ok());
    ASSERT_TRUE(c->send_signal(as_bytes("still works")).ok());
  });
  ASSERT_TRUE(p.server->recorder.wait([&](auto& c) {
    return c.at(p.server_id).signals.size() == 1 && c.at(p.server_id).signal_errors.size() == 2;
  }));
  auto s = p.server->recorder.get(p.server_id);
  EXPECT_EQ(as_chars(s.signals[0]), "still works");
  for (const auto& e : s.signal_errors) EXPECT_EQ(e.code, Errc::malformed) << e.message;
  auto stats = p.server->on_loop([&] { return p.server->endpoint->find(p.server_id)->stats(); });
  EXPECT_EQ(stats.signal_errors, 2u);
  EXPECT_EQ(stats.signals_received, 1u);
  EXPECT_EQ(signal_count(*p.server, p.server_id), 1u);
}

TEST(EndpointSignal, SendAfterCloseFails) {
  auto p = connect_pair();
  Status st = p.client->on_loop([&] {
    Connection* c = p.client->endpoint->find(p.client_id);
    c->close(0, "done");
    EXPECT_FALSE(c->is_open());
    return c->send_signal(as_bytes("late"));
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::closed);
}

}  // namespace
}  // namespace wzp::transport::testing

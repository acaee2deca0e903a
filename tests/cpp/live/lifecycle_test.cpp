// How sessions end: hangup, a client that goes silent, the relay stopping.
// Each end is reported with who closed, a code and a reason.
#include <gtest/gtest.h>

#include "live_harness.hpp"

namespace wzp::live_testing {
namespace {

using wire::CloseCode;

TEST(LiveLifecycle, HangupLeavesWithNormalClose) {
  auto room = RoomSetup::start("room-h", 2);
  ASSERT_TRUE(room.ok());
  auto& relay = room.relay;
  TestClient& c1 = room[0];
  TestClient& c2 = room[1];
  auto joined = relay->wait_event(relay::RelayEventType::joined);
  ASSERT_TRUE(joined);

  c1.client->hangup(wire::HangupReason::normal);
  auto left = relay->wait_event(relay::RelayEventType::left, joined->connection);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->room, "room-h");
  EXPECT_EQ(left->fingerprint, c1.display_fingerprint);
  EXPECT_EQ(left->close.code, 0u);
  EXPECT_FALSE(left->close.transport_code);
  EXPECT_EQ(left->close.kind, transport::CloseKind::application);  // the client ended it
  // Hangup{Normal} is sent just before the close; whichever the relay reads first ends it.
  EXPECT_TRUE(left->close.reason == "hangup (Normal)" || left->close.reason == "normal close")
      << left->close.reason;
  auto closed = c1.wait_closed();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->kind, transport::CloseKind::local);
  EXPECT_EQ(closed->code, 0u);
  EXPECT_EQ(closed->reason, "normal close");
  EXPECT_FALSE(c1.send(media_packet(1, 1)).ok());

  c1.client->hangup(wire::HangupReason::normal);  // idempotent
  EXPECT_EQ(relay->count(relay::RelayEventType::left), 1u);
  EXPECT_EQ(relay->counters().participants.load(), 1u);
  auto rooms = relay->server->rooms();
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].participants.size(), 1u);
  EXPECT_EQ(c2.client->state(), client::ClientState::joined);
}

// Scenario ROOM-14: signals after the join are no reason to end the session.
// The verdict waits until the relay has read them (its signal counter moved).
TEST(LiveLifecycle, SignalsAfterJoiningAreHarmless) {
  auto room = RoomSetup::start("room-s", 2);
  ASSERT_TRUE(room.ok());
  auto& relay = room.relay;
  TestClient& c1 = room[0];
  TestClient& c2 = room[1];
  const uint64_t read_before = relay->counters().signals_received.load();
  ASSERT_TRUE(c1.client->send_signal(wire::Ping{5}).ok());
  ASSERT_TRUE(c1.client->send_signal(wire::Hold{}).ok());
  ASSERT_TRUE(c1.client->send_signal(wire::Unhold{}).ok());
  // Read all three, or ended the session trying.
  ASSERT_TRUE(eventually([&] {
    return relay->counters().signals_received.load() == read_before + 3 ||
           c1.client->state() == client::ClientState::closed;
  }));
  EXPECT_EQ(relay->counters().signals_received.load(), read_before + 3);

  EXPECT_EQ(relay->count(relay::RelayEventType::left), 0u);
  EXPECT_EQ(relay->counters().participants.load(), 2u);
  EXPECT_EQ(relay->counters().rejected_malformed.load(), 0u);
  EXPECT_EQ(c1.client->state(), client::ClientState::joined);
  EXPECT_EQ(
      c1.events.count([](const client::ClientEvent& e) { return e.type == client::ClientEventType::closed; }),
      0u);
  // The session still carries media both ways.
  Bytes to_c1 = media_packet(2, 1);
  Bytes to_c2 = media_packet(1, 1);
  ASSERT_TRUE(c2.send(to_c1).ok());
  ASSERT_TRUE(c1.send(to_c2).ok());
  expect_media(c1, {as_forwarded(to_c1)});
  expect_media(c2, {as_forwarded(to_c2)});
}

TEST(LiveLifecycle, SilentClientTimesOutAndTheRoomEmpties) {
  auto config = relay_config();
  config.transport.idle_timeout_ms = 400;
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  auto client_settings = client_config(*relay, "room-idle");
  client_settings.transport.keep_alive_ms = 0;  // the client sends nothing once joined
  auto c = TestClient::join(std::move(client_settings));
  ASSERT_TRUE(c);
  EXPECT_EQ(relay->counters().sessions_active.load(), 1u);

  auto left = relay->wait_event(relay::RelayEventType::left);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->close.kind, transport::CloseKind::idle_timeout) << transport::describe(left->close);
  EXPECT_EQ(left->room, "room-idle");
  EXPECT_TRUE(relay->server->rooms().empty());
  EXPECT_EQ(relay->counters().sessions_active.load(), 0u);
  EXPECT_EQ(relay->counters().participants.load(), 0u);
  EXPECT_EQ(relay->counters().rooms.load(), 0u);
}

// A client that keeps its connection alive is not timed out by the same relay.
TEST(LiveLifecycle, KeepAliveHoldsAnIdleSessionOpen) {
  auto config = relay_config();
  config.transport.idle_timeout_ms = 400;
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  auto keeper_settings = client_config(*relay, "room-idle");
  keeper_settings.transport.keep_alive_ms = 50;
  auto keeper = TestClient::join(std::move(keeper_settings));
  auto silent_settings = client_config(*relay, "room-idle");
  silent_settings.transport.keep_alive_ms = 0;
  auto silent = TestClient::join(std::move(silent_settings));
  ASSERT_TRUE(keeper && silent);
  // Both joined at about the same time; once the silent one is gone, the keeper
  // has outlived the idle timeout.
  auto left = relay->wait_event(relay::RelayEventType::left);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->close.kind, transport::CloseKind::idle_timeout);
  EXPECT_EQ(left->fingerprint, silent->display_fingerprint);
  EXPECT_EQ(keeper->client->state(), client::ClientState::joined);
  Bytes packet = media_packet(3, 3);
  ASSERT_TRUE(keeper->send(packet).ok());
  EXPECT_EQ(relay->counters().participants.load(), 1u);
}

TEST(LiveLifecycle, RelayStopClosesEveryClientWithShutdown) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto c1 = TestClient::join(client_config(*relay, "room-a"));
  auto c2 = TestClient::join(client_config(*relay, "room-b"));
  ASSERT_TRUE(c1 && c2);
  relay->server->stop();
  for (auto* c : {c1.get(), c2.get()}) {
    auto closed = c->wait_closed();
    expect_application_close(closed, CloseCode::shutdown, "relay is shutting down");
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->reason, "relay is shutting down");
  }
  EXPECT_EQ(relay->count(relay::RelayEventType::left), 2u);
  for (const auto& e : relay->events.snapshot()) {
    if (e.type != relay::RelayEventType::left) continue;
    EXPECT_EQ(e.close.kind, transport::CloseKind::local);
    EXPECT_EQ(e.close.code, wire::code_value(CloseCode::shutdown));
  }
  EXPECT_EQ(relay->counters().sessions_active.load(), 0u);
  relay->server->stop();  // idempotent
}

}  // namespace
}  // namespace wzp::live_testing

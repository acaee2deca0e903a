// After joining only small signals are expected: the relay bounds what a
// joined participant's unfinished signal streams can pin, and resets streams
// that stay unfinished past their deadline, without ending the session.
#include <gtest/gtest.h>

#include "handshake/signal_handshake.hpp"
#include "live_harness.hpp"

namespace wzp::live_testing {
namespace {

// A bare connection that completed the call handshake (joined `relay`).
std::unique_ptr<RawEndpoint> raw_joined(TestRelay& relay, uint8_t identity_fill) {
  auto raw = raw_connection(relay, "signals");
  if (!raw) return nullptr;
  handshake::Caller caller(identity_from(identity_fill));
  EXPECT_TRUE(raw->send_signal(caller.offer()).ok());
  EXPECT_TRUE(raw->wait_signals(1));  // the CallAnswer: joined
  return raw;
}

// BE32(declared) followed by `sent` bytes of body, stream left open.
Bytes unfinished_signal(uint32_t declared, size_t sent) {
  Bytes bytes(4 + sent, '{');
  store_be32(bytes.data(), declared);
  return bytes;
}

uint64_t relay_signal_bytes(TestRelay& relay) {
  uint64_t total = 0;
  for (const auto& room : relay.server->rooms()) {
    for (const auto& p : room.participants) total += p.signal_bytes_buffered;
  }
  return total;
}

TEST(LiveJoinedSignals, UnfinishedStreamsAreBoundedAndTimedOut) {
  auto config = relay_config();
  config.joined_signal_limits.stream_timeout_ms = 1500;
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  const auto& limits = config.joined_signal_limits;

  constexpr size_t kClients = 20, kStreams = 12;
  std::vector<std::unique_ptr<RawEndpoint>> clients;
  for (size_t i = 0; i < kClients; ++i) {
    clients.push_back(raw_joined(*relay, static_cast<uint8_t>(10 + i)));
    ASSERT_TRUE(clients.back());
  }
  ASSERT_TRUE(eventually([&] { return relay->counters().participants.load() == kClients; }));

  // Each client opens streams that declare up to the joined message cap and
  // stop short: 12 KiB of body each, together far over the buffer cap; and
  // one declaring a little over the message cap. None of them ever ends.
  constexpr size_t kBody = 12 * 1024;
  for (auto& c : clients) {
    for (size_t s = 0; s < kStreams; ++s) {
      auto declared = static_cast<uint32_t>(limits.max_message - s);
      ASSERT_TRUE(c->send_raw_stream_open(unfinished_signal(declared, kBody)).ok());
    }
    auto over = static_cast<uint32_t>(limits.max_message + 1);
    ASSERT_TRUE(c->send_raw_stream_open(unfinished_signal(over, 10)).ok());
  }
  // Whatever does not fit fails at once (at most max_buffered / kBody streams
  // per client can hold their body); the relay holds at most the bound.
  const size_t fit = limits.max_buffered / kBody;
  ASSERT_TRUE(eventually([&] {
    return relay->counters().rejected_malformed.load() >= kClients * (kStreams - fit + 1);
  })) << relay->counters().rejected_malformed.load();
  uint64_t held = relay_signal_bytes(*relay);
  EXPECT_LE(held, kClients * limits.max_buffered);
  EXPECT_GT(held, 0u);

  // The streams still open are reset at their deadline: every stream is
  // accounted for, nothing is held, and every session goes on.
  ASSERT_TRUE(eventually([&] {
    return relay->counters().rejected_malformed.load() + relay->counters().signal_streams_timed_out.load() ==
           kClients * (kStreams + 1);
  })) << relay->counters().signal_streams_timed_out.load();
  EXPECT_GE(relay->counters().signal_streams_timed_out.load(), kClients);
  EXPECT_EQ(relay_signal_bytes(*relay), 0u);
  EXPECT_EQ(relay->counters().participants.load(), kClients);
  EXPECT_EQ(relay->count(relay::RelayEventType::left), 0u);
  for (auto& c : clients) EXPECT_FALSE(c->state().closed.has_value());

  // A small signal after all that is still read (a Hangup: the relay lets the client leave).
  ASSERT_TRUE(clients[0]->send_signal(wire::Hangup{wire::HangupReason::normal}).ok());
  auto left = relay->wait_event(relay::RelayEventType::left);
  ASSERT_TRUE(left);
  EXPECT_NE(left->close.reason.find("hangup"), std::string::npos) << left->close.reason;
}

}  // namespace
}  // namespace wzp::live_testing

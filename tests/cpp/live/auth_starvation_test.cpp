// Token checks cannot be starved: 40 connections send a token the auth
// server is slow to answer and then leave. Their checks run concurrently, are
// cancelled when the connections go, and a valid client is admitted at once.
#include <gtest/gtest.h>

#include "live_harness.hpp"

namespace wzp::live_testing {
namespace {

TEST(LiveAuthStarvation, ChecksOfClientsThatLeftAreCancelledAndAValidClientGetsIn) {
  AuthStandIn auth(64);  // a slow server with room for every request at once
  auto config = relay_config();
  config.auth_url = auth.url();
  config.auth_timeout_ms = 5000;
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  auth.set("tok-slow", AuthStandIn::hangs());

  // 40 connections from 10 addresses (4 each, the per-address bound).
  constexpr size_t kAddresses = 10, kPerAddress = 4, kSlow = kAddresses * kPerAddress;
  std::vector<std::unique_ptr<RawEndpoint>> slow;
  for (size_t a = 0; a < kAddresses; ++a) {
    auto from = transport::SocketAddress::from_ip("127.0.0." + std::to_string(2 + a), 0);
    ASSERT_TRUE(from.ok());
    for (size_t i = 0; i < kPerAddress; ++i) {
      auto raw = RawEndpoint::connect(relay->port(), "slow", {}, "127.0.0.1", *from);
      ASSERT_TRUE(raw && raw->wait_established());
      ASSERT_TRUE(raw->send_signal(wire::AuthToken{"tok-slow"}).ok());
      slow.push_back(std::move(raw));
    }
  }
  // Every check is under way at once (four workers used to take them in turn).
  ASSERT_TRUE(eventually([&] { return auth.requests().size() == kSlow; })) << auth.requests().size();

  for (auto& raw : slow) raw->close(0, "leaving");
  ASSERT_TRUE(eventually([&] { return relay->counters().sessions_active.load() == 0; }));
  EXPECT_EQ(relay->counters().auth_cancelled.load(), kSlow);

  // A valid client is admitted within the auth timeout (a hang guard, not a timing).
  auto identity = identity_from(7);
  auth.set("tok-ok", AuthStandIn::valid(identity.fingerprint().to_display()));
  auto client_config_ok = client_config(*relay, "room-ok", std::string("tok-ok"));
  client_config_ok.identity = identity;
  auto ok = TestClient::connect(client_config_ok);
  ASSERT_TRUE(ok);
  Status joined = ok->client->wait_joined(static_cast<int>(config.auth_timeout_ms));
  EXPECT_TRUE(joined.ok()) << (joined.ok() ? "" : joined.error().message);
  EXPECT_EQ(relay->counters().auth_ok.load(), 1u);
  EXPECT_EQ(relay->counters().auth_unavailable.load(), 0u);
  EXPECT_EQ(relay->count(relay::RelayEventType::rejected), 0u);
  relay.reset();  // before the stand-in lets its hanging handlers go
}

}  // namespace
}  // namespace wzp::live_testing

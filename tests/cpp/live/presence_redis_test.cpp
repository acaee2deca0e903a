// Presence end to end: a joined client is in its relay's registry under its
// authenticated fingerprint until its last connection leaves; and relays that
// share a real redis-server (no probes) find each other's users, also after
// Redis restarts, and stop finding a killed relay's users once its keys expire.
#include <gtest/gtest.h>

#include "common/redis_server.hpp"
#include "live_harness.hpp"

namespace wzp::live_testing {
namespace {

using relay::PresenceLocation;
using test_support::RedisServer;

std::optional<PresenceLocation> lookup(TestRelay& r, const std::string& fp) {
  return r.server->presence().lookup(fp);
}

std::unique_ptr<TestClient> join_as(TestRelay& r, uint8_t fill, const std::string& room = "room") {
  auto config = client_config(r, room);
  config.identity = identity_from(fill);
  return TestClient::join(std::move(config));
}

std::string fp_of(uint8_t fill) { return identity_from(fill).fingerprint().to_display(); }

TEST(LivePresence, JoinedClientsAreLocalUntilTheirLastConnectionLeaves) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  const std::string fp = fp_of(31);
  EXPECT_EQ(lookup(*relay, fp), std::nullopt);
  auto first = join_as(*relay, 31, "room-a");
  ASSERT_TRUE(first);
  EXPECT_EQ(lookup(*relay, fp), PresenceLocation{});
  auto second = join_as(*relay, 31, "room-b");  // the same identity on a second connection
  ASSERT_TRUE(second);
  first.reset();
  ASSERT_TRUE(relay->wait_event(relay::RelayEventType::left));
  EXPECT_EQ(lookup(*relay, fp), PresenceLocation{});  // still on its second connection
  EXPECT_EQ(relay->server->presence().local_count(), 1u);
  second.reset();
  EXPECT_TRUE(eventually([&] { return !lookup(*relay, fp).has_value(); }));
}

TEST(LivePresence, WithAuthTheTokensFingerprintIsRegistered) {
  AuthStandIn auth;
  auto config = relay_config();
  config.auth_url = auth.url();
  config.allow_identity_mismatch = true;  // the token names someone else than the handshake identity
  auto relay = TestRelay::start(std::move(config));
  ASSERT_TRUE(relay);
  const std::string token_fp = fp_of(42);
  auth.set("tok", AuthStandIn::valid(token_fp));
  auto cc = client_config(*relay, "room", "tok");
  cc.identity = identity_from(41);
  auto client = TestClient::join(std::move(cc));
  ASSERT_TRUE(client);
  EXPECT_EQ(lookup(*relay, token_fp), PresenceLocation{});
  EXPECT_EQ(lookup(*relay, fp_of(41)), std::nullopt);
}

TEST(LivePresence, ABadRedisUrlIsRefusedAtStart) {
  for (const char* url : {"http://127.0.0.1:6379", "redis://", "redis://:6379", "redis://h:0",
                          "redis://h:70000", "redis://h:1/x", "redis://user:pw@h:1", "redis://[::1:1"}) {
    auto config = relay_config();
    config.presence_redis = url;
    auto started = relay::RelayServer::start(std::move(config), [](relay::RelayEvent) {});
    ASSERT_FALSE(started.ok()) << url;
    EXPECT_EQ(started.error().code, Errc::invalid_argument) << url;
    EXPECT_NE(started.error().message.find("Redis URL"), std::string::npos) << started.error().message;
  }
}

class LiveRedisPresence : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServer::available()) GTEST_SKIP() << "redis-server is not installed (scripts/install-deps.sh)";
    redis = std::make_unique<RedisServer>();
    ASSERT_NE(redis->port(), 0);
  }

  std::unique_ptr<TestRelay> relay_with_redis() {
    auto config = relay_config();
    config.presence_redis = redis->url();
    config.presence_ttl_s = 2;  // a killed relay's keys go after 2 s
    return TestRelay::start(std::move(config));
  }
  static std::string address(const TestRelay& r) { return r.server->address(); }
  static PresenceLocation remote(const TestRelay& r) { return PresenceLocation{false, address(r)}; }
  static bool connected(TestRelay& r) {
    return r.server->redis_presence() != nullptr &&
           r.server->redis_presence()->counters().connected.load(std::memory_order_relaxed);
  }

  std::unique_ptr<RedisServer> redis;
};

TEST_F(LiveRedisPresence, TwoRelaysShareTheirUsers) {
  ASSERT_TRUE(redis->start());
  auto a = relay_with_redis();
  auto b = relay_with_redis();
  ASSERT_TRUE(a && b);
  const std::string fp = fp_of(51);
  auto client = join_as(*a, 51);
  ASSERT_TRUE(client);
  EXPECT_EQ(lookup(*a, fp), PresenceLocation{});
  EXPECT_TRUE(eventually([&] { return lookup(*b, fp) == remote(*a); }));
  EXPECT_EQ(redis->get("wzp:presence:" + fp), address(*a));
  // B's own user reaches A the same way; neither relay lists its own users as remote.
  auto other = join_as(*b, 52);
  ASSERT_TRUE(other);
  EXPECT_TRUE(eventually([&] { return lookup(*a, fp_of(52)) == remote(*b); }));
  EXPECT_EQ(lookup(*b, fp_of(52)), PresenceLocation{});

  client.reset();  // leaves A
  EXPECT_TRUE(eventually([&] { return !lookup(*b, fp).has_value(); }));
  EXPECT_TRUE(eventually([&] { return redis->get("wzp:presence:" + fp).empty(); }));
  EXPECT_GT(a->server->redis_presence()->counters().writes.load(), 0u);
  EXPECT_GT(b->server->redis_presence()->counters().remote_updates.load(), 0u);

  // A relay that stops cleanly withdraws its users at once.
  b->server->stop();
  EXPECT_TRUE(eventually([&] { return !lookup(*a, fp_of(52)).has_value(); }));
  EXPECT_TRUE(redis->get("wzp:presence:" + fp_of(52)).empty());
}

TEST_F(LiveRedisPresence, PresenceComesBackAfterRedisRestarts) {
  ASSERT_TRUE(redis->start());
  auto a = relay_with_redis();
  auto b = relay_with_redis();
  ASSERT_TRUE(a && b);
  const std::string fp = fp_of(61);
  auto client = join_as(*a, 61);
  ASSERT_TRUE(client);
  ASSERT_TRUE(eventually([&] { return lookup(*b, fp) == remote(*a); }));

  redis->stop(/*kill=*/true);  // everything Redis held is gone
  EXPECT_TRUE(eventually([&] { return !connected(*a) && !connected(*b); }));
  ASSERT_TRUE(redis->start());  // the same port, empty
  // A writes its users again; B hears of them again.
  EXPECT_TRUE(eventually([&] { return redis->get("wzp:presence:" + fp) == address(*a); }));
  EXPECT_TRUE(eventually([&] { return lookup(*b, fp) == remote(*a); }));
  EXPECT_GE(a->server->redis_presence()->counters().reconnects.load(), 1u);
  EXPECT_GE(a->server->redis_presence()->counters().errors.load(), 1u);
  EXPECT_TRUE(eventually([&] { return connected(*a) && connected(*b); }));
}

TEST_F(LiveRedisPresence, ARelayStartsWithoutRedisAndCatchesUp) {
  auto a = relay_with_redis();  // nothing listens on the port yet
  ASSERT_TRUE(a);
  auto client = join_as(*a, 71);  // the relay serves meanwhile
  ASSERT_TRUE(client);
  EXPECT_TRUE(eventually([&] { return a->server->redis_presence()->counters().errors.load() >= 1; }));
  EXPECT_FALSE(connected(*a));
  ASSERT_TRUE(redis->start());
  EXPECT_TRUE(eventually([&] { return redis->get("wzp:presence:" + fp_of(71)) == address(*a); }));
}

TEST_F(LiveRedisPresence, AKilledRelaysUsersExpire) {
  ASSERT_TRUE(redis->start());
  auto a = relay_with_redis();
  auto b = relay_with_redis();
  ASSERT_TRUE(a && b);
  const std::string fp = fp_of(81);
  auto client = join_as(*a, 81);
  ASSERT_TRUE(client);
  ASSERT_TRUE(eventually([&] { return lookup(*b, fp) == remote(*a); }));
  // As if A's process died: its Redis worker stops without withdrawing anything
  // (and its user's departure is never written).
  a->server->redis_presence()->abandon();
  client.reset();
  a->server->stop();
  // Only the TTL removes A's keys; B's next reread then drops A's users.
  EXPECT_TRUE(eventually([&] { return redis->get("wzp:presence:" + fp).empty(); }));
  EXPECT_TRUE(eventually([&] { return !lookup(*b, fp).has_value(); }));
  EXPECT_TRUE(b->server->presence().peers().empty());
}

}  // namespace
}  // namespace wzp::live_testing

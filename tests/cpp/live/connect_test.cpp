// Reaching the relay: host names (resolved off the loop thread, every address
// tried in turn within the handshake deadline) and the one error a client gets
// when nothing answers or the name does not resolve.
#include <gtest/gtest.h>

#include <future>
#include <mutex>

#include "live_harness.hpp"

namespace wzp::live_testing {
namespace {

using wire::CloseCode;

transport::SocketAddress address(const std::string& ip, uint16_t port) {
  return transport::SocketAddress::from_ip(ip, port).value();
}

/// A resolver that answers `addresses` for any name and records what it was asked.
struct FixedResolver {
  std::vector<transport::SocketAddress> addresses;
  std::shared_ptr<std::vector<std::string>> asked = std::make_shared<std::vector<std::string>>();
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();

  client::Resolver get() const {
    return [addresses = addresses, asked = asked, mutex = mutex](const std::string& host, uint16_t port) {
      std::lock_guard lock(*mutex);
      asked->push_back(host + ":" + std::to_string(port));
      return client::ResolveResult(addresses);
    };
  }
};

/// The port of a UDP socket that was bound and released (nothing answers there).
uint16_t dead_port() {
  auto gone = RawEndpoint::mute_server();
  EXPECT_TRUE(gone);
  return gone ? gone->port() : 9;
}

void expect_connect_timeout(TestClient& c, const std::string& reason_part) {
  auto closed = c.wait_closed();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->kind, transport::CloseKind::local) << transport::describe(*closed);
  EXPECT_EQ(closed->code, wire::code_value(CloseCode::connect_timeout)) << closed->reason;
  EXPECT_NE(closed->reason.find(reason_part), std::string::npos) << closed->reason;
  Status joined = c.client->wait_joined(0);
  ASSERT_FALSE(joined.ok());
  EXPECT_EQ(joined.error().code, Errc::timeout);
  EXPECT_NE(joined.error().message.find("WZP_CLOSE_CONNECT_TIMEOUT"), std::string::npos)
      << joined.error().message;
  EXPECT_NE(joined.error().message.find(reason_part), std::string::npos) << joined.error().message;
  EXPECT_EQ(
      c.events.count([](const client::ClientEvent& e) { return e.type == client::ClientEventType::closed; }),
      1u);
}

TEST(LiveConnect, AHostNameIsResolved) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto config = client_config(*relay, "named");
  config.relay_host = "localhost";  // the relay listens on 127.0.0.1 only
  auto c = TestClient::join(std::move(config));
  ASSERT_TRUE(c);
  EXPECT_EQ(relay->count(relay::RelayEventType::joined), 1u);
}

// The first address has nothing listening (and no ICMP reaches an unconnected
// socket): the next one is tried and joins, within the same deadline.
TEST(LiveConnect, TheNextAddressIsTriedWhenTheFirstDoesNotAnswer) {
  auto relay = TestRelay::start();  // 127.0.0.1 only
  ASSERT_TRUE(relay);
  FixedResolver resolver{{address("::1", relay->port()), address("127.0.0.1", relay->port())}};
  auto config = client_config(*relay, "named");
  config.relay_host = "relay.test";
  config.resolver = resolver.get();
  config.handshake_timeout_ms = 5000;
  auto c = TestClient::join(std::move(config));
  ASSERT_TRUE(c);
  EXPECT_EQ(*resolver.asked, std::vector<std::string>{"relay.test:" + std::to_string(relay->port())});
  EXPECT_EQ(relay->count(relay::RelayEventType::joined), 1u);
}

TEST(LiveConnect, AnIpv6OnlyRelayIsReachedAfterTheIpv4Address) {
  auto rc = relay_config();
  rc.listen_host = "::1";
  auto relay = TestRelay::start(rc);
  ASSERT_TRUE(relay);
  FixedResolver resolver{{address("127.0.0.1", relay->port()), address("::1", relay->port())}};
  auto config = client_config(*relay, "named");
  config.relay_host = "relay.test";
  config.resolver = resolver.get();
  config.handshake_timeout_ms = 5000;
  auto c = TestClient::join(std::move(config));
  ASSERT_TRUE(c);
}

TEST(LiveConnect, NothingAnsweringAtAnyAddressNamesThemAll) {
  uint16_t port = dead_port();
  FixedResolver resolver{{address("::1", port), address("127.0.0.1", port)}};
  auto config = client_config_to(port);
  config.relay_host = "relay.test";
  config.resolver = resolver.get();
  config.handshake_timeout_ms = 600;
  auto c = TestClient::connect(std::move(config));
  ASSERT_TRUE(c);
  std::string p = std::to_string(port);
  expect_connect_timeout(
      *c, "no answer from relay relay.test:" + p + " ([::1]:" + p + ", 127.0.0.1:" + p + ") within 600 ms");
}

TEST(LiveConnect, AnUnresolvableNameIsAClearError) {
  auto config = client_config_to(4433);
  config.relay_host = "nonexistent.invalid";
  config.handshake_timeout_ms = 3000;
  auto c = TestClient::connect(std::move(config));
  ASSERT_TRUE(c);
  // At once (no such name) or at the deadline (no name server answered): either way it names the host.
  expect_connect_timeout(*c, "resolve relay host 'nonexistent.invalid'");
}

// A lookup that never returns is bounded by the deadline; the client can be freed
// while it still runs, and its late answer goes nowhere.
TEST(LiveConnect, ASlowLookupIsBoundedByTheDeadline) {
  auto release = std::make_shared<std::promise<void>>();
  auto returned = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  auto done = returned->get_future();
  auto config = client_config_to(4433);
  config.relay_host = "slow.test";
  config.handshake_timeout_ms = 300;
  config.resolver = [released, returned](const std::string&, uint16_t port) {
    released.wait();
    returned->set_value();
    return client::ResolveResult(std::vector<transport::SocketAddress>{address("127.0.0.1", port)});
  };
  auto c = TestClient::connect(std::move(config));
  ASSERT_TRUE(c);
  expect_connect_timeout(*c, "cannot resolve relay host 'slow.test' within 300 ms");
  c.reset();
  release->set_value();
  EXPECT_EQ(done.wait_for(kWait), std::future_status::ready);
}

TEST(LiveConnect, HangupWhileResolvingClosesNormally) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto config = client_config_to(4433);
  config.relay_host = "slow.test";
  config.resolver = [released](const std::string&, uint16_t) {
    released.wait();
    return client::ResolveResult(make_error(Errc::not_found, "never mind"));
  };
  auto c = TestClient::connect(std::move(config));
  ASSERT_TRUE(c);
  c->client->hangup(wire::HangupReason::normal);
  auto closed = c->wait_closed();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->kind, transport::CloseKind::local);
  EXPECT_EQ(closed->code, wire::code_value(CloseCode::normal));
  EXPECT_EQ(c->client->wait_joined(0).error().code, Errc::closed);
  release.set_value();
}

}  // namespace
}  // namespace wzp::live_testing

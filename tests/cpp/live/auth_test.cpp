// featherChat token authentication end to end (relay spec §5.2, featherChat
// spec §1.7.2): the relay POSTs the token to a local stand-in and admits,
// refuses or gives up with a distinct close code and reason for each outcome.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "core/log.hpp"
#include "handshake/signal_handshake.hpp"
#include "live_harness.hpp"

namespace wzp::live_testing {
namespace {

using wire::CloseCode;

class LiveAuth : public ::testing::Test {
 protected:
  void TearDown() override {
    auth.release_hanging();  // lets the relay's auth workers finish
    relay.reset();
  }

  relay::RelayConfig auth_config() {
    auto config = relay_config();
    config.auth_url = auth.url();
    config.auth_timeout_ms = 300;
    return config;
  }
  void start(relay::RelayConfig config) {
    relay = TestRelay::start(std::move(config));
    ASSERT_TRUE(relay);
  }
  void start() { start(auth_config()); }

  /// A client with identity `identity` sending `token`.
  std::unique_ptr<TestClient> client_with(const std::string& token,
                                          crypto::Identity identity = identity_from(1),
                                          std::string sni = "room-auth") {
    auto config = client_config(*relay, std::move(sni), token);
    config.identity = std::move(identity);
    return TestClient::connect(std::move(config));
  }

  void expect_one_request_for(const std::string& token) {
    auto requests = auth.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].path, "/v1/auth/validate");
    EXPECT_EQ(requests[0].content_type, "application/json");
    EXPECT_EQ(requests[0].body, "{\"token\":\"" + token + "\"}");
  }

  AuthStandIn auth;  // declared first: the relay (and its auth workers) go first
  std::unique_ptr<TestRelay> relay;
};

TEST_F(LiveAuth, ValidTokenWithTheIdentitysFingerprintJoins) {
  start();
  const std::string fp = identity_from(1).fingerprint().to_display();
  auth.set("tok-1", AuthStandIn::valid(fp));
  auto c = client_with("tok-1");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->client->wait_joined(static_cast<int>(kWait.count())).ok());
  ASSERT_TRUE(c->wait_joined_event());
  auto joined = relay->wait_event(relay::RelayEventType::joined);
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->room, "room-auth");
  EXPECT_EQ(joined->fingerprint, fp);
  expect_one_request_for("tok-1");
  EXPECT_EQ(relay->counters().auth_ok.load(), 1u);
  EXPECT_EQ(relay->counters().auth_rejected.load(), 0u);
  EXPECT_EQ(relay->counters().handshakes_ok.load(), 1u);
  auto rooms = relay->server->rooms();
  ASSERT_EQ(rooms.size(), 1u);
  ASSERT_EQ(rooms[0].participants.size(), 1u);
  EXPECT_EQ(rooms[0].participants[0].fingerprint, fp);
  EXPECT_EQ(rooms[0].participants[0].token_fingerprint, fp);
  // The client's view of the relay: the relay's handshake identity.
  EXPECT_EQ(c->client->relay_fingerprint(), relay->server->identity().fingerprint());
  EXPECT_EQ(c->states(), (std::vector<client::ClientState>{
                             client::ClientState::connecting, client::ClientState::authenticating,
                             client::ClientState::handshaking, client::ClientState::joined}));
}

// The POST body is compact JSON with the token escaped as serde_json does.
TEST_F(LiveAuth, TokenWithSpecialCharactersIsEscaped) {
  start();
  const std::string token = "a\"b\\c/\xc3\xa9\n\x01";
  auth.set(token, AuthStandIn::invalid());
  auto c = client_with(token);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->wait_closed());
  auto requests = auth.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, "{\"token\":\"a\\\"b\\\\c/\xc3\xa9\\n\\u0001\"}");
}

// A token that is not valid Unicode (a lone surrogate escape) never reaches
// the auth server: the signal is malformed.
TEST_F(LiveAuth, LoneSurrogateInTokenIsMalformed) {
  start();
  auto raw = raw_connection(*relay, "room-auth");
  ASSERT_TRUE(raw);
  ASSERT_TRUE(raw->send_signal_text(R"({"AuthToken":{"token":"x\ud800y"}})").ok());
  expect_raw_refused(*relay, *raw, CloseCode::malformed_signal, "malformed signal");
  EXPECT_TRUE(auth.requests().empty());
}

TEST_F(LiveAuth, InvalidTokenIsRejected) {
  start();
  auth.set("tok-bad", AuthStandIn::invalid());
  auto c = client_with("tok-bad");
  ASSERT_TRUE(c);
  expect_refused(*relay, *c, CloseCode::auth_rejected, "invalid token");
  expect_one_request_for("tok-bad");
  EXPECT_EQ(relay->counters().auth_rejected.load(), 1u);
  EXPECT_EQ(relay->counters().auth_ok.load(), 0u);
  EXPECT_EQ(relay->counters().handshakes_ok.load(), 0u);
}

TEST_F(LiveAuth, ValidWithoutFingerprintIsRejected) {
  start();
  auth.set("tok-nofp", AuthStandIn::valid_without_fingerprint());
  auto c = client_with("tok-nofp");
  ASSERT_TRUE(c);
  expect_refused(*relay, *c, CloseCode::auth_rejected, "missing fingerprint");
  EXPECT_EQ(relay->counters().auth_rejected.load(), 1u);
}

TEST_F(LiveAuth, ServerDownIsUnavailable) {
  auto config = auth_config();
  config.auth_url =
      "http://127.0.0.1:" + std::to_string(test_support::closed_tcp_port()) + "/v1/auth/validate";
  start(config);
  auto c = client_with("tok-1");
  ASSERT_TRUE(c);
  expect_refused(*relay, *c, CloseCode::auth_unavailable, "auth request failed");
  EXPECT_EQ(relay->counters().auth_unavailable.load(), 1u);
  EXPECT_EQ(relay->counters().auth_rejected.load(), 0u);
}

TEST_F(LiveAuth, SlowServerTimesOut) {
  start();
  auth.set("tok-slow", AuthStandIn::hangs());
  auto c = client_with("tok-slow");
  ASSERT_TRUE(c);
  expect_refused(*relay, *c, CloseCode::auth_unavailable, "timed out");
  EXPECT_EQ(relay->counters().auth_unavailable.load(), 1u);
}

TEST_F(LiveAuth, ServerErrorIsUnavailable) {
  start();
  auth.set("tok-500", AuthStandIn::server_error());
  auto c = client_with("tok-500");
  ASSERT_TRUE(c);
  expect_refused(*relay, *c, CloseCode::auth_unavailable, "returned 500");
  EXPECT_EQ(relay->counters().auth_unavailable.load(), 1u);
}

TEST_F(LiveAuth, GarbageAnswerIsUnavailable) {
  start();
  auth.set("tok-junk", AuthStandIn::garbage());
  auto c = client_with("tok-junk");
  ASSERT_TRUE(c);
  expect_refused(*relay, *c, CloseCode::auth_unavailable, "invalid auth response");
  EXPECT_EQ(relay->counters().auth_unavailable.load(), 1u);
}

TEST_F(LiveAuth, NoTokenToARelayThatRequiresOne) {
  start();
  auto c = TestClient::connect(client_config(*relay, "room-auth"));
  ASSERT_TRUE(c);
  expect_refused(*relay, *c, CloseCode::auth_required, "requires an AuthToken");
  EXPECT_TRUE(auth.requests().empty());
  EXPECT_EQ(relay->counters().auth_ok.load(), 0u);
  EXPECT_EQ(relay->counters().auth_unavailable.load(), 0u);
}

// Any client can get itself rejected (here: no token), so the relay's
// "rejecting" lines are throttled: 30 rejections in a row log a few lines,
// while every one is still counted and reported as an event.
TEST_F(LiveAuth, RejectionsOfUnauthenticatedClientsLogABoundedNumberOfLines) {
  std::atomic<size_t> rejecting_lines{0};
  const auto previous_level = log::level();
  log::set_level(log::Level::info);
  log::set_sink([&](log::Level, std::string_view, std::string_view message) {
    if (message.starts_with("rejecting ")) ++rejecting_lines;
  });
  start();
  constexpr size_t kClients = 30;
  for (size_t i = 0; i < kClients; ++i) {
    auto c = TestClient::connect(client_config(*relay, "room-auth"));
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->wait_closed());
  }
  ASSERT_TRUE(eventually([&] { return relay->count(relay::RelayEventType::rejected) == kClients; }));
  log::set_sink({});
  log::set_level(previous_level);
  EXPECT_EQ(relay->counters().auth_rejected.load(), kClients);
  EXPECT_GE(rejecting_lines.load(), 1u);
  EXPECT_LT(rejecting_lines.load(), kClients / 2);
}

TEST_F(LiveAuth, TokenToARelayWithoutAuth) {
  start(relay_config());
  auto c = client_with("tok-1");
  ASSERT_TRUE(c);
  expect_refused(*relay, *c, CloseCode::handshake_failed, "does not use token authentication");
  EXPECT_EQ(relay->counters().handshakes_failed.load(), 1u);
  EXPECT_TRUE(auth.requests().empty());
}

TEST_F(LiveAuth, TokenFingerprintMustMatchTheHandshakeIdentity) {
  start();
  auth.set("tok-other", AuthStandIn::valid(identity_from(2).fingerprint().to_display()));
  auto c = client_with("tok-other", identity_from(1));
  ASSERT_TRUE(c);
  expect_refused(*relay, *c, CloseCode::identity_mismatch, "does not match the handshake identity");
  EXPECT_EQ(relay->counters().auth_ok.load(), 1u);
  EXPECT_EQ(relay->counters().rejected_identity.load(), 1u);
  EXPECT_EQ(relay->counters().handshakes_ok.load(), 0u);
}

TEST_F(LiveAuth, MismatchAllowedWhenConfigured) {
  auto config = auth_config();
  config.allow_identity_mismatch = true;
  start(config);
  const std::string token_fp = identity_from(2).fingerprint().to_display();
  const std::string handshake_fp = identity_from(1).fingerprint().to_display();
  auth.set("tok-other", AuthStandIn::valid(token_fp));
  auto c = client_with("tok-other", identity_from(1));
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->client->wait_joined(static_cast<int>(kWait.count())).ok());
  auto joined = relay->wait_event(relay::RelayEventType::joined);
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->fingerprint, handshake_fp);
  auto rooms = relay->server->rooms();
  ASSERT_EQ(rooms.size(), 1u);
  ASSERT_EQ(rooms[0].participants.size(), 1u);
  EXPECT_EQ(rooms[0].participants[0].fingerprint, handshake_fp);
  EXPECT_EQ(rooms[0].participants[0].token_fingerprint, token_fp);
  EXPECT_EQ(relay->counters().rejected_identity.load(), 0u);
}

// Relay scenario AUTH-11: token accepted, then a tampered CallOffer.
TEST_F(LiveAuth, AcceptedTokenThenBadSignature) {
  start();
  auto identity = identity_from(3);
  auth.set("tok-3", AuthStandIn::valid(identity.fingerprint().to_display()));
  auto raw = raw_connection(*relay, "room-auth");
  ASSERT_TRUE(raw);
  handshake::Caller caller(identity);
  wire::CallOffer offer = caller.offer();
  offer.signature[0] ^= 0xFF;
  ASSERT_TRUE(raw->send_signal(wire::AuthToken{"tok-3"}).ok());
  ASSERT_TRUE(raw->send_signal(offer).ok());
  auto closed =
      expect_raw_refused(*relay, *raw, CloseCode::handshake_failed, "signature verification failed");
  ASSERT_TRUE(closed);
  EXPECT_EQ(relay->counters().auth_ok.load(), 1u);
  EXPECT_EQ(relay->counters().handshakes_failed.load(), 1u);
}

TEST_F(LiveAuth, NoTokenWithinThePhaseDeadline) {
  auto config = auth_config();
  config.phase_timeout_ms = 300;
  start(config);
  auto raw = raw_connection(*relay, "room-auth");
  ASSERT_TRUE(raw);
  auto closed = expect_raw_refused(*relay, *raw, CloseCode::timeout, "no AuthToken within 300 ms");
  ASSERT_TRUE(closed);
  EXPECT_EQ(relay->counters().rejected_timeout.load(), 1u);
  EXPECT_EQ(relay->counters().sessions_active.load(), 0u);
  EXPECT_TRUE(auth.requests().empty());
}

// Scenario AUTH-10's cousin: the client goes away while its token is being
// checked; the late answer finds nobody and changes nothing.
TEST_F(LiveAuth, ClientLeavingWhileItsTokenIsChecked) {
  auto config = auth_config();
  config.auth_timeout_ms = 5000;
  start(config);
  auth.set("tok-wait", AuthStandIn::hangs());
  auto c = client_with("tok-wait");
  ASSERT_TRUE(c);
  ASSERT_TRUE(eventually([&] { return auth.requests().size() == 1; }));
  c->client->hangup(wire::HangupReason::normal);
  ASSERT_TRUE(c->wait_closed());
  ASSERT_TRUE(eventually([&] { return relay->counters().sessions_active.load() == 0; }));
  // The check was cancelled when its connection went away, not merely outlived.
  EXPECT_EQ(relay->counters().auth_cancelled.load(), 1u);
  auth.release_hanging();
  relay->server->stop();  // joins the auth thread; any late result has been handled after this
  EXPECT_EQ(relay->count(relay::RelayEventType::rejected), 0u);
  EXPECT_EQ(relay->count(relay::RelayEventType::joined), 0u);
  EXPECT_EQ(relay->counters().auth_ok.load(), 0u);
  EXPECT_EQ(relay->counters().auth_rejected.load(), 0u);
  EXPECT_EQ(relay->counters().auth_unavailable.load(), 0u);
}

// The phase deadline is for the AuthToken to arrive; the token check that
// follows has its own timeout, and its failure is reported as what it is.
TEST_F(LiveAuth, PhaseDeadlineStopsWhenTheTokenArrives) {
  auto config = auth_config();
  config.phase_timeout_ms = 300;
  config.auth_timeout_ms = 1000;
  start(config);
  auth.set("tok-wait", AuthStandIn::hangs());
  auto c = client_with("tok-wait");
  ASSERT_TRUE(c);
  expect_refused(*relay, *c, CloseCode::auth_unavailable, "timed out after 1000 ms");
  EXPECT_EQ(relay->counters().rejected_timeout.load(), 0u);
}

// Checks run concurrently, but at most 4 per client address: the ones beyond
// are refused at once instead of queueing behind a slow auth server.
TEST_F(LiveAuth, PendingTokenChecksAreBoundedPerAddress) {
  auto config = auth_config();
  config.phase_timeout_ms = 300;
  config.auth_timeout_ms = 1000;
  start(config);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (uint8_t i = 0; i < 6; ++i) {
    std::string token = "tok-wait-" + std::to_string(i);
    auth.set(token, AuthStandIn::hangs());
    clients.push_back(client_with(token, identity_from(static_cast<uint8_t>(40 + i))));
    ASSERT_TRUE(clients.back());
  }
  size_t timed_out = 0, refused_at_once = 0;
  for (auto& c : clients) {
    auto closed = c->wait_closed();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->code, wire::code_value(CloseCode::auth_unavailable)) << closed->reason;
    timed_out += closed->reason.find("auth request failed: timed out after 1000 ms") != std::string::npos;
    refused_at_once +=
        closed->reason.find("too many token validations pending from 127.0.0.1") != std::string::npos;
  }
  EXPECT_EQ(timed_out, 4u);
  EXPECT_EQ(refused_at_once, 2u);
  EXPECT_EQ(auth.requests().size(), 4u);
  EXPECT_EQ(relay->counters().auth_unavailable.load(), 6u);
}

// A second AuthToken in place of the CallOffer fails the handshake; the reason
// must not claim that this relay does not use tokens.
TEST_F(LiveAuth, SecondTokenInsteadOfTheOffer) {
  start();
  auto identity = identity_from(5);
  auth.set("tok-5", AuthStandIn::valid(identity.fingerprint().to_display()));
  auto raw = raw_connection(*relay, "room-auth");
  ASSERT_TRUE(raw);
  ASSERT_TRUE(raw->send_signal(wire::AuthToken{"tok-5"}).ok());
  ASSERT_TRUE(raw->send_signal(wire::AuthToken{"tok-5"}).ok());
  auto closed =
      expect_raw_refused(*relay, *raw, CloseCode::handshake_failed, "expected CallOffer, got AuthToken");
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->reason.find("does not use token authentication"), std::string::npos) << closed->reason;
  EXPECT_EQ(auth.requests().size(), 1u);
}

// Stopping the relay does not wait for an auth server that does not answer.
TEST_F(LiveAuth, StopDoesNotWaitForTheAuthServer) {
  auto config = auth_config();
  config.auth_timeout_ms = 600'000;
  start(config);
  auth.set("tok-wait", AuthStandIn::hangs());
  auto c = client_with("tok-wait");
  ASSERT_TRUE(c);
  ASSERT_TRUE(eventually([&] { return auth.requests().size() == 1; }));
  std::promise<void> stopped;
  auto done = stopped.get_future();
  std::thread stopper([&] {
    relay->server->stop();
    stopped.set_value();
  });
  bool in_time = done.wait_for(kWait) == std::future_status::ready;
  auth.release_hanging();  // a stuck stop() ends here
  stopper.join();
  EXPECT_TRUE(in_time) << "stop() waited for the auth server";
  expect_application_close(c->wait_closed(), CloseCode::shutdown, "relay is shutting down");
}

// While a token is being checked the relay holds the client's next signals,
// but only a few of them.
TEST_F(LiveAuth, TooManySignalsWhileAuthenticating) {
  auto config = auth_config();
  config.auth_timeout_ms = 5000;  // the stand-in hangs; the flood must be refused first
  start(config);
  auth.set("tok-wait", AuthStandIn::hangs());
  auto raw = raw_connection(*relay, "room-auth");
  ASSERT_TRUE(raw);
  ASSERT_TRUE(raw->send_signal(wire::AuthToken{"tok-wait"}).ok());
  for (uint64_t i = 0; i < 9; ++i) ASSERT_TRUE(raw->send_signal(wire::Ping{i}).ok());
  auto closed = expect_raw_refused(*relay, *raw, CloseCode::malformed_signal, "too many signals");
  ASSERT_TRUE(closed);
  EXPECT_EQ(relay->counters().rejected_malformed.load(), 1u);
}

}  // namespace
}  // namespace wzp::live_testing

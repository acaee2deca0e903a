// Admission end to end: the per-room access list (relay spec §7.2, keyed by
// the token's fingerprint), the session cap that counts connections still in
// their handshake (spec §16 note 10), and the room size cap.
#include <gtest/gtest.h>

#include "live_harness.hpp"

namespace wzp::live_testing {
namespace {

using wire::CloseCode;

class LiveAcl : public ::testing::Test {
 protected:
  void TearDown() override { relay.reset(); }

  void start(bool with_auth, relay::AccessList::Rooms acl) {
    auto config = relay_config();
    if (with_auth) config.auth_url = auth.url();
    config.acl.set_enabled(true);
    config.acl.replace(std::move(acl));
    relay = TestRelay::start(std::move(config));
    ASSERT_TRUE(relay);
  }

  /// Identity `fill` with a token whose fingerprint is that identity's.
  std::unique_ptr<TestClient> authenticated(uint8_t fill, const std::string& room) {
    auto identity = identity_from(fill);
    std::string token = "tok-" + std::to_string(fill);
    auth.set(token, AuthStandIn::valid(identity.fingerprint().to_display()));
    auto config = client_config(*relay, room, token);
    config.identity = std::move(identity);
    return TestClient::connect(std::move(config));
  }

  static std::string fp(uint8_t fill) { return identity_from(fill).fingerprint().to_display(); }

  AuthStandIn auth;
  std::unique_ptr<TestRelay> relay;
};

TEST_F(LiveAcl, RestrictedRoomAdmitsOnlyListedFingerprints) {
  start(true, {{"room-x", {fp(10)}}});
  auto x = authenticated(10, "room-x");
  ASSERT_TRUE(x);
  ASSERT_TRUE(x->client->wait_joined(static_cast<int>(kWait.count())).ok());

  auto y = authenticated(11, "room-x");
  ASSERT_TRUE(y);
  expect_refused(*relay, *y, CloseCode::acl_denied,
                 "fingerprint " + fp(11) + " is not allowed in room room-x");
  EXPECT_EQ(relay->counters().rejected_acl.load(), 1u);
  EXPECT_EQ(relay->counters().participants.load(), 1u);  // x is still in

  // A room absent from the list admits any authenticated fingerprint.
  auto y_elsewhere = authenticated(11, "room-open");
  ASSERT_TRUE(y_elsewhere);
  ASSERT_TRUE(y_elsewhere->client->wait_joined(static_cast<int>(kWait.count())).ok());

  // Allowed at runtime: the same identity now gets in.
  relay->server->acl_allow("room-x", fp(11));
  auto y_again = authenticated(11, "room-x");
  ASSERT_TRUE(y_again);
  ASSERT_TRUE(y_again->client->wait_joined(static_cast<int>(kWait.count())).ok());
  EXPECT_EQ(relay->counters().rejected_acl.load(), 1u);

  // And revoked again.
  relay->server->acl_revoke("room-x", fp(11));
  auto y_last = authenticated(11, "room-x");
  ASSERT_TRUE(y_last);
  auto closed = y_last->wait_closed();
  expect_application_close(closed, CloseCode::acl_denied, "is not allowed in room room-x");
  EXPECT_EQ(relay->counters().rejected_acl.load(), 2u);

  // A replaced list without room-x leaves it unrestricted.
  relay->server->acl_replace({{"room-y", {fp(10)}}});
  auto y_open = authenticated(11, "room-x");
  ASSERT_TRUE(y_open);
  ASSERT_TRUE(y_open->client->wait_joined(static_cast<int>(kWait.count())).ok());
}

// Without a token the handshake identity is the only identity there is: the list
// checks it (the reference refuses everyone).
TEST_F(LiveAcl, WithoutAuthenticationTheHandshakeIdentityIsChecked) {
  start(false, {{"room-x", {fp(10)}}});
  auto listed = client_config(*relay, "room-x");
  listed.identity = identity_from(10);
  auto x = TestClient::join(std::move(listed));
  ASSERT_TRUE(x);

  auto unlisted = client_config(*relay, "room-x");
  unlisted.identity = identity_from(11);
  auto y = TestClient::connect(std::move(unlisted));
  ASSERT_TRUE(y);
  expect_refused(*relay, *y, CloseCode::acl_denied,
                 "fingerprint " + fp(11) + " is not allowed in room room-x");
  EXPECT_EQ(relay->counters().rejected_acl.load(), 1u);

  // An unlisted room admits any identity, unless the list denies by default.
  auto anyone = client_config(*relay, "room-open");
  anyone.identity = identity_from(12);
  EXPECT_TRUE(TestClient::join(anyone));
  relay->server->update_acl([](relay::AccessList& acl) { acl.set_default_deny(true); });
  auto refused = TestClient::connect(std::move(anyone));
  ASSERT_TRUE(refused);
  expect_application_close(refused->wait_closed(), CloseCode::acl_denied, "denies by default");
  EXPECT_EQ(relay->counters().rejected_acl.load(), 2u);

  // Turning the ACL off at runtime opens the relay.
  relay->server->set_acl_enabled(false);
  auto d = TestClient::join(client_config(*relay, "room-x"));
  EXPECT_TRUE(d);
}

// With a token, the token's fingerprint is checked (the reference's rule); one
// that is not a fingerprint (possible with allow_identity_mismatch) admits nowhere.
TEST_F(LiveAcl, ATokenFingerprintThatIsNotOneIsRefused) {
  auto config = relay_config();
  config.auth_url = auth.url();
  config.allow_identity_mismatch = true;
  config.acl.set_enabled(true);
  relay = TestRelay::start(std::move(config));
  ASSERT_TRUE(relay);
  auth.set("tok-odd", AuthStandIn::valid("not-a-fingerprint"));
  auto c = TestClient::connect(client_config(*relay, "room-open", "tok-odd"));
  ASSERT_TRUE(c);
  expect_refused(
      *relay, *c, CloseCode::acl_denied,
      "room room-open admits only a valid fingerprint (the token's fingerprint 'not-a-fingerprint' "
      "is not one)");
}

TEST(LiveCaps, SessionCapCountsConnectionsStillHandshaking) {
  auto config = relay_config();
  config.max_sessions = 2;
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  // Two connections that finish QUIC and then say nothing: not joined, but counted.
  auto raw1 = RawEndpoint::connect(relay->port());
  auto raw2 = RawEndpoint::connect(relay->port());
  ASSERT_TRUE(raw1 && raw1->wait_established());
  ASSERT_TRUE(raw2 && raw2->wait_established());
  // Counted once the relay's side of the QUIC handshake completed too.
  ASSERT_TRUE(eventually([&] { return relay->counters().sessions_active.load() == 2; }));

  auto third = TestClient::connect(client_config(*relay));
  ASSERT_TRUE(third);
  expect_refused(*relay, *third, CloseCode::server_full, "relay is full (2 sessions)");
  EXPECT_EQ(relay->counters().rejected_full.load(), 1u);
  EXPECT_EQ(relay->counters().sessions_active.load(), 2u);

  // A freed slot admits the next one.
  raw1->close(0, "bye");
  ASSERT_TRUE(eventually([&] { return relay->counters().sessions_active.load() == 1; }));
  auto fourth = TestClient::join(client_config(*relay));
  EXPECT_TRUE(fourth);
}

TEST(LiveCaps, RoomSizeCap) {
  auto config = relay_config();
  config.max_room_size = 2;
  auto room = RoomSetup::start("small", 2, config);
  ASSERT_TRUE(room.ok());
  auto& relay = room.relay;
  auto c3 = TestClient::connect(client_config(*relay, "small"));
  ASSERT_TRUE(c3);
  expect_refused(*relay, *c3, CloseCode::room_full, "room small is full (2 participants)");
  EXPECT_EQ(relay->counters().rejected_full.load(), 1u);
  EXPECT_EQ(relay->counters().participants.load(), 2u);

  // Other rooms are not affected, and a departure makes room.
  auto other = TestClient::join(client_config(*relay, "other"));
  EXPECT_TRUE(other);
  room[0].client->hangup(wire::HangupReason::normal);
  ASSERT_TRUE(relay->wait_event(relay::RelayEventType::left));
  auto c4 = TestClient::join(client_config(*relay, "small"));
  EXPECT_TRUE(c4);
}

}  // namespace
}  // namespace wzp::live_testing

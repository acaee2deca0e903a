// The relay's access list through the C ABI, end to end on loopback: entries that
// could never match are refused, plain room names are hashed by a helper, the
// handshake identity is checked when there is no token, default-deny mode, and a
// room whose last entry was revoked stays closed.
#include <cctype>
#include <chrono>
#include <string>

#include "capi_test.hpp"

namespace wzp_capi_test {
namespace {

constexpr int kWaitMs = 10'000;

IdentityOwner random_identity() {
  IdentityOwner id;
  EXPECT_EQ(wzp_identity_new_random(&id.h), WZP_OK);
  return id;
}

wzp_relay_config relay_config() {
  wzp_relay_config c;
  wzp_relay_config_init(&c);
  c.listen_host = "127.0.0.1";
  c.listen_port = 0;
  return c;
}

uint16_t start(RelayOwner& relay) {
  EXPECT_EQ(wzp_relay_start(relay.h), WZP_OK) << wzp_last_error();
  uint16_t port = 0;
  EXPECT_EQ(wzp_relay_port(relay.h, &port), WZP_OK);
  return port;
}

std::string room_hash(const std::string& name) {
  char out[WZP_ROOM_HASH_LEN + 1];
  EXPECT_EQ(wzp_hash_room_name(name.data(), name.size(), out), WZP_OK);
  return out;
}

struct Outcome {
  bool joined = false;
  uint64_t close_code = 0;
  std::string reason;
};

wzp_client_config client_config(uint16_t port, const char* room, const wzp_identity* identity,
                                int raw_room = 0) {
  wzp_client_config c;
  wzp_client_config_init(&c);
  c.relay_host = "127.0.0.1";
  c.relay_port = port;
  c.room = room;
  c.raw_room = raw_room;
  c.identity = identity;
  return c;
}

// Connects identity to room (no token) and waits for JOINED or CLOSED.
Outcome attempt(uint16_t port, const char* room, const wzp_identity* identity, int raw_room = 0) {
  wzp_client_config c = client_config(port, room, identity, raw_room);
  ClientOwner client;
  Outcome out;
  EXPECT_EQ(wzp_client_new(&c, &client.h), WZP_OK) << wzp_last_error();
  EXPECT_EQ(wzp_client_connect(client.h), WZP_OK) << wzp_last_error();
  wzp_event ev;
  wzp_event_init(&ev);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (std::chrono::steady_clock::now() < deadline) {
    if (wzp_client_next_event(client.h, &ev, 100) != WZP_OK) continue;
    const bool done = ev.type == WZP_EVENT_JOINED || ev.type == WZP_EVENT_CLOSED;
    out.joined = ev.type == WZP_EVENT_JOINED;
    if (ev.type == WZP_EVENT_CLOSED) {
      out.close_code = ev.close_code;
      out.reason = ev.close_reason != nullptr ? ev.close_reason : "";
    }
    wzp_event_clear(&ev);
    if (done) return out;
  }
  ADD_FAILURE() << "neither JOINED nor CLOSED";
  return out;
}

void expect_denied(const Outcome& outcome, const std::string& reason_part) {
  EXPECT_FALSE(outcome.joined);
  EXPECT_EQ(outcome.close_code, uint64_t{WZP_CLOSE_ACL_DENIED});
  EXPECT_NE(outcome.reason.find(reason_part), std::string::npos) << outcome.reason;
}

uint64_t rejected_acl(const RelayOwner& relay) {
  wzp_relay_stats st;
  st.struct_size = sizeof st;
  EXPECT_EQ(wzp_relay_stats_get(relay.h, &st), WZP_OK);
  return st.rejected_acl;
}

TEST(CapiAcl, EntriesThatCouldNeverMatchAreRefused) {
  wzp_relay_config rc = relay_config();
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&rc, &relay.h), WZP_OK);
  const std::string fp = "a1b2:c3d4:e5f6:7890:abcd:ef01:2345:6789";
  const std::string hash = room_hash("general");

  EXPECT_EQ(wzp_relay_acl_allow(relay.h, "general", fp.c_str()), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wzp_last_error()).find("room 'general' is neither a room hash"), std::string::npos)
      << wzp_last_error();
  EXPECT_EQ(wzp_relay_acl_revoke(relay.h, "general", fp.c_str()), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_relay_acl_clear_room(relay.h, "general"), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_relay_acl_allow(relay.h, "sni:my_room", fp.c_str()), WZP_ERR_INVALID_ARGUMENT);

  for (const char* bad : {"alice", "a1b2:c3d4", ""}) {
    EXPECT_EQ(wzp_relay_acl_allow(relay.h, hash.c_str(), bad), WZP_ERR_INVALID_ARGUMENT) << bad;
    EXPECT_NE(std::string(wzp_last_error()).find("fingerprint '" + std::string(bad) + "' is not valid"),
              std::string::npos)
        << wzp_last_error();
    EXPECT_EQ(wzp_relay_acl_allow_room_name(relay.h, "general", bad), WZP_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(wzp_relay_acl_revoke_room_name(relay.h, "general", bad), WZP_ERR_INVALID_ARGUMENT);
  }
  EXPECT_EQ(wzp_relay_acl_allow(relay.h, nullptr, fp.c_str()), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_relay_acl_allow_room_name(relay.h, nullptr, fp.c_str()), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_relay_acl_set_default_deny(nullptr, 1), WZP_ERR_INVALID_ARGUMENT);

  EXPECT_EQ(wzp_relay_acl_allow(relay.h, hash.c_str(), fp.c_str()), WZP_OK);
  EXPECT_EQ(wzp_relay_acl_allow(relay.h, "sni:Lobby", "A1B2C3D4E5F67890ABCDEF0123456789"), WZP_OK);
  EXPECT_EQ(wzp_relay_acl_allow_room_name(relay.h, "general", fp.c_str()), WZP_OK);
  EXPECT_EQ(wzp_relay_acl_clear_room(relay.h, hash.c_str()), WZP_OK);
}

// Without auth_url the handshake identity is what the list checks; a plain room name
// given to the helper is hashed as clients hash it; fingerprints are normalised.
TEST(CapiAcl, WithoutAuthTheHandshakeIdentityIsChecked) {
  IdentityOwner alice = random_identity(), bob = random_identity(), carol = random_identity();
  wzp_relay_config rc = relay_config();
  rc.acl_enabled = 1;
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&rc, &relay.h), WZP_OK);
  ASSERT_EQ(wzp_relay_acl_allow_room_name(relay.h, "locked", alice.fingerprint().c_str()), WZP_OK);
  // Bob's entry in bare upper-case hex: the relay compares normalised fingerprints.
  std::string bob_hex;
  for (char c : bob.fingerprint())
    if (c != ':') bob_hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_EQ(wzp_relay_acl_allow(relay.h, room_hash("locked").c_str(), bob_hex.c_str()), WZP_OK);
  ASSERT_EQ(wzp_relay_acl_allow(relay.h, "sni:Lobby", carol.fingerprint().c_str()), WZP_OK);
  uint16_t port = start(relay);

  EXPECT_TRUE(attempt(port, "locked", alice.h).joined);
  EXPECT_TRUE(attempt(port, "locked", bob.h).joined);
  expect_denied(attempt(port, "locked", carol.h),
                "fingerprint " + carol.fingerprint() + " is not allowed in room " + room_hash("locked"));
  EXPECT_TRUE(attempt(port, "LOBBY", carol.h, 1).joined);  // a raw room: "sni:" entries
  expect_denied(attempt(port, "lobby", alice.h, 1), "is not allowed in room lobby");
  EXPECT_TRUE(attempt(port, "open", carol.h).joined);  // unlisted: the default admits
  EXPECT_EQ(rejected_acl(relay), 2u);
}

TEST(CapiAcl, DefaultDenyRefusesUnlistedRooms) {
  IdentityOwner alice = random_identity();
  wzp_relay_config rc = relay_config();
  rc.acl_default_deny = 1;  // turns the list on by itself
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&rc, &relay.h), WZP_OK);
  ASSERT_EQ(wzp_relay_acl_allow_room_name(relay.h, "staff", alice.fingerprint().c_str()), WZP_OK);
  uint16_t port = start(relay);

  EXPECT_TRUE(attempt(port, "staff", alice.h).joined);
  expect_denied(attempt(port, "elsewhere", alice.h), "denies by default");
  ASSERT_EQ(wzp_relay_acl_set_default_deny(relay.h, 0), WZP_OK);
  EXPECT_TRUE(attempt(port, "elsewhere", alice.h).joined);
  ASSERT_EQ(wzp_relay_acl_set_default_deny(relay.h, 1), WZP_OK);
  expect_denied(attempt(port, "elsewhere", alice.h), "denies by default");
  EXPECT_EQ(rejected_acl(relay), 2u);
}

// Revoking a room's last entry never opens the room, whether it happens before the
// start or after; clearing the room returns it to the default.
TEST(CapiAcl, RevokingTheLastEntryKeepsTheRoomClosed) {
  IdentityOwner alice = random_identity();
  const std::string fp = alice.fingerprint();
  wzp_relay_config rc = relay_config();
  rc.acl_enabled = 1;
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&rc, &relay.h), WZP_OK);
  ASSERT_EQ(wzp_relay_acl_allow_room_name(relay.h, "before", fp.c_str()), WZP_OK);
  ASSERT_EQ(wzp_relay_acl_revoke_room_name(relay.h, "before", fp.c_str()), WZP_OK);
  ASSERT_EQ(wzp_relay_acl_allow_room_name(relay.h, "after", fp.c_str()), WZP_OK);
  uint16_t port = start(relay);

  expect_denied(attempt(port, "before", alice.h), "entries were all revoked");
  EXPECT_TRUE(attempt(port, "after", alice.h).joined);
  ASSERT_EQ(wzp_relay_acl_revoke_room_name(relay.h, "after", fp.c_str()), WZP_OK);
  expect_denied(attempt(port, "after", alice.h), "entries were all revoked");

  ASSERT_EQ(wzp_relay_acl_clear_room(relay.h, room_hash("before").c_str()), WZP_OK);
  EXPECT_TRUE(attempt(port, "before", alice.h).joined);
  EXPECT_EQ(rejected_acl(relay), 2u);
}

// The list is asked before the room size: a full room still says ACL_DENIED to a stranger.
TEST(CapiAcl, TheListIsCheckedBeforeTheRoomSize) {
  IdentityOwner alice = random_identity(), bob = random_identity();
  wzp_relay_config rc = relay_config();
  rc.acl_enabled = 1;
  rc.max_room_size = 1;
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&rc, &relay.h), WZP_OK);
  ASSERT_EQ(wzp_relay_acl_allow_room_name(relay.h, "staff", alice.fingerprint().c_str()), WZP_OK);
  uint16_t port = start(relay);
  wzp_client_config c;
  wzp_client_config_init(&c);
  c.relay_host = "127.0.0.1";
  c.relay_port = port;
  c.room = "staff";
  c.identity = alice.h;
  ClientOwner inside;
  ASSERT_EQ(wzp_client_new(&c, &inside.h), WZP_OK);
  ASSERT_EQ(wzp_client_connect(inside.h), WZP_OK);
  ASSERT_EQ(wzp_client_wait_joined(inside.h, kWaitMs), WZP_OK) << wzp_last_error();
  expect_denied(attempt(port, "staff", bob.h), "is not allowed in room");
  Outcome full = attempt(port, "staff", alice.h);
  EXPECT_FALSE(full.joined);
  EXPECT_EQ(full.close_code, uint64_t{WZP_CLOSE_ROOM_FULL});
}

// A client that joined `room` as `identity` and stays (or fails the test).
ClientOwner join(uint16_t port, const char* room, const wzp_identity* identity) {
  wzp_client_config c = client_config(port, room, identity);
  ClientOwner client;
  EXPECT_EQ(wzp_client_new(&c, &client.h), WZP_OK) << wzp_last_error();
  EXPECT_EQ(wzp_client_connect(client.h), WZP_OK) << wzp_last_error();
  EXPECT_EQ(wzp_client_wait_joined(client.h, kWaitMs), WZP_OK) << wzp_last_error();
  return client;
}

// Waits for the client's CLOSED event: its close code and reason (code 0 if none came).
Outcome closed(const ClientOwner& client, int timeout_ms = kWaitMs) {
  Outcome out;
  wzp_event ev;
  wzp_event_init(&ev);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (wzp_client_next_event(client.h, &ev, 50) != WZP_OK) continue;
    if (ev.type == WZP_EVENT_CLOSED) {
      out.close_code = ev.close_code;
      out.reason = ev.close_reason != nullptr ? ev.close_reason : "";
      wzp_event_clear(&ev);
      return out;
    }
    wzp_event_clear(&ev);
  }
  return out;
}

uint64_t acl_evicted(const RelayOwner& relay) {
  wzp_relay_stats st;
  wzp_relay_stats_init(&st);
  EXPECT_EQ(wzp_relay_stats_get(relay.h, &st), WZP_OK);
  return st.acl_evicted;
}

size_t participants(const RelayOwner& relay) {
  char* json = nullptr;
  EXPECT_EQ(wzp_relay_rooms_json(relay.h, &json), WZP_OK);
  std::string text = json != nullptr ? json : "";
  wzp_free(json);
  size_t n = 0;
  for (size_t at = text.find("\"fingerprint\""); at != std::string::npos;
       at = text.find("\"fingerprint\"", at + 1))
    ++n;
  return n;
}

// Revocation disconnects: a member whose entry goes is closed with ACL_DENIED at once
// (counted, the others stay) and refused on its next join.
TEST(CapiAcl, RevokingDisconnectsTheMemberInTheRoom) {
  IdentityOwner alice = random_identity(), bob = random_identity();
  wzp_relay_config rc = relay_config();
  rc.acl_enabled = 1;
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&rc, &relay.h), WZP_OK);
  ASSERT_EQ(wzp_relay_acl_allow_room_name(relay.h, "group", alice.fingerprint().c_str()), WZP_OK);
  ASSERT_EQ(wzp_relay_acl_allow_room_name(relay.h, "group", bob.fingerprint().c_str()), WZP_OK);
  uint16_t port = start(relay);
  ClientOwner a = join(port, "group", alice.h);
  ClientOwner b = join(port, "group", bob.h);
  EXPECT_EQ(participants(relay), 2u);

  ASSERT_EQ(wzp_relay_acl_revoke_room_name(relay.h, "group", bob.fingerprint().c_str()), WZP_OK);
  // Done before the call returned: the relay already counts it and lists one member.
  EXPECT_EQ(acl_evicted(relay), 1u);
  EXPECT_EQ(participants(relay), 1u);
  Outcome out = closed(b);
  EXPECT_EQ(out.close_code, uint64_t{WZP_CLOSE_ACL_DENIED});
  EXPECT_NE(out.reason.find("access list changed"), std::string::npos) << out.reason;
  EXPECT_EQ(closed(a, 300).close_code, 0u);  // alice stays
  expect_denied(attempt(port, "group", bob.h), "is not allowed in room " + room_hash("group"));
  EXPECT_EQ(acl_evicted(relay), 1u);
  EXPECT_EQ(rejected_acl(relay), 1u);
}

// Every kind of change re-checks the room: default-deny for unlisted rooms, clearing a
// listed room under default-deny, turning the list off evicts nobody.
TEST(CapiAcl, EveryChangeRechecksTheMembers) {
  IdentityOwner alice = random_identity(), bob = random_identity();
  wzp_relay_config rc = relay_config();
  rc.acl_enabled = 1;
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&rc, &relay.h), WZP_OK);
  ASSERT_EQ(wzp_relay_acl_allow_room_name(relay.h, "staff", alice.fingerprint().c_str()), WZP_OK);
  uint16_t port = start(relay);
  ClientOwner a = join(port, "staff", alice.h);
  ClientOwner b = join(port, "open", bob.h);

  ASSERT_EQ(wzp_relay_acl_set_default_deny(relay.h, 1), WZP_OK);  // "open" is unlisted: bob goes
  EXPECT_EQ(closed(b).close_code, uint64_t{WZP_CLOSE_ACL_DENIED});
  EXPECT_EQ(acl_evicted(relay), 1u);
  ASSERT_EQ(wzp_relay_acl_set_enabled(relay.h, 0), WZP_OK);  // off: admits everyone, evicts nobody
  ClientOwner b2 = join(port, "open", bob.h);
  ASSERT_EQ(wzp_relay_acl_set_enabled(relay.h, 1), WZP_OK);  // on again, default-deny: bob goes again
  EXPECT_EQ(closed(b2).close_code, uint64_t{WZP_CLOSE_ACL_DENIED});
  ASSERT_EQ(wzp_relay_acl_clear_room(relay.h, room_hash("staff").c_str()), WZP_OK);  // unlisted now
  EXPECT_EQ(closed(a).close_code, uint64_t{WZP_CLOSE_ACL_DENIED});
  EXPECT_EQ(acl_evicted(relay), 3u);
  EXPECT_EQ(participants(relay), 0u);
}

std::string acl_json(const RelayOwner& relay) {
  char* json = nullptr;
  EXPECT_EQ(wzp_relay_acl_json(relay.h, &json), WZP_OK) << wzp_last_error();
  std::string text = json != nullptr ? json : "";
  wzp_free(json);
  return text;
}

TEST(CapiAcl, JsonShowsTheListBeforeAndAfterTheStart) {
  const std::string fp = "a1b2:c3d4:e5f6:7890:abcd:ef01:2345:6789";
  wzp_relay_config rc = relay_config();
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&rc, &relay.h), WZP_OK);
  EXPECT_EQ(acl_json(relay), R"({"enabled":false,"default_deny":false,"rooms":{}})");
  ASSERT_EQ(wzp_relay_acl_allow_room_name(relay.h, "general", fp.c_str()), WZP_OK);
  ASSERT_EQ(wzp_relay_acl_set_enabled(relay.h, 1), WZP_OK);
  const std::string expected = R"({"enabled":true,"default_deny":false,"rooms":{")" + room_hash("general") +
                               R"(":[")" + fp + R"("]}})";
  EXPECT_EQ(acl_json(relay), expected);
  start(relay);
  EXPECT_EQ(acl_json(relay), expected);
  ASSERT_EQ(wzp_relay_acl_revoke_room_name(relay.h, "general", fp.c_str()), WZP_OK);
  EXPECT_NE(acl_json(relay).find(room_hash("general") + R"(":[])"), std::string::npos);
  char* out = reinterpret_cast<char*>(1);
  EXPECT_EQ(wzp_relay_acl_json(nullptr, &out), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
}

// featherChat's server keeps a group's room equal to its members, in-process: a member
// removed from the group is disconnected and refused; the others stay.
TEST(CapiFcAcl, SyncRelayMakesTheRoomEqualToTheGroup) {
  IdentityOwner members[4] = {random_identity(), random_identity(), random_identity(), random_identity()};
  std::string fps[4];
  const char* group[4];
  for (int i = 0; i < 4; ++i) {
    fps[i] = members[i].fingerprint();
    group[i] = fps[i].c_str();
  }
  wzp_relay_config rc = relay_config();
  rc.acl_enabled = 1;
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&rc, &relay.h), WZP_OK);
  size_t added = 9, removed = 9;
  ASSERT_EQ(wzp_fc_acl_sync_relay(relay.h, "team", group, 4, &added, &removed), WZP_OK) << wzp_last_error();
  EXPECT_EQ(added, 4u);
  EXPECT_EQ(removed, 0u);
  uint16_t port = start(relay);
  ClientOwner in[4] = {join(port, "team", members[0].h), join(port, "team", members[1].h),
                       join(port, "team", members[2].h), join(port, "team", members[3].h)};
  EXPECT_EQ(participants(relay), 4u);

  ASSERT_EQ(wzp_fc_acl_sync_relay(relay.h, "team", group, 3, &added, &removed), WZP_OK);  // member 3 leaves
  EXPECT_EQ(added, 0u);
  EXPECT_EQ(removed, 1u);
  EXPECT_EQ(acl_evicted(relay), 1u);
  EXPECT_EQ(closed(in[3]).close_code, uint64_t{WZP_CLOSE_ACL_DENIED});
  EXPECT_EQ(participants(relay), 3u);
  expect_denied(attempt(port, "team", members[3].h), "is not allowed in room " + room_hash("team"));

  // A bad member refuses the whole sync, names it, and changes nothing.
  const char* bad[2] = {group[0], "nobody"};
  EXPECT_EQ(wzp_fc_acl_sync_relay(relay.h, "team", bad, 2, &added, &removed), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wzp_last_error()).find("fingerprints[1] 'nobody'"), std::string::npos)
      << wzp_last_error();
  EXPECT_EQ(participants(relay), 3u);
  EXPECT_EQ(wzp_fc_acl_sync_relay(relay.h, "team", nullptr, 1, nullptr, nullptr), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_acl_sync_relay(relay.h, nullptr, group, 1, nullptr, nullptr), WZP_ERR_INVALID_ARGUMENT);
  // An empty group: the room admits nobody.
  ASSERT_EQ(wzp_fc_acl_sync_relay(relay.h, "team", nullptr, 0, &added, &removed), WZP_OK);
  EXPECT_EQ(removed, 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(closed(in[i]).close_code, uint64_t{WZP_CLOSE_ACL_DENIED});
  EXPECT_EQ(acl_evicted(relay), 4u);
}

// The same over the relay's HTTP API, with its admin token.
TEST(CapiFcAcl, SyncHttpUsesTheAdminRoutes) {
  IdentityOwner alice = random_identity(), bob = random_identity();
  const std::string a = alice.fingerprint(), b = bob.fingerprint();
  const char* both[2] = {a.c_str(), b.c_str()};
  wzp_relay_config rc = relay_config();
  rc.acl_enabled = 1;
  rc.metrics_any_port = 1;
  rc.http_admin_token = "admin-secret";
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&rc, &relay.h), WZP_OK);
  uint16_t port = start(relay), http_port = 0;
  ASSERT_EQ(wzp_relay_http_port(relay.h, &http_port), WZP_OK);
  const std::string url = "http://127.0.0.1:" + std::to_string(http_port);

  char* error = reinterpret_cast<char*>(1);
  ASSERT_EQ(wzp_fc_acl_sync_http(url.c_str(), "admin-secret", "crew", both, 2, 5000, &error), WZP_OK)
      << wzp_last_error();
  EXPECT_EQ(error, nullptr);
  ClientOwner in = join(port, "crew", bob.h);
  ASSERT_EQ(wzp_fc_acl_sync_http((url + "/").c_str(), "admin-secret", "crew", both, 1, 5000, nullptr),
            WZP_OK);
  EXPECT_EQ(closed(in).close_code, uint64_t{WZP_CLOSE_ACL_DENIED});
  EXPECT_EQ(acl_evicted(relay), 1u);

  EXPECT_EQ(wzp_fc_acl_sync_http(url.c_str(), "wrong", "crew", both, 2, 5000, &error), WZP_ERR_AUTH_REJECTED);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("401"), std::string::npos) << error;
  EXPECT_EQ(std::string(error), wzp_last_error());
  wzp_free(error);
  EXPECT_EQ(wzp_fc_acl_sync_http("ftp://x", "t", "crew", both, 2, 5000, nullptr), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_acl_sync_http(url.c_str(), "admin-secret", "crew", both, 2, 0, nullptr),
            WZP_ERR_INVALID_ARGUMENT);
  expect_denied(attempt(port, "crew", bob.h), "is not allowed in room");

  // A relay without an admin token: 403.
  wzp_relay_config open_rc = relay_config();
  open_rc.metrics_any_port = 1;
  RelayOwner open_relay;
  ASSERT_EQ(wzp_relay_new(&open_rc, &open_relay.h), WZP_OK);
  start(open_relay);
  ASSERT_EQ(wzp_relay_http_port(open_relay.h, &http_port), WZP_OK);
  const std::string open_url = "http://127.0.0.1:" + std::to_string(http_port);
  EXPECT_EQ(wzp_fc_acl_sync_http(open_url.c_str(), "t", "crew", both, 2, 5000, &error),
            WZP_ERR_AUTH_REJECTED);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error).find("403"), std::string::npos) << error;
  wzp_free(error);
}

TEST(CapiAcl, AnEmptyAdminTokenIsRefused) {
  wzp_relay_config rc = relay_config();
  rc.http_admin_token = "";
  RelayOwner relay;
  EXPECT_EQ(wzp_relay_new(&rc, &relay.h), WZP_ERR_INVALID_ARGUMENT);
}

TEST(CapiAcl, FileEntriesAreValidatedWithLineNumbers) {
  IdentityOwner alice = random_identity();
  std::string path = ::testing::TempDir() + "wzp_capi_acl_test.txt";
  {
    std::ofstream out(path);
    out << "# staff\n"
        << room_hash("staff") << " " << alice.fingerprint() << "\nstaff " << alice.fingerprint() << "\n";
  }
  wzp_relay_config rc = relay_config();
  rc.acl_file = path.c_str();
  RelayOwner relay;
  EXPECT_EQ(wzp_relay_new(&rc, &relay.h), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wzp_last_error()).find("line 3: room 'staff' is neither"), std::string::npos)
      << wzp_last_error();
  {
    std::ofstream out(path);
    out << room_hash("staff") << " " << alice.fingerprint() << " nobody\n";
  }
  EXPECT_EQ(wzp_relay_new(&rc, &relay.h), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wzp_last_error()).find("line 1: fingerprint 'nobody' is not valid"),
            std::string::npos)
      << wzp_last_error();
  EXPECT_EQ(relay.h, nullptr);
}

}  // namespace
}  // namespace wzp_capi_test

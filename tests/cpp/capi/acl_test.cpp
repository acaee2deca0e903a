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

// Connects identity to room (no token) and waits for JOINED or CLOSED.
Outcome attempt(uint16_t port, const char* room, const wzp_identity* identity, int raw_room = 0) {
  wzp_client_config c;
  wzp_client_config_init(&c);
  c.relay_host = "127.0.0.1";
  c.relay_port = port;
  c.room = room;
  c.raw_room = raw_room;
  c.identity = identity;
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

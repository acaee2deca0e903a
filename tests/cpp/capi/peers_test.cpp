// The room extension through the C ABI: PEER_* events with their owned strings
// (alias included), the peer list calls, peer signals and their errors, and the
// relay's counters.
#include <chrono>
#include <cstring>
#include <string>

#include "capi_test.hpp"

namespace wzp_capi_test {
namespace {

constexpr int kWaitMs = 10'000;

using Relay = RelayOwner;
struct Client {
  wzp_client* h = nullptr;
  std::string fingerprint;
  ~Client() { wzp_client_free(h); }
};

uint16_t start(Relay& relay) { return start_loopback_relay(relay); }

void join(Client& client, uint16_t port, wzp_session_mode mode = WZP_SESSION_V2) {
  wzp_identity* id = nullptr;
  ASSERT_EQ(wzp_identity_new_random(&id), WZP_OK);
  char fp[WZP_FINGERPRINT_STR_LEN + 1];
  ASSERT_EQ(wzp_identity_fingerprint_str(id, fp, sizeof fp), WZP_OK);
  client.fingerprint = fp;
  wzp_client_config c = loopback_client_config(port, "capi-peers");
  c.identity = id;
  c.session_mode = mode;
  ASSERT_EQ(wzp_client_new(&c, &client.h), WZP_OK) << wzp_last_error();
  wzp_identity_free(id);
  ASSERT_EQ(wzp_client_connect(client.h), WZP_OK);
  ASSERT_EQ(wzp_client_wait_joined(client.h, kWaitMs), WZP_OK) << wzp_last_error();
}

// The next event of `type` (others are released and skipped).
bool next_of_type(wzp_client* c, wzp_event_type type, wzp_event* ev) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (std::chrono::steady_clock::now() < deadline) {
    if (wzp_client_next_event(c, ev, 100) != WZP_OK) continue;
    if (ev->type == type) return true;
    wzp_event_clear(ev);
  }
  return false;
}

std::string peers_json(const Client& c) {
  char* json = nullptr;
  EXPECT_EQ(wzp_client_peers_json(c.h, &json), WZP_OK) << wzp_last_error();
  std::string out = json ? json : "";
  wzp_free(json);
  return out;
}

TEST(CapiPeers, EventsListsAndSignals) {
  Relay relay;
  uint16_t port = start(relay);
  Client alice, bob;
  join(alice, port);
  size_t count = 99;
  ASSERT_EQ(wzp_client_peer_count(alice.h, &count), WZP_OK);
  EXPECT_EQ(count, 0u);
  join(bob, port);
  ASSERT_EQ(wzp_client_peer_count(bob.h, &count), WZP_OK);
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(peers_json(bob), R"([{"fingerprint":")" + alice.fingerprint + R"(","alias":null}])");

  wzp_event ev;
  wzp_event_init(&ev);
  ASSERT_TRUE(next_of_type(alice.h, WZP_EVENT_PEER_JOINED, &ev));
  ASSERT_NE(ev.fingerprint, nullptr);
  EXPECT_EQ(std::string(ev.fingerprint), bob.fingerprint);
  ASSERT_NE(ev.room, nullptr);
  EXPECT_EQ(ev.alias, nullptr);
  EXPECT_STREQ(wzp_event_type_name(ev.type), "PEER_JOINED");
  wzp_event_clear(&ev);

  const uint8_t payload[] = {0, 1, 2, 3};
  ASSERT_EQ(wzp_client_send_peer_signal(bob.h, alice.fingerprint.c_str(), payload, sizeof payload), WZP_OK)
      << wzp_last_error();
  ASSERT_TRUE(next_of_type(alice.h, WZP_EVENT_PEER_SIGNAL, &ev));
  ASSERT_EQ(ev.data_len, sizeof payload);
  EXPECT_EQ(std::memcmp(ev.data, payload, sizeof payload), 0);
  EXPECT_EQ(std::string(ev.fingerprint), bob.fingerprint);
  wzp_event_clear(&ev);

  Bytes large(WZP_MAX_PEER_SIGNAL_BYTES + 1);
  EXPECT_EQ(wzp_client_send_peer_signal(bob.h, nullptr, large.data(), large.size()), WZP_ERR_TOO_LARGE);
  EXPECT_EQ(wzp_client_send_peer_signal(bob.h, "0000:0000", payload, 1), WZP_ERR_NOT_FOUND);
  EXPECT_EQ(wzp_client_send_peer_signal(bob.h, nullptr, nullptr, 1), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_max_peer_signal_bytes(), size_t{WZP_MAX_PEER_SIGNAL_BYTES});

  ASSERT_EQ(wzp_client_hangup(bob.h, "Busy"), WZP_OK);
  ASSERT_TRUE(next_of_type(alice.h, WZP_EVENT_PEER_LEFT, &ev));
  EXPECT_EQ(std::string(ev.fingerprint), bob.fingerprint);
  EXPECT_EQ(ev.close_code, uint64_t{WZP_CLOSE_NORMAL});
  EXPECT_EQ(ev.close_origin, WZP_CLOSED_BY_PEER);
  ASSERT_NE(ev.close_reason, nullptr);
  EXPECT_STREQ(wzp_event_type_name(ev.type), "PEER_LEFT");
  wzp_event_clear(&ev);
  EXPECT_EQ(peers_json(alice), "[]");

  wzp_relay_stats stats;
  stats.struct_size = sizeof stats;
  ASSERT_EQ(wzp_relay_stats_get(relay.h, &stats), WZP_OK);
  EXPECT_EQ(stats.peer_signals_forwarded, 1u);
  EXPECT_EQ(stats.membership_messages_sent, 4u);  // two lists, one joined, one left
}

TEST(CapiPeers, ReferenceModeDoesNotOfferTheExtension) {
  Relay relay;
  uint16_t port = start(relay);
  Client quiet;
  join(quiet, port, WZP_SESSION_REFERENCE);
  size_t count = 0;
  EXPECT_EQ(wzp_client_peer_count(quiet.h, &count), WZP_ERR_INVALID_STATE);
  char* json = reinterpret_cast<char*>(1);
  EXPECT_EQ(wzp_client_peers_json(quiet.h, &json), WZP_ERR_INVALID_STATE);
  EXPECT_EQ(json, nullptr);
  const uint8_t one = 1;
  EXPECT_EQ(wzp_client_send_peer_signal(quiet.h, nullptr, &one, 1), WZP_ERR_INVALID_STATE);
  Client alice;
  join(alice, port);
  EXPECT_EQ(peers_json(alice), R"([{"fingerprint":")" + quiet.fingerprint + R"(","alias":null}])");
}

TEST(CapiPeers, NotJoinedIsInvalidState) {
  wzp_client_config c;
  wzp_client_config_init(&c);
  c.relay_host = "127.0.0.1";
  c.relay_port = 9;
  Client idle;
  ASSERT_EQ(wzp_client_new(&c, &idle.h), WZP_OK);
  size_t count = 0;
  EXPECT_EQ(wzp_client_peer_count(idle.h, &count), WZP_ERR_INVALID_STATE);
  EXPECT_EQ(wzp_client_peer_count(idle.h, nullptr), WZP_ERR_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace wzp_capi_test

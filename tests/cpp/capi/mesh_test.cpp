// Presence and the relay mesh through the C ABI: config fields, PRESENCE events,
// lookup / presence / peers / mesh JSON and the mesh counters in the stats.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "capi_test.hpp"

namespace wzp_capi_test {
namespace {

constexpr int kWaitMs = 20'000;

struct Identity {
  IdentityOwner owner;
  std::string fingerprint;
  explicit Identity(uint8_t fill) {
    uint8_t seed[WZP_SEED_BYTES];
    std::fill(std::begin(seed), std::end(seed), fill);
    EXPECT_EQ(wzp_identity_from_seed(seed, &owner.h), WZP_OK);
    char buf[WZP_FINGERPRINT_STR_LEN + 1];
    EXPECT_EQ(wzp_identity_fingerprint_str(owner.h, buf, sizeof buf), WZP_OK);
    fingerprint = buf;
  }
};

std::string take(char* text) {
  std::string out = text != nullptr ? text : "";
  wzp_free(text);
  return out;
}

nlohmann::json lookup(const RelayOwner& relay, const std::string& fp) {
  char* out = nullptr;
  EXPECT_EQ(wzp_relay_lookup(relay.h, fp.c_str(), &out), WZP_OK) << wzp_last_error();
  return nlohmann::json::parse(take(out));
}

template <class F>
nlohmann::json json_of(F call, const RelayOwner& relay) {
  char* out = nullptr;
  EXPECT_EQ(call(relay.h, &out), WZP_OK) << wzp_last_error();
  return nlohmann::json::parse(take(out));
}

template <class Predicate>
bool eventually(Predicate predicate) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

wzp_relay_stats stats_of(const RelayOwner& relay) {
  wzp_relay_stats s;
  wzp_relay_stats_init(&s);
  EXPECT_EQ(wzp_relay_stats_get(relay.h, &s), WZP_OK);
  return s;
}

// A relay on 127.0.0.1 (any port) with `identity`, listing `peers` (which must outlive it).
wzp_relay_config mesh_config(const Identity& identity, const char* const* peers, size_t count) {
  wzp_relay_config c;
  wzp_relay_config_init(&c);
  c.identity = identity.owner.h;
  c.listen_host = "127.0.0.1";
  c.listen_port = 0;
  c.mesh_peers = peers;
  c.mesh_peer_count = count;
  return c;
}

TEST(CapiMesh, ARelayProbingAnotherFindsItsUsersAndReportsTheMesh) {
  Identity a_id(0x5A), b_id(0x5B);
  // A: lists B as a mesh peer; probes nobody.
  const char* a_peers[] = {b_id.fingerprint.c_str()};
  auto a_config = mesh_config(a_id, a_peers, 1);
  EXPECT_EQ(a_config.presence_ttl_s, 30u);
  RelayOwner a;
  ASSERT_EQ(wzp_relay_new(&a_config, &a.h), WZP_OK) << wzp_last_error();
  // Not started: an empty relay's answers.
  EXPECT_EQ(json_of(wzp_relay_presence_json, a), nlohmann::json::array());
  EXPECT_EQ(lookup(a, "x"), (nlohmann::json{{"fingerprint", "x"}, {"location", nullptr}}));
  ASSERT_EQ(wzp_relay_start(a.h), WZP_OK) << wzp_last_error();
  uint16_t a_port = 0;
  ASSERT_EQ(wzp_relay_port(a.h, &a_port), WZP_OK);
  const std::string a_addr = "127.0.0.1:" + std::to_string(a_port);

  wzp_client_config cc;
  wzp_client_config_init(&cc);
  cc.relay_host = "127.0.0.1";
  cc.relay_port = a_port;
  ClientOwner user;
  ASSERT_EQ(wzp_client_new(&cc, &user.h), WZP_OK);
  ASSERT_EQ(wzp_client_connect(user.h), WZP_OK);
  ASSERT_EQ(wzp_client_wait_joined(user.h, kWaitMs), WZP_OK) << wzp_last_error();
  std::string user_fp;
  {
    wzp_event ev;
    wzp_event_init(&ev);
    while (user_fp.empty() && wzp_relay_next_event(a.h, &ev, kWaitMs) == WZP_OK) {
      if (ev.type == WZP_EVENT_PRESENCE && ev.online == 1 && ev.relay_addr == nullptr)
        user_fp = ev.fingerprint;
      wzp_event_clear(&ev);
    }
  }
  ASSERT_FALSE(user_fp.empty());
  EXPECT_EQ(lookup(a, user_fp)["location"], "Local");

  // B probes A and lists it.
  const char* b_peers[] = {a_id.fingerprint.c_str()};
  auto b_config = mesh_config(b_id, b_peers, 1);
  std::string target = "wzp:" + a_addr;
  const char* targets[] = {target.c_str()};
  b_config.probe_targets = targets;
  b_config.probe_target_count = 1;
  b_config.presence_ttl_s = 60;
  RelayOwner b;
  ASSERT_EQ(wzp_relay_new(&b_config, &b.h), WZP_OK) << wzp_last_error();
  ASSERT_EQ(wzp_relay_start(b.h), WZP_OK) << wzp_last_error();

  EXPECT_TRUE(eventually([&] {
    return lookup(b, user_fp)["location"] == nlohmann::json{{"Remote", a_addr}};
  }));
  wzp_event ev;
  wzp_event_init(&ev);
  bool heard = false;
  while (!heard && wzp_relay_next_event(b.h, &ev, kWaitMs) == WZP_OK) {
    heard = ev.type == WZP_EVENT_PRESENCE && ev.online == 1 && ev.relay_addr != nullptr &&
            ev.relay_addr == a_addr && ev.fingerprint == user_fp;
    wzp_event_clear(&ev);
  }
  EXPECT_TRUE(heard);

  auto presence = json_of(wzp_relay_presence_json, b);
  ASSERT_EQ(presence.size(), 1u);
  EXPECT_EQ(presence[0]["fingerprint"], user_fp);
  auto peers = json_of(wzp_relay_peers_json, b);
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0]["addr"], a_addr);
  EXPECT_EQ(peers[0]["fingerprints"], nlohmann::json::array({user_fp}));
  auto mesh = json_of(wzp_relay_mesh_json, b);
  ASSERT_EQ(mesh.size(), 1u);
  EXPECT_EQ(mesh[0]["target"], a_addr);
  EXPECT_EQ(mesh[0]["kind"], "libwzp");
  EXPECT_EQ(mesh[0]["peer_fingerprint"], a_id.fingerprint);
  EXPECT_TRUE(eventually([&] { return json_of(wzp_relay_mesh_json, b)[0]["up"] == true; }));
  EXPECT_EQ(json_of(wzp_relay_mesh_json, a), nlohmann::json::array());

  auto bs = stats_of(b);
  EXPECT_EQ(bs.presence_remote, 1u);
  EXPECT_EQ(bs.presence_peers, 1u);
  EXPECT_GT(bs.gossip_in, 0u);
  EXPECT_GT(bs.gossip_out, 0u);
  EXPECT_GT(bs.probe_pings_sent, 0u);
  EXPECT_EQ(bs.mesh_auth_ok, 1u);
  auto as = stats_of(a);
  EXPECT_EQ(as.presence_local, 1u);
  EXPECT_EQ(as.mesh_auth_ok, 1u);
  EXPECT_GT(as.probe_pongs_sent, 0u);
  EXPECT_EQ(as.gossip_refused_unauthenticated, 0u);
}

TEST(CapiMesh, BadMeshConfigIsRefused) {
  wzp_relay_config c;
  wzp_relay_config_init(&c);
  c.listen_host = "127.0.0.1";
  c.listen_port = 0;
  c.probe_target_count = 1;  // and no array
  RelayOwner r;
  EXPECT_EQ(wzp_relay_new(&c, &r.h), WZP_ERR_INVALID_ARGUMENT);
  const char* targets[] = {"somewhere"};
  c.probe_targets = targets;
  ASSERT_EQ(wzp_relay_new(&c, &r.h), WZP_OK);
  EXPECT_EQ(wzp_relay_start(r.h), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wzp_last_error()).find("somewhere"), std::string::npos);
  char* out = nullptr;
  EXPECT_EQ(wzp_relay_lookup(r.h, nullptr, &out), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(wzp_relay_mesh_json(nullptr, &out), WZP_ERR_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace wzp_capi_test

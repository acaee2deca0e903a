// The standalone presence registry through the C ABI (wzp_presence_*): results,
// JSON shapes, bounds, expiry and bad arguments.
#include <thread>

#include "capi/capi_test.hpp"

namespace wzp_capi_test {
namespace {

using Presence = std::unique_ptr<wzp_presence, Deleter<wzp_presence, wzp_presence_free>>;

Presence make_presence(const wzp_presence_config* config = nullptr) {
  wzp_presence* p = nullptr;
  EXPECT_EQ(wzp_presence_new(config, &p), WZP_OK);
  return Presence(p);
}

std::string lookup(const Presence& p, const char* fp) {
  char* out = nullptr;
  EXPECT_EQ(wzp_presence_lookup(p.get(), fp, &out), WZP_OK);
  return take_string(out);
}

Json list(const Presence& p) {
  char* out = nullptr;
  EXPECT_EQ(wzp_presence_list_json(p.get(), &out), WZP_OK);
  return Json::parse(take_string(out));
}

Json peers(const Presence& p) {
  char* out = nullptr;
  EXPECT_EQ(wzp_presence_peers_json(p.get(), &out), WZP_OK);
  return Json::parse(take_string(out));
}

TEST(CapiPresence, LocalUsersAndTheirConnections) {
  auto p = make_presence();
  EXPECT_EQ(lookup(p, "aa:bb"), R"({"fingerprint":"aa:bb","location":null})");
  EXPECT_EQ(wzp_presence_register_local(p.get(), "aa:bb", 1, "alice", "room"), 1);
  EXPECT_EQ(wzp_presence_register_local(p.get(), "aa:bb", 2, nullptr, nullptr), 0);
  EXPECT_EQ(lookup(p, "aa:bb"), "{\n  \"fingerprint\": \"aa:bb\",\n  \"location\": \"Local\"\n}");
  EXPECT_EQ(wzp_presence_unregister_local(p.get(), "aa:bb", 1), 0);  // still on connection 2
  EXPECT_EQ(Json::parse(lookup(p, "aa:bb"))["location"], "Local");
  EXPECT_EQ(wzp_presence_unregister_local(p.get(), "aa:bb", 7), 0);
  EXPECT_EQ(wzp_presence_unregister_local(p.get(), "aa:bb", 2), 1);
  EXPECT_EQ(Json::parse(lookup(p, "aa:bb"))["location"], nullptr);
  EXPECT_EQ(wzp_presence_unregister_local(p.get(), "aa:bb", 2), 0);
}

TEST(CapiPresence, PeersListAndExpiry) {
  auto p = make_presence();
  const char* fps[] = {"u1", "u2", "u1"};
  ASSERT_EQ(wzp_presence_update_peer(p.get(), "10.0.0.2:4433", fps, 3), WZP_OK);
  ASSERT_EQ(wzp_presence_register_local(p.get(), "me", 1, nullptr, nullptr), 1);
  EXPECT_EQ(list(p), Json::parse(R"([{"fingerprint":"me","location":"Local"},
      {"fingerprint":"u1","location":{"Remote":"10.0.0.2:4433"}},
      {"fingerprint":"u2","location":{"Remote":"10.0.0.2:4433"}}])"));
  EXPECT_EQ(peers(p), Json::parse(R"([{"addr":"10.0.0.2:4433","fingerprints":["u1","u2"],"rtt_ms":null}])"));
  size_t local = 9, remote = 9, npeers = 9;
  ASSERT_EQ(wzp_presence_counts(p.get(), &local, &remote, &npeers), WZP_OK);
  EXPECT_EQ(local, 1u);
  EXPECT_EQ(remote, 2u);
  EXPECT_EQ(npeers, 1u);
  EXPECT_EQ(wzp_presence_counts(p.get(), nullptr, nullptr, nullptr), WZP_OK);

  // Not yet stale: a generous ttl keeps everything; then the peer goes quiet.
  size_t expired = 9;
  ASSERT_EQ(wzp_presence_expire(p.get(), 3'600'000, &expired), WZP_OK);
  EXPECT_EQ(expired, 0u);
  // Poll: ttl 0 expires whatever was refreshed before now.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  size_t total = 0;
  while (total < 2 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(wzp_presence_expire(p.get(), 0, &expired), WZP_OK);
    total += expired;
    if (total < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(total, 2u);
  EXPECT_EQ(list(p), Json::parse(R"([{"fingerprint":"me","location":"Local"}])"));
  EXPECT_EQ(peers(p), Json::array());
  EXPECT_EQ(wzp_presence_expire(p.get(), 0, nullptr), WZP_OK);

  // An empty report and removal.
  ASSERT_EQ(wzp_presence_update_peer(p.get(), "x:1", nullptr, 0), WZP_OK);
  EXPECT_EQ(peers(p)[0]["fingerprints"], Json::array());
  ASSERT_EQ(wzp_presence_remove_peer(p.get(), "x:1"), WZP_OK);
  ASSERT_EQ(wzp_presence_remove_peer(p.get(), "never:1"), WZP_OK);
  EXPECT_EQ(peers(p), Json::array());
}

TEST(CapiPresence, BoundsRefuseWithTooLarge) {
  wzp_presence_config cfg;
  wzp_presence_config_init(&cfg);
  EXPECT_EQ(cfg.max_local, 100000u);
  EXPECT_EQ(cfg.max_remote, 1000000u);
  EXPECT_EQ(cfg.max_peers, 1024u);
  cfg.max_local = 1;
  cfg.max_remote = 2;
  cfg.max_peers = 1;
  auto p = make_presence(&cfg);
  ASSERT_EQ(wzp_presence_register_local(p.get(), "a", 1, nullptr, nullptr), 1);
  EXPECT_EQ(wzp_presence_register_local(p.get(), "b", 2, nullptr, nullptr), WZP_ERR_TOO_LARGE);
  EXPECT_NE(std::string(wzp_last_error()).find("max_local"), std::string::npos);
  const char* three[] = {"x", "y", "z"};
  EXPECT_EQ(wzp_presence_update_peer(p.get(), "p:1", three, 3), WZP_ERR_TOO_LARGE);
  EXPECT_EQ(wzp_presence_update_peer(p.get(), "p:1", three, 2), WZP_OK);
  EXPECT_EQ(wzp_presence_update_peer(p.get(), "q:1", three, 1), WZP_ERR_TOO_LARGE);  // max_peers
  EXPECT_EQ(Json::parse(lookup(p, "y"))["location"], Json::parse(R"({"Remote":"p:1"})"));
  EXPECT_EQ(Json::parse(lookup(p, "b"))["location"], nullptr);
}

TEST(CapiPresence, BadArguments) {
  EXPECT_EQ(wzp_presence_new(nullptr, nullptr), WZP_ERR_INVALID_ARGUMENT);
  wzp_presence_config unset{};
  wzp_presence* raw = reinterpret_cast<wzp_presence*>(1);
  EXPECT_EQ(wzp_presence_new(&unset, &raw), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(raw, nullptr);
  EXPECT_NE(std::string(wzp_last_error()).find("struct_size"), std::string::npos);
  // An older caller's struct with only struct_size: the defaults apply.
  wzp_presence_config tiny{};
  tiny.struct_size = sizeof(size_t);
  auto p = make_presence(&tiny);
  ASSERT_NE(p, nullptr);

  EXPECT_EQ(wzp_presence_register_local(nullptr, "a", 1, nullptr, nullptr), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_presence_register_local(p.get(), nullptr, 1, nullptr, nullptr), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_presence_register_local(p.get(), "", 1, nullptr, nullptr), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_presence_unregister_local(p.get(), nullptr, 1), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_presence_update_peer(p.get(), nullptr, nullptr, 0), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_presence_update_peer(p.get(), "", nullptr, 0), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_presence_update_peer(p.get(), "p:1", nullptr, 2), WZP_ERR_INVALID_ARGUMENT);
  const char* with_null[] = {"a", nullptr};
  EXPECT_EQ(wzp_presence_update_peer(p.get(), "p:1", with_null, 2), WZP_ERR_INVALID_ARGUMENT);
  const char* with_empty[] = {"a", ""};
  EXPECT_EQ(wzp_presence_update_peer(p.get(), "p:1", with_empty, 2), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(Json::parse(lookup(p, "a"))["location"], nullptr);  // refused reports changed nothing
  EXPECT_EQ(wzp_presence_remove_peer(p.get(), nullptr), WZP_ERR_INVALID_ARGUMENT);
  char* out = reinterpret_cast<char*>(1);
  EXPECT_EQ(wzp_presence_lookup(p.get(), nullptr, &out), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(wzp_presence_lookup(p.get(), "a", nullptr), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_presence_list_json(nullptr, &out), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_presence_peers_json(nullptr, &out), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_presence_expire(nullptr, 0, nullptr), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_presence_counts(nullptr, nullptr, nullptr, nullptr), WZP_ERR_INVALID_ARGUMENT);
  wzp_presence_config_init_sized(nullptr, sizeof(wzp_presence_config));  // ignored
  wzp_presence_free(nullptr);
}

TEST(CapiPresence, ManyThreadsAtOnce) {
  auto p = make_presence();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&p, t] {
      const std::string peer = std::string("peer:") + char('0' + t);
      for (int i = 0; i < 200; ++i) {
        const std::string fp = std::string("u") + char('a' + i % 5);
        const char* fps[] = {fp.c_str()};
        const uint64_t conn = static_cast<uint64_t>(t) * 1000 + static_cast<uint64_t>(i);
        EXPECT_GE(wzp_presence_register_local(p.get(), fp.c_str(), conn, nullptr, nullptr), 0);
        EXPECT_EQ(wzp_presence_update_peer(p.get(), peer.c_str(), fps, 1), WZP_OK);
        char* out = nullptr;
        EXPECT_EQ(wzp_presence_list_json(p.get(), &out), WZP_OK);
        wzp_free(out);
        EXPECT_GE(wzp_presence_unregister_local(p.get(), fp.c_str(), conn), 0);
      }
      EXPECT_EQ(wzp_presence_remove_peer(p.get(), peer.c_str()), WZP_OK);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(list(p), Json::array());
}

TEST(CapiPresence, RelayRefusesABadRedisUrl) {
  for (const char* url : {"redis//127.0.0.1:6379", "tcp://127.0.0.1:6379", "redis://127.0.0.1:port"}) {
    wzp_relay_config rc;
    wzp_relay_config_init(&rc);
    rc.listen_host = "127.0.0.1";
    rc.listen_port = 0;
    rc.presence_redis = url;
    wzp_relay* relay = reinterpret_cast<wzp_relay*>(1);
    EXPECT_EQ(wzp_relay_new(&rc, &relay), WZP_ERR_INVALID_ARGUMENT) << url;
    EXPECT_EQ(relay, nullptr);
    EXPECT_NE(std::string(wzp_last_error()).find("Redis URL"), std::string::npos) << wzp_last_error();
  }
  // A well-formed URL is accepted even with nothing listening: the relay retries in the background.
  wzp_relay_config rc;
  wzp_relay_config_init(&rc);
  EXPECT_EQ(rc.presence_redis, nullptr);
  rc.listen_host = "127.0.0.1";
  rc.listen_port = 0;
  rc.presence_redis = "redis://127.0.0.1:1/2";
  wzp_relay* relay = nullptr;
  ASSERT_EQ(wzp_relay_new(&rc, &relay), WZP_OK) << wzp_last_error();
  EXPECT_EQ(wzp_relay_start(relay), WZP_OK) << wzp_last_error();
  wzp_relay_free(relay);
}

}  // namespace
}  // namespace wzp_capi_test

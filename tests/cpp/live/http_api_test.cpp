// The relay's HTTP API over a real mesh on loopback: /presence, /presence/{fp},
// /peers, /mesh and /metrics answer from the presence registry and the probe
// links (the routes' shapes, errors and tokens are checked from Python too).
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "live/live_harness.hpp"

namespace wzp::live_testing {
namespace {

struct Http {
  httplib::Client client;
  explicit Http(uint16_t port) : client("127.0.0.1", port) {
    client.set_connection_timeout(5);
    client.set_read_timeout(5);
  }
  std::string get(const std::string& path, int expected_status = 200) {
    auto res = client.Get(path.c_str());
    EXPECT_TRUE(res) << path;
    if (!res) return {};
    EXPECT_EQ(res->status, expected_status) << path << ": " << res->body;
    return res->body;
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(HttpApi, AnswersFromTheMeshPresenceAndProbes) {
  const auto a_identity = identity_from(0xA7);
  // B: the probed relay, which tells A about its users.
  auto b_config = relay_config();
  b_config.mesh_peers.push_back(a_identity.fingerprint().to_display());
  auto b = TestRelay::start(b_config);
  ASSERT_TRUE(b);
  const std::string b_addr = b->server->address();

  // A: probes B, serves HTTP on a free port.
  auto a_config = relay_config();
  a_config.identity = a_identity;
  a_config.probe_targets.push_back(b_addr);
  a_config.mesh_peers.push_back(b->server->identity().fingerprint().to_display());
  a_config.probe_interval_ms = 100;
  a_config.gossip_every_pings = 2;
  a_config.metrics_port = uint16_t{0};
  auto a = TestRelay::start(a_config);
  ASSERT_TRUE(a);
  ASSERT_NE(a->server->http_port(), 0);
  Http http(a->server->http_port());

  auto on_b = TestClient::join(client_config(*b));
  auto on_a = TestClient::join(client_config(*a));
  ASSERT_TRUE(on_a && on_b);
  const std::string remote_fp = on_b->display_fingerprint;
  const std::string local_fp = on_a->display_fingerprint;
  ASSERT_TRUE(eventually([&] { return contains(http.get("/presence"), remote_fp); }));

  // /presence: the local user as "Local", the remote one under B's address (pretty JSON).
  auto presence = nlohmann::json::parse(http.get("/presence"));
  EXPECT_EQ(presence, nlohmann::json::parse(R"([{"fingerprint":")" + local_fp +
                                            R"(","location":"Local"},{"fingerprint":")" + remote_fp +
                                            R"(","location":{"Remote":")" + b_addr + R"("}}])"));
  EXPECT_TRUE(contains(http.get("/presence"), "\n  {\n    \"fingerprint\": "));

  // /presence/{fp}: colons literal or percent-encoded.
  std::string encoded = remote_fp;
  for (size_t i = 0; (i = encoded.find(':', i)) != std::string::npos;) encoded.replace(i, 1, "%3A");
  const std::string found = "{\n  \"fingerprint\": \"" + remote_fp +
                            "\",\n  \"location\": {\n    \"Remote\": \"" + b_addr + "\"\n  }\n}";
  EXPECT_EQ(http.get("/presence/" + remote_fp), found);
  EXPECT_EQ(http.get("/presence/" + encoded), found);
  EXPECT_EQ(http.get("/presence/" + local_fp),
            "{\n  \"fingerprint\": \"" + local_fp + "\",\n  \"location\": \"Local\"\n}");

  // /peers: B's record with its user.
  auto peers = nlohmann::json::parse(http.get("/peers"));
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_EQ(peers[0]["addr"], b_addr);
  EXPECT_EQ(peers[0]["fingerprints"], nlohmann::json::array({remote_fp}));

  // /mesh: B's row, up.
  const std::string mesh = http.get("/mesh");
  EXPECT_TRUE(contains(mesh, "\n" + b_addr)) << mesh;
  EXPECT_TRUE(contains(mesh, "  UP\n")) << mesh;
  EXPECT_FALSE(contains(mesh, "no probe targets")) << mesh;

  // /metrics: the probe gauges and the presence and gossip counters.
  const std::string metrics = http.get("/metrics");
  EXPECT_TRUE(contains(metrics, "\nwzp_probe_up{target=\"" + b_addr + "\"} 1\n")) << metrics;
  EXPECT_TRUE(contains(metrics, "\nwzp_relay_presence_entries{location=\"local\"} 1\n")) << metrics;
  EXPECT_TRUE(contains(metrics, "\nwzp_relay_presence_entries{location=\"remote\"} 1\n")) << metrics;
  EXPECT_TRUE(contains(metrics, "\nwzp_relay_presence_peers 1\n")) << metrics;
  EXPECT_FALSE(contains(metrics, "\nwzp_relay_gossip_messages_in_total 0\n")) << metrics;
  EXPECT_FALSE(contains(metrics, "\nwzp_relay_gossip_messages_out_total 0\n")) << metrics;

  // B goes away: its row turns DOWN.
  b->server->stop();
  EXPECT_TRUE(eventually([&] { return contains(http.get("/mesh"), "  DOWN\n"); }));
  EXPECT_TRUE(eventually(
      [&] { return contains(http.get("/metrics"), "wzp_probe_up{target=\"" + b_addr + "\"} 0\n"); }));
}

TEST(HttpApi, ATakenPortFailsTheRelayStartWithAClearError) {
  auto first_config = relay_config();
  first_config.metrics_port = uint16_t{0};
  auto first = TestRelay::start(first_config);
  ASSERT_TRUE(first);
  auto config = relay_config();
  config.metrics_port = first->server->http_port();
  auto second = relay::RelayServer::start(config, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::io);
  EXPECT_TRUE(contains(second.error().message, "cannot serve the HTTP API on 127.0.0.1:" +
                                                   std::to_string(first->server->http_port())))
      << second.error().message;
}

}  // namespace
}  // namespace wzp::live_testing

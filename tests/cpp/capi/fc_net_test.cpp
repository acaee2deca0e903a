// featherChat presence and relay choice through the C ABI: relay-config parsed and fetched
// over real HTTP (good, missing, malformed, token, timeout, too large, unreachable), presence
// through a real relay's HTTP API (a client connects: ONLINE, leaves: OFFLINE; the token),
// an unreachable source backing off, in-process relays and registries, and choose_relay.
#include <httplib.h>

#include <chrono>
#include <thread>

#include "capi/capi_test.hpp"
#include "common/auth_stand_in.hpp"

namespace wzp_capi_test {
namespace {

constexpr int kWaitMs = 10'000;

using FcPresence = std::unique_ptr<wzp_fc_presence, Deleter<wzp_fc_presence, wzp_fc_presence_free>>;
using Registry = std::unique_ptr<wzp_presence, Deleter<wzp_presence, wzp_presence_free>>;

// A featherChat stand-in serving GET /v1/wzp/relay-config with what the test sets.
class ConfigServer {
 public:
  ConfigServer() {
    server_.Get("/v1/wzp/relay-config", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      if (!token_.empty() && req.get_header_value("Authorization") != "Bearer " + token_) {
        res.status = 401;
        return;
      }
      if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_));
      res.status = status_;
      res.set_content(body_, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~ConfigServer() {
    while (!server_.is_running()) std::this_thread::yield();
    server_.stop();
    thread_.join();
  }
  void answer(int status, std::string body, std::string token = {}, int delay_ms = 0) {
    std::lock_guard lock(mutex_);
    status_ = status;
    body_ = std::move(body);
    token_ = std::move(token);
    delay_ms_ = delay_ms;
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/wzp/relay-config"; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  int status_ = 200;
  std::string body_;
  std::string token_;
  int delay_ms_ = 0;
};

int fetch(const ConfigServer& s, const char* token, std::string* json = nullptr, std::string* relay = nullptr,
          uint32_t timeout_ms = 3000) {
  char* out = nullptr;
  char buf[262];
  int rc = wzp_fc_relay_config_fetch(s.url().c_str(), token, timeout_ms, &out, buf, sizeof buf);
  if (rc == WZP_OK) {
    if (json) *json = out;
    if (relay) *relay = buf;
  } else {
    EXPECT_EQ(out, nullptr);
  }
  wzp_free(out);
  return rc;
}

TEST(CapiFcNet, RelayConfigParse) {
  const std::string good =
      R"({"relay_addr":"relay.example:4433","web_bridge_url":"wss://relay.example:8443/ws/"})";
  char* out = nullptr;
  char relay[262];
  ASSERT_EQ(wzp_fc_relay_config_parse(good.data(), good.size(), &out, relay, sizeof relay), WZP_OK);
  EXPECT_STREQ(relay, "relay.example:4433");
  EXPECT_EQ(
      Json::parse(take_string(out)),
      Json::parse(
          R"({"relay_addr":"relay.example:4433","relays":[],"web_bridge_url":"wss://relay.example:8443/ws/"})"));
  char tiny[4];
  EXPECT_EQ(wzp_fc_relay_config_parse(good.data(), good.size(), &out, tiny, sizeof tiny),
            WZP_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(out, nullptr);
  ASSERT_EQ(wzp_fc_relay_config_parse(good.data(), good.size(), &out, nullptr, 0), WZP_OK);
  wzp_free(out);
  const std::string bad = R"({"relay_addr":"relay.example"})";
  EXPECT_EQ(wzp_fc_relay_config_parse(bad.data(), bad.size(), &out, relay, sizeof relay), WZP_ERR_MALFORMED);
  EXPECT_NE(std::string(wzp_last_error()).find("\"relay_addr\""), std::string::npos) << wzp_last_error();
  EXPECT_EQ(wzp_fc_relay_config_parse(nullptr, 0, &out, relay, sizeof relay), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_relay_config_parse(good.data(), good.size(), nullptr, relay, sizeof relay),
            WZP_ERR_INVALID_ARGUMENT);
}

TEST(CapiFcNet, RelayConfigFetchOverHttp) {
  ConfigServer fc;
  std::string json, relay;
  fc.answer(200, R"({"relay_addr":"10.1.2.3:4433","relays":["10.1.2.4:4433"]})");
  ASSERT_EQ(fetch(fc, nullptr, &json, &relay), WZP_OK) << wzp_last_error();
  EXPECT_EQ(relay, "10.1.2.3:4433");
  EXPECT_EQ(Json::parse(json)["relays"], Json::parse(R"(["10.1.2.4:4433"])"));

  fc.answer(404, "");
  EXPECT_EQ(fetch(fc, nullptr), WZP_ERR_NOT_FOUND);
  EXPECT_NE(std::string(wzp_last_error()).find("404"), std::string::npos) << wzp_last_error();
  fc.answer(200, "<html>oops</html>");
  EXPECT_EQ(fetch(fc, nullptr), WZP_ERR_MALFORMED);
  EXPECT_NE(std::string(wzp_last_error()).find("not JSON"), std::string::npos) << wzp_last_error();
  fc.answer(200, R"({"web_bridge_url":"wss://x/ws"})");
  EXPECT_EQ(fetch(fc, nullptr), WZP_ERR_MALFORMED);
  EXPECT_NE(std::string(wzp_last_error()).find("\"relay_addr\" is missing"), std::string::npos)
      << wzp_last_error();
  fc.answer(500, "");
  EXPECT_EQ(fetch(fc, nullptr), WZP_ERR_IO);

  fc.answer(200, R"({"relay_addr":"r:1"})", "svc-token");
  EXPECT_EQ(fetch(fc, nullptr), WZP_ERR_AUTH_REJECTED);
  EXPECT_EQ(fetch(fc, "wrong"), WZP_ERR_AUTH_REJECTED);
  ASSERT_EQ(fetch(fc, "svc-token", nullptr, &relay), WZP_OK);
  EXPECT_EQ(relay, "r:1");

  fc.answer(200, R"({"relay_addr":"r:1","pad":")" + std::string(70 * 1024, 'x') + "\"}");
  EXPECT_EQ(fetch(fc, nullptr), WZP_ERR_TOO_LARGE);
  fc.answer(200, R"({"relay_addr":"r:1"})", {}, 1500);
  EXPECT_EQ(fetch(fc, nullptr, nullptr, nullptr, 300), WZP_ERR_TIMEOUT);

  char* out = nullptr;
  char buf[64];
  EXPECT_EQ(wzp_fc_relay_config_fetch("http://127.0.0.1:1/v1/wzp/relay-config", nullptr, 2000, &out, buf,
                                      sizeof buf),
            WZP_ERR_IO);
  EXPECT_NE(std::string(wzp_last_error()).find("unreachable"), std::string::npos) << wzp_last_error();
  EXPECT_EQ(wzp_fc_relay_config_fetch("file:///etc/passwd", nullptr, 0, &out, buf, sizeof buf),
            WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_relay_config_fetch(nullptr, nullptr, 0, &out, buf, sizeof buf), WZP_ERR_INVALID_ARGUMENT);
}

FcPresence make_presence(uint32_t interval_ms = 50, uint32_t backoff_max_ms = 400) {
  wzp_fc_presence_config c;
  wzp_fc_presence_config_init(&c);
  EXPECT_EQ(c.poll_interval_ms, 1000u);
  EXPECT_EQ(c.event_queue_capacity, 1024u);
  c.poll_interval_ms = interval_ms;
  c.backoff_max_ms = backoff_max_ms;
  c.http_timeout_ms = 2000;
  wzp_fc_presence* p = nullptr;
  EXPECT_EQ(wzp_fc_presence_new(&c, &p), WZP_OK) << wzp_last_error();
  return FcPresence(p);
}

wzp_fc_presence_stats stats_of(const FcPresence& p) {
  wzp_fc_presence_stats s;
  wzp_fc_presence_stats_init(&s);
  EXPECT_EQ(wzp_fc_presence_stats_get(p.get(), &s), WZP_OK);
  return s;
}

TEST(CapiFcNet, PresenceThroughARelaysHttpApi) {
  wzp::test_support::AuthStandIn auth;  // outlives the relay
  IdentityOwner alice;
  ASSERT_EQ(wzp_identity_new_random(&alice.h), WZP_OK);
  const std::string alice_fp = alice.fingerprint();
  auth.set("tok-alice", wzp::test_support::AuthStandIn::valid(alice_fp));

  wzp_relay_config rc;
  wzp_relay_config_init(&rc);
  const std::string auth_url = auth.url();
  rc.auth_url = auth_url.c_str();
  rc.metrics_any_port = 1;
  rc.http_token = "ops-secret";
  RelayOwner relay;
  const uint16_t port = start_loopback_relay(relay, &rc);
  uint16_t http_port = 0;
  ASSERT_EQ(wzp_relay_http_port(relay.h, &http_port), WZP_OK);
  const std::string base = "http://127.0.0.1:" + std::to_string(http_port);
  const std::string relay_addr = "127.0.0.1:" + std::to_string(port);

  auto p = make_presence();
  ASSERT_EQ(wzp_fc_presence_add_http(p.get(), base.c_str(), "ops-secret", relay_addr.c_str()), WZP_OK)
      << wzp_last_error();
  ASSERT_EQ(wzp_fc_presence_add_http(p.get(), base.c_str(), nullptr, "127.0.0.1:9"), WZP_OK);  // no token
  ASSERT_EQ(wzp_fc_presence_watch(p.get(), alice_fp.c_str()), WZP_OK);
  EXPECT_GE(wzp_fc_presence_event_fd(p.get()), 0);
  char where[262];
  char source[128];
  EXPECT_EQ(wzp_fc_presence_lookup(p.get(), alice_fp.c_str(), where, sizeof where, source, sizeof source),
            WZP_ERR_NOT_FOUND);
  ASSERT_EQ(wzp_fc_presence_start(p.get()), WZP_OK);
  ASSERT_EQ(wzp_fc_presence_start(p.get()), WZP_OK);

  wzp_fc_presence_event ev;
  wzp_fc_presence_event_init(&ev);
  {
    auto cc = loopback_client_config(port, "fc-net");
    cc.identity = alice.h;
    cc.token = "tok-alice";
    ClientOwner client;
    ASSERT_EQ(wzp_client_new(&cc, &client.h), WZP_OK) << wzp_last_error();
    ASSERT_EQ(wzp_client_connect(client.h), WZP_OK);
    ASSERT_EQ(wzp_client_wait_joined(client.h, kWaitMs), WZP_OK) << wzp_last_error();

    ASSERT_EQ(wzp_fc_presence_next_event(p.get(), &ev, kWaitMs), WZP_OK) << wzp_last_error();
    EXPECT_EQ(ev.type, WZP_FC_PRESENCE_ONLINE);
    EXPECT_STREQ(wzp_fc_presence_event_type_name(ev.type), "ONLINE");
    EXPECT_EQ(std::string(ev.fingerprint), alice_fp);
    EXPECT_EQ(std::string(ev.relay_addr), relay_addr);
    EXPECT_EQ(std::string(ev.source), base);
    EXPECT_GT(ev.time_ms, 0);

    ASSERT_EQ(wzp_fc_presence_lookup(p.get(), alice_fp.c_str(), where, sizeof where, source, sizeof source),
              WZP_OK)
        << wzp_last_error();
    EXPECT_EQ(std::string(where), relay_addr);
    EXPECT_EQ(std::string(source), base);
  }  // the client leaves
  ASSERT_EQ(wzp_fc_presence_next_event(p.get(), &ev, kWaitMs), WZP_OK) << wzp_last_error();
  EXPECT_EQ(ev.type, WZP_FC_PRESENCE_OFFLINE);
  EXPECT_EQ(std::string(ev.fingerprint), alice_fp);
  EXPECT_EQ(std::string(ev.relay_addr), relay_addr);
  wzp_fc_presence_event_clear(&ev);
  EXPECT_EQ(ev.fingerprint, nullptr);
  EXPECT_EQ(wzp_fc_presence_next_event(p.get(), &ev, 0), WZP_ERR_WOULD_BLOCK);

  // The source without the relay's token is refused every time: counted, and named.
  const auto s = stats_of(p);
  EXPECT_GE(s.failures, 1u);
  EXPECT_GE(s.polls, s.failures + 2);
  EXPECT_EQ(s.events, 2u);
  EXPECT_EQ(s.sources, 2u);
  EXPECT_EQ(s.watched, 1u);
  EXPECT_EQ(s.online, 0u);
  char* json = nullptr;
  ASSERT_EQ(wzp_fc_presence_sources_json(p.get(), &json), WZP_OK);
  const Json sources = Json::parse(take_string(json));
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0]["up"], true);
  EXPECT_EQ(sources[0]["kind"], "http");
  EXPECT_EQ(sources[1]["up"], false);
  EXPECT_NE(sources[1]["last_error"].get<std::string>().find("401"), std::string::npos) << sources[1];
}

TEST(CapiFcNet, AnUnreachableSourceBacksOffAndIsCounted) {
  auto p = make_presence(20, 160);
  ASSERT_EQ(wzp_fc_presence_add_http(p.get(), "http://127.0.0.1:1", nullptr, "127.0.0.1:4433"), WZP_OK);
  ASSERT_EQ(wzp_fc_presence_start(p.get()), WZP_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  const auto s = stats_of(p);
  // Without backoff about 40 polls would have failed; with it (20, 40, 80, 160, 160, ... ms) a handful.
  EXPECT_GE(s.failures, 3u);
  EXPECT_LE(s.failures, 12u);
  EXPECT_EQ(s.polls, s.failures);
  char* json = nullptr;
  ASSERT_EQ(wzp_fc_presence_sources_json(p.get(), &json), WZP_OK);
  const Json sources = Json::parse(take_string(json));
  EXPECT_EQ(sources[0]["up"], false);
  EXPECT_GE(sources[0]["consecutive_failures"].get<int>(), 3);
  EXPECT_LE(sources[0]["retry_in_ms"].get<int>(), 160);
  EXPECT_NE(sources[0]["last_error"].get<std::string>().find("unreachable"), std::string::npos);
  char where[64];
  EXPECT_EQ(wzp_fc_presence_lookup(p.get(), "aa", where, sizeof where, nullptr, 0), WZP_ERR_IO);
}

TEST(CapiFcNet, InProcessRelayAndRegistry) {
  RelayOwner relay;
  start_loopback_relay(relay);
  Registry reg;
  {
    wzp_presence* r = nullptr;
    ASSERT_EQ(wzp_presence_new(nullptr, &r), WZP_OK);
    reg.reset(r);
  }
  auto p = make_presence(20);
  ASSERT_EQ(wzp_fc_presence_add_relay(p.get(), relay.h, nullptr), WZP_OK) << wzp_last_error();
  ASSERT_EQ(wzp_fc_presence_add_registry(p.get(), reg.get(), "10.0.0.5:4433"), WZP_OK);
  ASSERT_EQ(wzp_fc_presence_watch(p.get(), "bob"), WZP_OK);
  ASSERT_EQ(wzp_fc_presence_watch(p.get(), "carol"), WZP_OK);
  ASSERT_EQ(wzp_fc_presence_start(p.get()), WZP_OK);
  ASSERT_EQ(wzp_presence_register_local(reg.get(), "bob", 1, nullptr, nullptr), 1);
  const char* remote[] = {"carol"};
  ASSERT_EQ(wzp_presence_update_peer(reg.get(), "10.0.0.6:4433", remote, 1), WZP_OK);

  wzp_fc_presence_event ev;
  wzp_fc_presence_event_init(&ev);
  std::map<std::string, std::string> seen;
  while (seen.size() < 2) {
    ASSERT_EQ(wzp_fc_presence_next_event(p.get(), &ev, kWaitMs), WZP_OK) << wzp_last_error();
    EXPECT_EQ(ev.type, WZP_FC_PRESENCE_ONLINE);
    EXPECT_EQ(std::string(ev.source), "registry:10.0.0.5:4433");
    seen[ev.fingerprint] = ev.relay_addr;
  }
  EXPECT_EQ(seen["bob"], "10.0.0.5:4433");
  EXPECT_EQ(seen["carol"], "10.0.0.6:4433");
  ASSERT_EQ(wzp_presence_unregister_local(reg.get(), "bob", 1), 1);
  ASSERT_EQ(wzp_fc_presence_next_event(p.get(), &ev, kWaitMs), WZP_OK);
  EXPECT_EQ(ev.type, WZP_FC_PRESENCE_OFFLINE);
  EXPECT_STREQ(ev.fingerprint, "bob");
  wzp_fc_presence_event_clear(&ev);

  char* json = nullptr;
  ASSERT_EQ(wzp_fc_presence_sources_json(p.get(), &json), WZP_OK);
  const Json sources = Json::parse(take_string(json));
  EXPECT_EQ(sources[0]["kind"], "relay");
  EXPECT_EQ(sources[0]["up"], true);
  EXPECT_EQ(sources[1]["kind"], "registry");
  EXPECT_EQ(wzp_fc_presence_unwatch(p.get(), "bob"), WZP_OK);
  EXPECT_EQ(wzp_fc_presence_unwatch(p.get(), "bob"), WZP_ERR_NOT_FOUND);
}

TEST(CapiFcNet, BadArguments) {
  auto p = make_presence();
  EXPECT_EQ(wzp_fc_presence_add_http(p.get(), "ftp://x", nullptr, "a:1"), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_presence_add_http(p.get(), "http://x", nullptr, "nohost"), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_presence_add_http(nullptr, "http://x", nullptr, "a:1"), WZP_ERR_INVALID_ARGUMENT);
  RelayOwner unstarted;
  wzp_relay_config rc;
  wzp_relay_config_init(&rc);
  ASSERT_EQ(wzp_relay_new(&rc, &unstarted.h), WZP_OK);
  EXPECT_EQ(wzp_fc_presence_add_relay(p.get(), unstarted.h, nullptr), WZP_ERR_INVALID_STATE);
  EXPECT_EQ(wzp_fc_presence_add_registry(p.get(), nullptr, "a:1"), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_presence_watch(p.get(), ""), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_presence_lookup(p.get(), "x", nullptr, 0, nullptr, 0), WZP_ERR_INVALID_STATE);
  wzp_fc_presence_event ev{};
  EXPECT_EQ(wzp_fc_presence_next_event(p.get(), &ev, 0), WZP_ERR_INVALID_ARGUMENT);
  wzp_fc_presence_stats st{};
  EXPECT_EQ(wzp_fc_presence_stats_get(p.get(), &st), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_presence_event_fd(nullptr), -1);
  wzp_fc_presence_config bad{};
  wzp_fc_presence* out = nullptr;
  EXPECT_EQ(wzp_fc_presence_new(&bad, &out), WZP_ERR_INVALID_ARGUMENT);
  wzp_fc_presence_free(nullptr);
  wzp_fc_presence_event_clear(nullptr);
}

TEST(CapiFcNet, FreeWakesAWaiter) {
  auto p = make_presence();
  wzp_fc_presence* raw = p.release();
  std::thread waiter([raw] {
    wzp_fc_presence_event ev;
    wzp_fc_presence_event_init(&ev);
    EXPECT_EQ(wzp_fc_presence_next_event(raw, &ev, -1), WZP_ERR_CLOSED);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  wzp_fc_presence_free(raw);
  waiter.join();
}

TEST(CapiFcNet, ChooseRelay) {
  struct Row {
    wzp_fc_relay_policy policy;
    const char *mine, *callee, *fallback;
    int rc;
    const char* relay;
    wzp_fc_relay_reason reason;
  };
  const Row rows[] = {
      {WZP_FC_RELAY_CALLER, "me:1", "callee:2", "default:3", WZP_OK, "me:1",
       WZP_FC_RELAY_REASON_CALLER_RELAY},
      {WZP_FC_RELAY_CALLER, nullptr, "callee:2", "default:3", WZP_OK, "callee:2",
       WZP_FC_RELAY_REASON_CALLEE_ONLINE},
      {WZP_FC_RELAY_CALLEE, "me:1", "callee:2", "default:3", WZP_OK, "callee:2",
       WZP_FC_RELAY_REASON_CALLEE_ONLINE},
      {WZP_FC_RELAY_CALLEE, "me:1", "", "default:3", WZP_OK, "me:1", WZP_FC_RELAY_REASON_CALLER_RELAY},
      {WZP_FC_RELAY_CALLEE, nullptr, nullptr, "default:3", WZP_OK, "default:3",
       WZP_FC_RELAY_REASON_CONFIG_DEFAULT},
      {WZP_FC_RELAY_DEFAULT, "me:1", "callee:2", "default:3", WZP_OK, "default:3",
       WZP_FC_RELAY_REASON_CONFIG_DEFAULT},
      {WZP_FC_RELAY_DEFAULT, "me:1", "callee:2", nullptr, WZP_OK, "me:1", WZP_FC_RELAY_REASON_CALLER_RELAY},
      {WZP_FC_RELAY_DEFAULT, nullptr, nullptr, nullptr, WZP_ERR_NOT_FOUND, "", WZP_FC_RELAY_REASON_NONE},
  };
  for (const auto& row : rows) {
    char out[262];
    wzp_fc_relay_reason reason = WZP_FC_RELAY_REASON_CALLER_RELAY;
    EXPECT_EQ(wzp_fc_choose_relay(row.policy, row.mine, row.callee, row.fallback, out, sizeof out, &reason),
              row.rc);
    EXPECT_STREQ(out, row.relay);
    EXPECT_EQ(reason, row.reason);
  }
  char out[8];
  EXPECT_EQ(
      wzp_fc_choose_relay(WZP_FC_RELAY_CALLER, "not an address", nullptr, nullptr, out, sizeof out, nullptr),
      WZP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wzp_last_error()).find("my_relay"), std::string::npos) << wzp_last_error();
  EXPECT_EQ(wzp_fc_choose_relay(static_cast<wzp_fc_relay_policy>(7), "a:1", nullptr, nullptr, out, sizeof out,
                                nullptr),
            WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_choose_relay(WZP_FC_RELAY_CALLER, "relay.example:4433", nullptr, nullptr, out, sizeof out,
                                nullptr),
            WZP_ERR_BUFFER_TOO_SMALL);
  EXPECT_STREQ(wzp_fc_relay_reason_name(WZP_FC_RELAY_REASON_CALLEE_ONLINE), "CALLEE_ONLINE");
  EXPECT_STREQ(wzp_fc_relay_reason_name(9), "UNKNOWN");
  EXPECT_STREQ(wzp_fc_relay_policy_name(WZP_FC_RELAY_DEFAULT), "DEFAULT");
  EXPECT_STREQ(wzp_fc_relay_policy_name(-1), "UNKNOWN");
}

}  // namespace
}  // namespace wzp_capi_test

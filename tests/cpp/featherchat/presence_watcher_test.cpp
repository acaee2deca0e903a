// Presence answers as a relay serves them, and the watcher over fake in-memory sources:
// ONLINE/OFFLINE events, a move between relays, backoff of a failing source, bounds.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "featherchat/http_request.hpp"
#include "featherchat/presence_watcher.hpp"

namespace wzp::featherchat {
namespace {

Online on(std::string fp, std::string relay, bool local) {
  Online o;
  o.fingerprint = std::move(fp);
  o.relay_addr = std::move(relay);
  o.local = local;
  return o;
}

PresenceClientConfig client_config(std::string url, std::string relay) {
  PresenceClientConfig c;
  c.base_url = std::move(url);
  c.relay_addr = std::move(relay);
  return c;
}

TEST(PresenceParse, LookupAndList) {
  auto local =
      parse_presence_lookup("{\n  \"fingerprint\": \"aa\",\n  \"location\": \"Local\"\n}", "aa", "r:1");
  ASSERT_TRUE(local.ok());
  ASSERT_TRUE(*local);
  EXPECT_EQ(**local, on("aa", "r:1", true));
  auto remote =
      parse_presence_lookup(R"({"fingerprint":"aa","location":{"Remote":"10.0.0.2:4433"}})", "aa", "r:1");
  ASSERT_TRUE(remote.ok());
  EXPECT_EQ(**remote, on("aa", "10.0.0.2:4433", false));
  auto none = parse_presence_lookup(R"({"fingerprint":"aa","location":null})", "aa", "r:1");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
  EXPECT_FALSE(parse_presence_lookup(R"({"fingerprint":"bb","location":null})", "aa", "r:1").ok());
  for (const char* bad : {"", "[]", R"({"location":"Local"})", R"({"fingerprint":"aa"})",
                          R"({"fingerprint":"aa","location":"Remote"})",
                          R"({"fingerprint":"aa","location":{"Remote":"nohost"}})"}) {
    auto r = parse_presence_lookup(bad, "aa", "r:1");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::malformed);
  }
  auto list = parse_presence_list(
      R"([{"fingerprint":"a","location":"Local"},{"fingerprint":"b","location":{"Remote":"x:2"}},{"fingerprint":"a","location":{"Remote":"y:3"}}])",
      "r:1");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<Online>{on("a", "r:1", true), on("b", "x:2", false)}));
  EXPECT_FALSE(parse_presence_list("{}", "r:1").ok());
}

// A source whose answer the test sets.
struct Fake {
  std::mutex m;
  std::string list = "[]";
  bool fail = false;
  std::atomic<int> calls{0};
  PresenceSource source(const std::string& name, const std::string& relay) {
    PresenceSource s;
    s.name = name;
    s.kind = "test";
    s.local_relay = relay;
    s.fetch_list = [this]() -> Result<std::string> {
      ++calls;
      std::lock_guard lock(m);
      if (fail) return make_error(Errc::io, "down");
      return list;
    };
    s.fetch_lookup = [this](const std::string& fp) -> Result<std::string> {
      std::lock_guard lock(m);
      if (fail) return make_error(Errc::io, "down");
      auto users = parse_presence_list(list, "z:9");
      for (const auto& u : *users)
        if (u.fingerprint == fp) return R"({"fingerprint":")" + fp + R"(","location":"Local"})";
      return R"({"fingerprint":")" + fp + R"(","location":null})";
    };
    return s;
  }
  void set(std::string l) {
    std::lock_guard lock(m);
    list = std::move(l);
  }
};

TEST(PresenceWatcher, OnlineMovedOfflineEvents) {
  PresenceWatcher w({});
  Fake a, b;
  ASSERT_TRUE(w.add_source(a.source("A", "a:1")).ok());
  ASSERT_TRUE(w.add_source(b.source("B", "b:2")).ok());
  ASSERT_TRUE(w.watch("alice").ok());
  w.poll_now();
  EXPECT_FALSE(w.next_event(0));  // unknown -> offline is no change
  b.set(R"([{"fingerprint":"alice","location":"Local"},{"fingerprint":"bob","location":"Local"}])");
  w.poll_now();
  auto e = w.next_event(0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->change, PresenceChange::online);
  EXPECT_EQ(e->fingerprint, "alice");
  EXPECT_EQ(e->relay_addr, "b:2");
  EXPECT_EQ(e->source, "B");
  EXPECT_FALSE(w.next_event(0));  // bob is not watched
  a.set(R"([{"fingerprint":"alice","location":{"Remote":"c:3"}}])");
  w.poll_now();
  e = w.next_event(0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->relay_addr, "c:3");  // the first source wins
  a.set("[]");
  b.set("[]");
  w.poll_now();
  e = w.next_event(0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->change, PresenceChange::offline);
  EXPECT_EQ(e->relay_addr, "c:3");
  auto st = w.stats();
  EXPECT_EQ(st.polls, 8u);
  EXPECT_EQ(st.events, 3u);
  EXPECT_EQ(st.online, 0u);
  EXPECT_EQ(st.sources, 2u);
  auto found = w.lookup("alice");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(*found);
}

TEST(PresenceWatcher, FailingSourceBacksOffAndGoesOfflineAfterFailures) {
  PresenceWatcherConfig c;
  c.poll_interval_ms = 10;
  c.backoff_max_ms = 80;
  c.offline_after_failures = 2;
  PresenceWatcher w(c);
  Fake a;
  a.set(R"([{"fingerprint":"alice","location":"Local"}])");
  ASSERT_TRUE(w.add_source(a.source("A", "a:1")).ok());
  ASSERT_TRUE(w.watch("alice").ok());
  ASSERT_TRUE(w.start().ok());
  auto e = w.next_event(5000);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->change, PresenceChange::online);
  {
    std::lock_guard lock(a.m);
    a.fail = true;
  }
  e = w.next_event(5000);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->change, PresenceChange::offline);
  const int at_offline = a.calls.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  // Without backoff 40 polls would have run; with it (10, 20, 40, 80, 80 ms...) a handful.
  EXPECT_LT(a.calls.load() - at_offline, 12);
  auto st = w.stats();
  EXPECT_GE(st.failures, 2u);
  EXPECT_NE(w.sources_json().find("\"last_error\":\"down\""), std::string::npos) << w.sources_json();
  auto looked = w.lookup("alice");
  ASSERT_FALSE(looked.ok());
  EXPECT_EQ(looked.error().code, Errc::io);
  w.stop();
  EXPECT_TRUE(w.closed());
  EXPECT_FALSE(w.start().ok());
}

TEST(PresenceWatcher, BoundsAndArguments) {
  PresenceWatcherConfig c;
  c.max_sources = 1;
  c.max_watched = 1;
  c.queue_capacity = 1;
  PresenceWatcher w(c);
  Fake a;
  EXPECT_EQ(w.lookup("x").error().code, Errc::invalid_state);
  ASSERT_TRUE(w.add_source(a.source("A", "a:1")).ok());
  EXPECT_EQ(w.add_source(a.source("B", "b:1")).error().code, Errc::too_large);
  EXPECT_EQ(w.add_source(PresenceSource{}).error().code, Errc::invalid_argument);
  EXPECT_EQ(w.watch("").error().code, Errc::invalid_argument);
  ASSERT_TRUE(w.watch("x").ok());
  EXPECT_TRUE(w.watch("x").ok());
  EXPECT_EQ(w.watch("y").error().code, Errc::too_large);
  EXPECT_TRUE(w.unwatch("x"));
  EXPECT_FALSE(w.unwatch("x"));
  ASSERT_TRUE(w.watch("y").ok());
  a.set(R"([{"fingerprint":"y","location":"Local"}])");
  w.poll_now();
  a.set("[]");
  w.poll_now();  // ONLINE then OFFLINE into a queue of one: the first is dropped
  EXPECT_EQ(w.stats().dropped, 1u);
  auto e = w.next_event(0);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->change, PresenceChange::offline);
}

TEST(HttpRequest, ClearErrors) {
  HttpGet g;
  g.url = "ftp://x/";
  EXPECT_EQ(http_get(g).error().code, Errc::invalid_argument);
  g.url = "";
  EXPECT_EQ(http_get(g).error().code, Errc::invalid_argument);
  g.url = "http://127.0.0.1:1/presence";  // nothing listens on port 1
  g.timeout_ms = 2000;
  auto r = http_get(g);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io);
  EXPECT_NE(r.error().message.find("unreachable"), std::string::npos) << r.error().message;
  g.bearer = "a\nb";
  EXPECT_EQ(http_get(g).error().code, Errc::invalid_argument);
  EXPECT_EQ(expect_success(HttpResponse{401, ""}, "x").error().code, Errc::auth_rejected);
  EXPECT_EQ(expect_success(HttpResponse{404, ""}, "x").error().code, Errc::not_found);
  EXPECT_EQ(expect_success(HttpResponse{500, ""}, "x").error().code, Errc::io);
  EXPECT_EQ(*expect_success(HttpResponse{200, "ok"}, "x"), "ok");
  EXPECT_EQ(PresenceClient::create(client_config("ftp://x", "a:1")).error().code, Errc::invalid_argument);
  EXPECT_EQ(PresenceClient::create(client_config("http://x", "a")).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace wzp::featherchat

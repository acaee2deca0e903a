// PresenceRegistry (relay spec §11; the reference's U-PRES-1..8 of §15) and our
// fixes of §16: connections counted per fingerprint, bounds, expiry, transitions;
// presence_json's shapes (§12.2–12.4).
#include "relay/presence_registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "relay/presence_json.hpp"

namespace wzp::relay {
namespace {

using namespace std::chrono_literals;
using Clock = PresenceRegistry::Clock;
using Registered = PresenceRegistry::Registered;

const PresenceLocation kLocal{};
PresenceLocation remote(const std::string& addr) { return {false, addr}; }

// Records every change the registry reports.
struct Recorder {
  std::vector<PresenceChange> seen;
  void attach(PresenceRegistry& r) {
    r.set_listener([this](const PresenceChange& c) { seen.push_back(c); });
  }
  size_t count(const std::string& fp, bool online) const {
    return std::count_if(seen.begin(), seen.end(),
                         [&](const PresenceChange& c) { return c.fingerprint == fp && c.online == online; });
  }
};

TEST(PresenceRegistry, UPres1LocalLooksUpAsLocalUnknownAsNone) {
  PresenceRegistry r;
  EXPECT_EQ(r.register_local("user_a", 1, std::nullopt, std::string("room")), Registered::online);
  EXPECT_EQ(r.lookup("user_a"), kLocal);
  EXPECT_EQ(r.lookup("nobody"), std::nullopt);
  EXPECT_EQ(r.lookup("USER_A"), std::nullopt);  // exact, case-sensitive
}

TEST(PresenceRegistry, UPres2UnregisterForgets) {
  PresenceRegistry r;
  r.register_local("user_a", 1, std::nullopt, std::nullopt);
  EXPECT_TRUE(r.unregister_local("user_a", 1));
  EXPECT_EQ(r.lookup("user_a"), std::nullopt);
  EXPECT_EQ(r.local_count(), 0u);
}

TEST(PresenceRegistry, UPres3PeerReportsLookUpAsRemote) {
  PresenceRegistry r;
  ASSERT_TRUE(r.update_peer("10.0.0.2:4433", {"user_a", "user_b"}));
  EXPECT_EQ(r.lookup("user_a"), remote("10.0.0.2:4433"));
  EXPECT_EQ(r.lookup("user_b"), remote("10.0.0.2:4433"));
  EXPECT_EQ(r.lookup("user_c"), std::nullopt);
  EXPECT_EQ(r.remote_count(), 2u);
  EXPECT_EQ(r.peer_count(), 1u);
  EXPECT_EQ(r.counters().peer_updates.load(), 1u);
}

TEST(PresenceRegistry, UPres4ExpiryRemovesBackdatedRemotesAndPeers) {
  PresenceRegistry r;
  auto now = Clock::now() + 1h;  // far enough from the clock's origin on any machine
  ASSERT_TRUE(r.update_peer("10.0.0.2:4433", {"user_a", "user_b"}, now - 120s));
  ASSERT_TRUE(r.update_peer("10.0.0.3:4433", {"user_c"}, now - 10s));
  EXPECT_EQ(r.expire_stale(60s, now), 2u);
  EXPECT_EQ(r.lookup("user_a"), std::nullopt);
  EXPECT_EQ(r.lookup("user_b"), std::nullopt);
  EXPECT_EQ(r.lookup("user_c"), remote("10.0.0.3:4433"));  // fresher than the cutoff
  ASSERT_EQ(r.peers().size(), 1u);
  EXPECT_EQ(r.peers()[0].addr, "10.0.0.3:4433");
  EXPECT_EQ(r.counters().expired.load(), 2u);
}

TEST(PresenceRegistry, UPres5LocalFingerprints) {
  PresenceRegistry r;
  r.register_local("c", 3, std::nullopt, std::nullopt);
  r.register_local("a", 1, std::nullopt, std::nullopt);
  r.register_local("b", 2, std::nullopt, std::nullopt);
  EXPECT_EQ(r.local_fingerprints(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(PresenceRegistry, UPres6AllKnownHasLocalThenRemote) {
  PresenceRegistry r;
  r.register_local("local_user", 1, std::nullopt, std::nullopt);
  r.update_peer("10.0.0.2:4433", {"remote_user"});
  auto all = r.all_known();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].fingerprint, "local_user");
  EXPECT_EQ(all[0].location, kLocal);
  EXPECT_EQ(all[1].fingerprint, "remote_user");
  EXPECT_EQ(all[1].location, remote("10.0.0.2:4433"));
}

TEST(PresenceRegistry, UPres7LocalWinsOverRemote) {
  PresenceRegistry r;
  r.update_peer("10.0.0.2:4433", {"user_a"});
  r.register_local("user_a", 1, std::nullopt, std::nullopt);
  EXPECT_EQ(r.lookup("user_a"), kLocal);
  // ...and after a later report too, and all_known lists it once, as Local.
  r.update_peer("10.0.0.2:4433", {"user_a"});
  EXPECT_EQ(r.lookup("user_a"), kLocal);
  auto all = r.all_known();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].location, kLocal);
  // Once it leaves here, the peer's report shows again.
  r.unregister_local("user_a", 1);
  EXPECT_EQ(r.lookup("user_a"), remote("10.0.0.2:4433"));
}

TEST(PresenceRegistry, UPres8SecondReportReplacesTheSet) {
  PresenceRegistry r;
  r.update_peer("10.0.0.2:4433", {"user_a", "user_b"});
  r.update_peer("10.0.0.2:4433", {"user_b"});
  EXPECT_EQ(r.lookup("user_a"), std::nullopt);
  EXPECT_EQ(r.lookup("user_b"), remote("10.0.0.2:4433"));
  ASSERT_EQ(r.peers().size(), 1u);
  EXPECT_EQ(r.peers()[0].fingerprints, (std::vector<std::string>{"user_b"}));
  // An empty report leaves a record without fingerprints.
  r.update_peer("10.0.0.2:4433", {});
  EXPECT_EQ(r.remote_count(), 0u);
  ASSERT_EQ(r.peers().size(), 1u);
  EXPECT_TRUE(r.peers()[0].fingerprints.empty());
}

TEST(PresenceRegistry, LastReporterWinsAndTheLoserKeepsItsRecord) {
  PresenceRegistry r;
  r.update_peer("x:1", {"u", "v"});
  r.update_peer("y:1", {"u"});
  EXPECT_EQ(r.lookup("u"), remote("y:1"));
  EXPECT_EQ(r.lookup("v"), remote("x:1"));
  // The loser's record still lists it (as the reference's /peers does)...
  auto peers = r.peers();
  ASSERT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers[0].fingerprints, (std::vector<std::string>{"u", "v"}));
  // ...but its next report cannot take away the winner's entry.
  r.update_peer("x:1", {});
  EXPECT_EQ(r.lookup("u"), remote("y:1"));
  EXPECT_EQ(r.lookup("v"), std::nullopt);
}

TEST(PresenceRegistry, DuplicatesInAReportCountOnce) {
  PresenceRegistry r;
  r.update_peer("x:1", {"u", "u", "v", "u"});
  EXPECT_EQ(r.remote_count(), 2u);
  EXPECT_EQ(r.peers()[0].fingerprints, (std::vector<std::string>{"u", "v"}));
}

TEST(PresenceRegistry, TwoConnectionsStayOnlineUntilBothLeave) {
  PresenceRegistry r;
  Recorder rec;
  rec.attach(r);
  EXPECT_EQ(r.register_local("u", 1, std::nullopt, std::string("r1")), Registered::online);
  EXPECT_EQ(r.register_local("u", 2, std::nullopt, std::string("r2")), Registered::again);
  EXPECT_FALSE(r.unregister_local("u", 1));  // the reference forgot it here (§16 note 12)
  EXPECT_EQ(r.lookup("u"), kLocal);
  EXPECT_FALSE(r.unregister_local("u", 1));   // the same connection twice: nothing
  EXPECT_FALSE(r.unregister_local("u", 99));  // a connection it never had: nothing
  EXPECT_FALSE(r.unregister_local("nobody", 1));
  EXPECT_EQ(r.lookup("u"), kLocal);
  EXPECT_TRUE(r.unregister_local("u", 2));
  EXPECT_EQ(r.lookup("u"), std::nullopt);
  ASSERT_EQ(rec.seen.size(), 2u);
  EXPECT_TRUE(rec.seen[0].online);
  EXPECT_EQ(rec.seen[0].room, std::optional<std::string>("r1"));
  EXPECT_FALSE(rec.seen[1].online);
  EXPECT_EQ(rec.seen[1].location, kLocal);
  EXPECT_EQ(rec.seen[1].room, std::optional<std::string>("r2"));  // the latest join's room
}

TEST(PresenceRegistry, LocalBoundRefusesAndCounts) {
  PresenceRegistry r(PresenceLimits{2, 10, 10});
  EXPECT_EQ(r.register_local("a", 1, std::nullopt, std::nullopt), Registered::online);
  EXPECT_EQ(r.register_local("b", 2, std::nullopt, std::nullopt), Registered::online);
  EXPECT_EQ(r.register_local("c", 3, std::nullopt, std::nullopt), Registered::full);
  EXPECT_EQ(r.counters().local_full.load(), 1u);
  EXPECT_EQ(r.lookup("c"), std::nullopt);
  // One more connection of a user already here is no new entry.
  EXPECT_EQ(r.register_local("a", 4, std::nullopt, std::nullopt), Registered::again);
  EXPECT_EQ(r.local_fingerprints(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.counters().local_full.load(), 1u);
}

TEST(PresenceRegistry, RemoteBoundRefusesTheWholeReportAndCounts) {
  PresenceRegistry r(PresenceLimits{10, 3, 10});
  ASSERT_TRUE(r.update_peer("x:1", {"a", "b"}));
  EXPECT_FALSE(r.update_peer("y:1", {"c", "d"}));  // 4 > 3
  EXPECT_EQ(r.counters().remote_full.load(), 1u);
  EXPECT_EQ(r.lookup("a"), remote("x:1"));  // existing entries unharmed
  EXPECT_EQ(r.lookup("c"), std::nullopt);
  EXPECT_EQ(r.peer_count(), 1u);  // the refused peer got no record
  // Replacing its own set within the bound is fine; so is stealing.
  EXPECT_TRUE(r.update_peer("x:1", {"e", "f", "g"}));
  EXPECT_TRUE(r.update_peer("y:1", {"e"}));
  EXPECT_EQ(r.lookup("e"), remote("y:1"));
  EXPECT_EQ(r.remote_count(), 3u);
}

TEST(PresenceRegistry, PeerBoundRefusesNewPeersOnly) {
  PresenceRegistry r(PresenceLimits{10, 100, 2});
  ASSERT_TRUE(r.update_peer("x:1", {"a"}));
  ASSERT_TRUE(r.update_peer("y:1", {"b"}));
  EXPECT_FALSE(r.update_peer("z:1", {"c"}));
  EXPECT_EQ(r.counters().peers_full.load(), 1u);
  EXPECT_EQ(r.lookup("c"), std::nullopt);
  EXPECT_TRUE(r.update_peer("x:1", {"a", "d"}));  // a known peer still reports
  EXPECT_EQ(r.lookup("d"), remote("x:1"));
  r.remove_peer("y:1");
  EXPECT_TRUE(r.update_peer("z:1", {"c"}));
}

TEST(PresenceRegistry, ExpiryCannotUnderflowTheClock) {
  PresenceRegistry r;
  r.update_peer("x:1", {"a"}, Clock::time_point{} + 1s);
  // A ttl reaching before the clock's origin expires nothing (no wrap-around).
  EXPECT_EQ(r.expire_stale(std::chrono::milliseconds::max(), Clock::time_point{} + 2s), 0u);
  EXPECT_EQ(r.expire_stale(10s, Clock::time_point{} + 2s), 0u);
  EXPECT_EQ(r.expire_stale(-1s, Clock::time_point{} + 2s), 0u);
  EXPECT_EQ(r.lookup("a"), remote("x:1"));
  EXPECT_EQ(r.expire_stale(1s, Clock::time_point{} + 2s), 1u);  // last_seen == cutoff: expired
  EXPECT_EQ(r.lookup("a"), std::nullopt);
  EXPECT_EQ(r.peer_count(), 0u);
}

TEST(PresenceRegistry, RemoteTransitionsAreOnceEachAndMovingIsNone) {
  PresenceRegistry r;
  Recorder rec;
  rec.attach(r);
  auto now = Clock::now() + 1h;
  r.update_peer("x:1", {"u", "v"}, now);
  r.update_peer("x:1", {"u", "v"}, now);                 // a refresh: nothing new
  r.update_peer("y:1", {"u"}, now);                      // u moves from x to y: no offline
  r.register_local("u", 1, std::nullopt, std::nullopt);  // and here too: still no transition
  r.unregister_local("u", 1);
  EXPECT_EQ(rec.count("u", true), 1u);
  EXPECT_EQ(rec.count("u", false), 0u);
  ASSERT_EQ(rec.seen.size(), 2u);
  EXPECT_EQ(rec.seen[0].location, remote("x:1"));
  EXPECT_FALSE(rec.seen[0].room.has_value());

  r.update_peer("x:1", {}, now);  // v dropped by its reporter
  EXPECT_EQ(rec.count("v", false), 1u);
  r.remove_peer("y:1");  // u's reporter goes
  EXPECT_EQ(rec.count("u", false), 1u);
  EXPECT_EQ(rec.seen.back().location, remote("y:1"));

  r.update_peer("z:1", {"w"}, now);
  r.expire_stale(30s, now + 31s);
  EXPECT_EQ(rec.count("w", true), 1u);
  EXPECT_EQ(rec.count("w", false), 1u);
  EXPECT_EQ(rec.seen.size(), 6u);
}

TEST(PresenceRegistry, LocalUserReportedRemotelyStaysOnlineWhenItLeavesHere) {
  PresenceRegistry r;
  Recorder rec;
  rec.attach(r);
  r.register_local("u", 1, std::nullopt, std::string("room"));
  r.update_peer("x:1", {"u"});
  r.unregister_local("u", 1);  // moved to x: no offline
  EXPECT_EQ(r.lookup("u"), remote("x:1"));
  r.update_peer("x:1", {});
  ASSERT_EQ(rec.seen.size(), 2u);
  EXPECT_TRUE(rec.seen[0].online);
  EXPECT_EQ(rec.seen[0].location, kLocal);
  EXPECT_FALSE(rec.seen[1].online);
  EXPECT_EQ(rec.seen[1].location, remote("x:1"));
}

TEST(PresenceRegistry, ExtraListenersSeeEveryChangeAndCanBeRemoved) {
  PresenceRegistry r;
  Recorder primary;
  primary.attach(r);
  std::vector<std::string> extra;
  auto id = r.add_listener([&](const PresenceChange& c) { extra.push_back(c.fingerprint); });
  r.register_local("a", 1, std::nullopt, std::nullopt);
  r.remove_listener(id);
  r.register_local("b", 2, std::nullopt, std::nullopt);
  EXPECT_EQ(primary.seen.size(), 2u);
  EXPECT_EQ(extra, (std::vector<std::string>{"a"}));
}

TEST(PresenceRegistry, AListenerMayCallBackAndAThrowingOneHarmsNothing) {
  PresenceRegistry r;
  std::vector<std::string> order;
  r.set_listener([&](const PresenceChange& c) {
    order.push_back(c.fingerprint + (c.online ? "+" : "-"));
    if (c.fingerprint == "a" && c.online) r.unregister_local("a", 1);  // re-enters: delivered after
    EXPECT_TRUE(r.lookup("zzz") == std::nullopt);
  });
  r.add_listener([](const PresenceChange&) { throw std::runtime_error("listener bug"); });
  r.register_local("a", 1, std::nullopt, std::nullopt);
  EXPECT_EQ(order, (std::vector<std::string>{"a+", "a-"}));
  EXPECT_EQ(r.local_count(), 0u);
}

TEST(PresenceRegistry, ConcurrentUseDeliversBalancedTransitions) {
  PresenceRegistry r;
  std::mutex mu;
  std::map<std::string, int> balance;
  r.set_listener([&](const PresenceChange& c) {
    std::lock_guard lock(mu);
    balance[c.fingerprint] += c.online ? 1 : -1;
    EXPECT_GE(balance[c.fingerprint], 0);
    EXPECT_LE(balance[c.fingerprint], 1);
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&r, t] {
      const std::string peer = std::string("p:") + char('0' + t);
      for (int i = 0; i < 500; ++i) {
        const std::string fp = std::string("u") + char('0' + i % 7);
        uint64_t conn = static_cast<uint64_t>(t * 1000 + i);
        r.register_local(fp, conn, std::nullopt, std::nullopt);
        r.update_peer(peer, {fp});
        r.lookup(fp);
        r.unregister_local(fp, conn);
      }
      r.remove_peer(peer);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(r.local_count(), 0u);
  EXPECT_EQ(r.remote_count(), 0u);
  std::lock_guard lock(mu);
  for (const auto& [fp, b] : balance) EXPECT_EQ(b, 0) << fp;
}

// ---- JSON shapes (§12.2–12.4) ----

TEST(PresenceJson, PresenceArray) {
  EXPECT_EQ(presence_json({}), "[]");
  std::vector<PresenceEntry> entries{
      {"a1b2:c3d4", kLocal}, {"dead:beef", remote("10.0.0.2:4433")}, {"v6", remote("[::1]:4433")}};
  EXPECT_EQ(presence_json(entries),
            "[\n"
            "  {\n"
            "    \"fingerprint\": \"a1b2:c3d4\",\n"
            "    \"location\": \"Local\"\n"
            "  },\n"
            "  {\n"
            "    \"fingerprint\": \"dead:beef\",\n"
            "    \"location\": {\n"
            "      \"Remote\": \"10.0.0.2:4433\"\n"
            "    }\n"
            "  },\n"
            "  {\n"
            "    \"fingerprint\": \"v6\",\n"
            "    \"location\": {\n"
            "      \"Remote\": \"[::1]:4433\"\n"
            "    }\n"
            "  }\n"
            "]");
}

TEST(PresenceJson, LookupFoundIsPrettyUnknownIsCompact) {
  EXPECT_EQ(lookup_json("a:b", kLocal),
            "{\n"
            "  \"fingerprint\": \"a:b\",\n"
            "  \"location\": \"Local\"\n"
            "}");
  EXPECT_EQ(lookup_json("a:b", remote("10.0.0.2:4433")),
            "{\n"
            "  \"fingerprint\": \"a:b\",\n"
            "  \"location\": {\n"
            "    \"Remote\": \"10.0.0.2:4433\"\n"
            "  }\n"
            "}");
  EXPECT_EQ(lookup_json("x\"y", std::nullopt), "{\"fingerprint\":\"x\\\"y\",\"location\":null}");
  // Bytes that are not UTF-8 are replaced, not thrown.
  EXPECT_EQ(lookup_json(std::string("\xff"), std::nullopt),
            "{\"fingerprint\":\"\xEF\xBF\xBD\",\"location\":null}");
}

TEST(PresenceJson, PeersArray) {
  EXPECT_EQ(peers_json({}), "[]");
  std::vector<PresencePeer> peers{{"10.0.0.2:4433", {"deadbeef", "cafebabe"}, std::nullopt, {}},
                                  {"10.0.0.3:4433", {}, 12.5, {}}};
  EXPECT_EQ(peers_json(peers),
            "[\n"
            "  {\n"
            "    \"addr\": \"10.0.0.2:4433\",\n"
            "    \"fingerprints\": [\n"
            "      \"deadbeef\",\n"
            "      \"cafebabe\"\n"
            "    ],\n"
            "    \"rtt_ms\": null\n"
            "  },\n"
            "  {\n"
            "    \"addr\": \"10.0.0.3:4433\",\n"
            "    \"fingerprints\": [],\n"
            "    \"rtt_ms\": 12.5\n"
            "  }\n"
            "]");
}

TEST(PresenceJson, RegistryRttReachesPeers) {
  PresenceRegistry r;
  r.update_peer("x:1", {"a"});
  r.set_peer_rtt("x:1", 3.0);
  r.set_peer_rtt("unknown:1", 3.0);  // no record made
  ASSERT_EQ(r.peers().size(), 1u);
  EXPECT_EQ(r.peers()[0].rtt_ms, std::optional<double>(3.0));
}

}  // namespace
}  // namespace wzp::relay

// Refused ClientHellos are visible: GnuTLS refuses SNI host names with '_'
// ("_probe", raw room names) before any hook can accept them, and the relay's
// own filter refuses names that are not DNS names. Each refusal is counted,
// logged at info and reported as a REJECTED event with the attempt's id.
#include <gtest/gtest.h>

#include <mutex>
#include <set>

#include "core/log.hpp"
#include "live_harness.hpp"

namespace wzp::live_testing {
namespace {

// Records info-level log lines while alive (restores the sink and level after).
class LogCapture {
 public:
  LogCapture() : saved_(log::level()) {
    log::set_level(log::Level::info);
    log::set_sink([this](log::Level level, std::string_view, std::string_view message) {
      std::lock_guard lock(mutex_);
      if (level <= log::Level::info) lines_.emplace_back(message);
    });
  }
  ~LogCapture() {
    log::set_sink({});
    log::set_level(saved_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  size_t count_containing(const std::string& a, const std::string& b) {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const auto& line : lines_)
      n += line.find(a) != std::string::npos && line.find(b) != std::string::npos;
    return n;
  }

 private:
  log::Level saved_;
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

TEST(LiveTlsRefusal, EveryRefusedClientHelloIsCountedLoggedAndReported) {
  LogCapture logs;
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  // "_probe" and "a_b": GnuTLS's server_name parser; "a..b": the relay's filter.
  const std::vector<std::string> names{"_probe", "a_b", "a..b"};
  for (const auto& sni : names) {
    auto raw = RawEndpoint::connect(relay->port(), sni);
    ASSERT_TRUE(raw);
    auto closed = raw->wait_closed();
    ASSERT_TRUE(closed.has_value()) << sni;
    EXPECT_FALSE(raw->state().established) << sni;
    EXPECT_EQ(closed->kind, transport::CloseKind::transport) << sni << ": " << transport::describe(*closed);
  }
  ASSERT_TRUE(relay->events.wait([](const std::vector<relay::RelayEvent>& all) { return all.size() >= 3; }));
  auto events = relay->events.snapshot();
  ASSERT_EQ(events.size(), 3u);
  std::set<transport::ConnectionId> ids;
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    EXPECT_EQ(e.type, relay::RelayEventType::rejected);
    EXPECT_NE(e.connection, 0u);
    ids.insert(e.connection);
    EXPECT_EQ(e.close.code, wire::code_value(wire::CloseCode::handshake_failed));
    EXPECT_EQ(e.close.kind, transport::CloseKind::local);
    EXPECT_NE(e.close.reason.find("'" + names[i] + "'"), std::string::npos) << e.close.reason;
    EXPECT_EQ(e.room, names[i]);
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_NE(events[0].close.reason.find("refused by GnuTLS"), std::string::npos) << events[0].close.reason;
  EXPECT_NE(events[2].close.reason.find("refused by the server"), std::string::npos)
      << events[2].close.reason;
  EXPECT_EQ(relay->counters().tls_refused.load(), 3u);
  EXPECT_EQ(relay->counters().sessions_active.load(), 0u);
  for (const auto& sni : names) {
    EXPECT_EQ(logs.count_containing("TLS handshake of connection", "'" + sni + "'"), 1u) << sni;
  }

  // The relay still serves a valid name.
  auto ok = TestClient::join(client_config(*relay, "room-after-refusals"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(relay->counters().tls_refused.load(), 3u);
}

}  // namespace
}  // namespace wzp::live_testing

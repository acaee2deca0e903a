// Peers that never authenticate: callbacks that throw, floods of Initials
// that fail or never finish, and what is left behind afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <new>

#include "common/quic_initials.hpp"
#include "core/log.hpp"
#include "transport_harness.hpp"

namespace wzp::transport::testing {
namespace {

EndpointStats server_stats(Side& server) {
  return server.on_loop([&] { return server.endpoint->stats(); });
}

// An exception thrown by an application callback that ngtcp2 (or GnuTLS)
// calls through must not unwind through C frames: it fails only the
// connection it came from.
TEST(EndpointExceptionBarrier, ThrowingCallbacksFailOnlyTheirConnection) {
  ServerConfig config;
  config.sni_filter = [](const std::optional<std::string>& sni) -> bool {
    if (sni && *sni == "boom") throw std::runtime_error("sni filter failed");
    return true;
  };
  auto server = make_server(config);
  server->recorder.on_signal = [](Connection&, ByteView payload) {
    if (std::string(payload.begin(), payload.end()) == "throw") throw std::bad_alloc();
  };
  auto client = make_client();
  auto address = server_address(*server);
  ConnectionId a = connect(*client, address, with_sni("a"));
  ConnectionId b = connect(*client, address, with_sni("b"));
  ASSERT_TRUE(wait_established(*client, a));
  ASSERT_TRUE(wait_established(*client, b));

  ASSERT_TRUE(send_signal(*client, a, as_bytes("throw")).ok());
  ASSERT_TRUE(wait_closed(*client, a));
  EXPECT_EQ(client->recorder.get(a).closed->kind, CloseKind::transport);

  // The GnuTLS hook (the SNI filter) throwing fails that handshake only.
  ConnectionId boom = connect(*client, address, with_sni("boom"));
  ASSERT_TRUE(wait_closed(*client, boom));
  EXPECT_FALSE(client->recorder.get(boom).established);

  // The other connection and the endpoint carry on.
  ASSERT_TRUE(send_signal(*client, b, as_bytes("still here")).ok());
  ASSERT_TRUE(server->recorder.wait([&](auto& conns) {
    for (auto& [id, c] : conns) {
      if (!c.signals.empty() && std::string(c.signals.back().begin(), c.signals.back().end()) == "still here")
        return true;
    }
    return false;
  }));
  EXPECT_FALSE(client->recorder.get(b).closed.has_value());
  ConnectionId c = connect(*client, address, with_sni("c"));
  EXPECT_TRUE(wait_established(*client, c));
}

/// `count` half-open handshakes (Initials from a socket that never answers).
std::unique_ptr<UdpSocket> half_open(Side& server, size_t count) {
  auto initials = wzp::testing::capture_initials(count);
  EXPECT_EQ(initials.size(), count);
  return wzp::testing::send_half_open(initials, server_address(server));
}

TEST(EndpointHandshakeBudget, OverHalfTheBudgetNewClientsMustAnswerARetry) {
  ServerConfig config;
  config.max_handshakes = 4;
  auto server = make_server(config);
  auto mute = half_open(*server, 2);
  ASSERT_TRUE(poll_until([&] { return server_stats(*server).handshakes_in_progress == 2; }));

  // Half the budget is in use: more half-open Initials get a Retry, no state.
  auto more = half_open(*server, 10);
  ASSERT_TRUE(poll_until([&] { return server_stats(*server).retries_sent >= 10; }));
  EXPECT_EQ(server_stats(*server).handshakes_in_progress, 2u);

  // A real client answers the Retry and gets in.
  auto client = make_client();
  EXPECT_TRUE(wait_established(*client, connect(*client, server_address(*server), with_sni("room"))));
  EXPECT_GE(server_stats(*server).retries_sent, 11u);
  EXPECT_EQ(server_stats(*server).invalid_retry_tokens, 0u);
}

TEST(EndpointHandshakeBudget, AFullBudgetRefusesUntilAHandshakeTimesOut) {
  ServerConfig config;
  config.max_handshakes = 1;
  config.handshake_timeout_ms = 500;
  auto server = make_server(config);
  auto mute = half_open(*server, 1);
  ASSERT_TRUE(poll_until([&] { return server_stats(*server).handshakes_in_progress == 1; }));

  // The client's Initials are dropped until the half-open handshake's
  // deadline frees the slot; its retransmission then gets in.
  auto client = make_client();
  EXPECT_TRUE(wait_established(*client, connect(*client, server_address(*server), with_sni("room"))));
  // It could not get in before the half-open handshake ended.
  EXPECT_EQ(server_stats(*server).handshake_timeouts, 1u);
}

/// Counts the log lines written while it lives (info level and up).
class LineCounter {
 public:
  LineCounter() {
    previous_level_ = log::level();
    log::set_level(log::Level::info);
    log::set_sink([this](log::Level, std::string_view, std::string_view) { ++lines_; });
  }
  ~LineCounter() {
    log::set_sink({});
    log::set_level(previous_level_);
  }
  size_t lines() const { return lines_.load(); }

 private:
  std::atomic<size_t> lines_{0};
  log::Level previous_level_;
};

TEST(EndpointHostile, RefusedHandshakeFloodLogsABoundedNumberOfLines) {
  constexpr size_t kFlood = 400;
  auto initials = wzp::testing::capture_initials(kFlood, "refused");
  ASSERT_EQ(initials.size(), kFlood);
  ServerConfig config;
  config.sni_filter = [](const std::optional<std::string>&) { return false; };
  auto server = make_server(config);
  auto address = server_address(*server);

  LineCounter counter;
  auto start = std::chrono::steady_clock::now();
  auto mute = wzp::testing::send_half_open(initials, address);
  ASSERT_TRUE(mute);
  ASSERT_TRUE(poll_until([&] { return server_stats(*server).connections_refused >= kFlood; }));
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Each refusal used to be a line. Now: a burst, then about one line per
  // second and per kind of line (a few kinds), whatever the flood's size.
  const size_t bound = 4 * (5 + static_cast<size_t>(elapsed) + 1);
  EXPECT_LE(counter.lines(), bound) << "after " << elapsed << " s";
  EXPECT_LT(counter.lines(), kFlood / 4);
}

TEST(EndpointHostile, MemoryIsGivenBackAfterAHalfOpenFlood) {
  constexpr size_t kFlood = 2000;
  auto initials = wzp::testing::capture_initials(kFlood);
  ASSERT_EQ(initials.size(), kFlood);
  ServerConfig config;
  config.max_handshakes = 2 * kFlood + 1;  // no Retry: every Initial gets state
  config.handshake_timeout_ms = 2000;      // long enough for the state to pile up
  auto server = make_server(config);
  auto address = server_address(*server);
  auto baseline = server_stats(*server);
  ASSERT_EQ(baseline.connections_in_memory, 0u);

  auto mute = wzp::testing::send_half_open(initials, address);
  ASSERT_TRUE(mute);
  uint64_t peak = 0;
  uint64_t peak_buckets = 0;
  ASSERT_TRUE(poll_until([&] {
    auto s = server_stats(*server);
    peak = std::max(peak, s.connections_in_memory);
    peak_buckets = std::max(peak_buckets, s.cid_table_buckets);
    return s.connections_accepted + s.connections_refused >= kFlood * 9 / 10 && s.connections_in_memory == 0;
  }));
  auto after = server_stats(*server);
  EXPECT_GE(peak, 300u) << "the flood did not build up state";
  EXPECT_EQ(after.connections_in_memory, 0u);
  EXPECT_EQ(after.handshakes_in_progress, 0u);
  EXPECT_GE(after.handshake_timeouts, peak / 2);
  // The routing table grew with the flood and shrank back after it.
  EXPECT_GT(peak_buckets, 256u);
  EXPECT_LE(after.cid_table_buckets, std::max<uint64_t>(baseline.cid_table_buckets, 64));

  // And the endpoint still serves.
  auto client = make_client();
  EXPECT_TRUE(wait_established(*client, connect(*client, address, with_sni("room"))));
}

}  // namespace
}  // namespace wzp::transport::testing

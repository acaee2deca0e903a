// The Prometheus text writer and the relay's metrics catalogue (relay spec
// §12.1 and §13; U-MET-1..4 in spirit).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "relay/metric_histogram.hpp"
#include "relay/metrics_text.hpp"
#include "relay/refusal_counters.hpp"
#include "relay/relay_metrics.hpp"
#include "relay/session_metrics.hpp"

namespace wzp::relay {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(MetricsValue, PrometheusFormatting) {
  EXPECT_EQ(format_metric_value(100.0), "100");
  EXPECT_EQ(format_metric_value(48000.0), "48000");
  EXPECT_EQ(format_metric_value(0.0), "0");
  EXPECT_EQ(format_metric_value(0.042), "0.042");
  EXPECT_EQ(format_metric_value(-2.5), "-2.5");
  EXPECT_EQ(format_metric_value(static_cast<double>(128.0f / 255.0f * 100.0f)), "50.196083068847656");
  EXPECT_EQ(format_metric_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_metric_value(std::nan("")), "NaN");
}

TEST(MetricsValue, LabelAndHelpEscaping) {
  EXPECT_EQ(escape_label_value(R"(a\b"c)"
                               "\n"
                               "d"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(escape_help("x\\y\n\"z\""), "x\\\\y\\n\"z\"");  // quotes stay in HELP
}

TEST(MetricsText, FamiliesSortedWithHelpAndTypeEmptyOnesOmitted) {
  MetricsText m;
  m.family("zeta_total", "Last one", MetricType::counter);
  m.sample("zeta_total", {}, uint64_t{7});
  m.family("alpha", "First one", MetricType::gauge);
  m.sample("alpha", {{"k", "v\"1"}}, 1.5);
  m.sample("alpha", {{"k", "v2"}, {"j", "w"}}, uint64_t{2});
  m.family("labelled_but_empty", "Nobody touched it", MetricType::counter);
  const std::string text = m.text();
  EXPECT_EQ(text,
            "# HELP alpha First one\n"
            "# TYPE alpha gauge\n"
            "alpha{k=\"v\\\"1\"} 1.5\n"
            "alpha{k=\"v2\",j=\"w\"} 2\n"
            "# HELP zeta_total Last one\n"
            "# TYPE zeta_total counter\n"
            "zeta_total 7\n");
  EXPECT_EQ(text.find("labelled_but_empty"), std::string::npos);
}

TEST(MetricsText, HistogramIsCumulativeWithSumAndCount) {
  MetricHistogram h({0.01, 0.1, 1.0});
  h.observe(0.005);
  h.observe(0.01);  // on a bound: that bucket (le)
  h.observe(0.5);
  h.observe(7);
  MetricsText m;
  m.family("h_seconds", "A histogram", MetricType::histogram);
  m.histogram("h_seconds", {}, h.snapshot());
  const std::string text = m.text();
  EXPECT_TRUE(has_line(text, "# TYPE h_seconds histogram")) << text;
  EXPECT_TRUE(has_line(text, "h_seconds_bucket{le=\"0.01\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "h_seconds_bucket{le=\"0.1\"} 2")) << text;
  EXPECT_TRUE(has_line(text, "h_seconds_bucket{le=\"1\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "h_seconds_bucket{le=\"+Inf\"} 4")) << text;
  EXPECT_TRUE(has_line(text, "h_seconds_sum 7.515")) << text;
  EXPECT_TRUE(has_line(text, "h_seconds_count 4")) << text;
}

// U-MET-4 (and U-MET-1: the core names are all there once both auth results happened).
TEST(RelayMetrics, ReferenceCatalogueLines) {
  RelayMetricsSnapshot s;
  s.active_sessions = 5;
  s.active_rooms = 2;
  s.packets_forwarded = 100;
  s.bytes_forwarded = 48000;
  s.auth_ok = 1;
  s.auth_fail = 3;
  MetricHistogram h(handshake_duration_buckets());
  h.observe(0.042);
  s.handshake_duration = h.snapshot();
  const std::string text = render_relay_metrics(s);
  for (const char* line :
       {"wzp_relay_active_sessions 5", "wzp_relay_active_rooms 2", "wzp_relay_packets_forwarded_total 100",
        "wzp_relay_bytes_forwarded_total 48000", "wzp_relay_auth_attempts_total{result=\"ok\"} 1",
        "wzp_relay_auth_attempts_total{result=\"fail\"} 3", "wzp_relay_handshake_duration_seconds_count 1",
        "wzp_relay_handshake_duration_seconds_bucket{le=\"0.025\"} 0",
        "wzp_relay_handshake_duration_seconds_bucket{le=\"0.05\"} 1",
        "wzp_relay_handshake_duration_seconds_bucket{le=\"2.5\"} 1",
        "# HELP wzp_relay_active_sessions Current active sessions",
        "# HELP wzp_relay_handshake_duration_seconds Crypto handshake time",
        "# TYPE wzp_relay_auth_attempts_total counter"}) {
    EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
  }
}

TEST(RelayMetrics, UntouchedLabelledFamiliesAreOmitted) {
  const std::string text = render_relay_metrics(RelayMetricsSnapshot{});
  EXPECT_EQ(text.find("wzp_relay_auth_attempts_total"), std::string::npos);
  EXPECT_EQ(text.find("wzp_relay_session_"), std::string::npos);
  EXPECT_EQ(text.find("wzp_probe_"), std::string::npos);
  EXPECT_EQ(text.find("wzp_relay_refusals_total"), std::string::npos);
  EXPECT_TRUE(has_line(text, "wzp_relay_active_sessions 0"));
}

// U-MET-2 and U-MET-3: quality-report series appear, then vanish with the session.
TEST(RelayMetrics, SessionSeriesFromQualityReportsAndRemoval) {
  SessionMetrics sessions;
  const std::string id = "00112233445566778899aabbccddeeff";
  sessions.report(id, wire::QualityReport{128, 25, 0, 0});
  sessions.report("ffeeddccbbaa99887766554433221100", wire::QualityReport{0, 1, 0, 0});
  RelayMetricsSnapshot s;
  s.sessions = sessions.snapshot();
  std::string text = render_relay_metrics(s);
  EXPECT_TRUE(has_line(text, "wzp_relay_session_rtt_ms{session_id=\"" + id + "\"} 100")) << text;
  EXPECT_TRUE(has_line(text, "wzp_relay_session_loss_pct{session_id=\"" + id + "\"} 50.196083068847656"))
      << text;
  EXPECT_TRUE(has_line(text, "# TYPE wzp_relay_session_loss_pct gauge"));

  sessions.remove(id);
  s.sessions = sessions.snapshot();
  text = render_relay_metrics(s);
  EXPECT_EQ(text.find(id), std::string::npos) << text;
  EXPECT_NE(text.find("ffeeddccbbaa99887766554433221100"), std::string::npos);
}

// U-PROBE-1 in spirit: the four probe gauges under the target label.
TEST(RelayMetrics, ProbeGaugesAndOurFamilies) {
  RelayMetricsSnapshot s;
  s.probes.push_back(ProbeStatus{"127.0.0.1:4433", "wzp", true, 12.5, 10, 2, 10, 9});
  RefusalCounters refusals;
  refusals.add(wire::CloseCode::acl_denied);
  refusals.add(wire::CloseCode::acl_denied);
  refusals.add(wire::CloseCode::server_full);
  s.refusals = refusals.snapshot();
  s.presence_local = 3;
  s.presence_remote = 4;
  s.datagrams_malformed = 6;
  s.extra.push_back(
      {"wzp_relay_gossip_messages_in_total", "PresenceUpdates received", MetricType::counter, 9});
  const std::string text = render_relay_metrics(s);
  for (const char* line :
       {"wzp_probe_rtt_ms{target=\"127.0.0.1:4433\"} 12.5",
        "wzp_probe_loss_pct{target=\"127.0.0.1:4433\"} 10",
        "wzp_probe_jitter_ms{target=\"127.0.0.1:4433\"} 2", "wzp_probe_up{target=\"127.0.0.1:4433\"} 1",
        "# HELP wzp_probe_up 1 if peer relay is reachable, 0 if not",
        "wzp_relay_refusals_total{code=\"WZP_CLOSE_ACL_DENIED\"} 2",
        "wzp_relay_refusals_total{code=\"WZP_CLOSE_SERVER_FULL\"} 1",
        "wzp_relay_presence_entries{location=\"local\"} 3",
        "wzp_relay_presence_entries{location=\"remote\"} 4", "wzp_relay_datagrams_malformed_total 6",
        "wzp_relay_gossip_messages_in_total 9"}) {
    EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
  }
  EXPECT_EQ(text.find("wzp_relay_redis_"), std::string::npos);  // no Redis backend
  // Families come sorted by name.
  EXPECT_LT(text.find("# HELP wzp_probe_jitter_ms"), text.find("# HELP wzp_probe_loss_pct"));
  EXPECT_LT(text.find("# HELP wzp_probe_up"), text.find("# HELP wzp_relay_active_rooms"));
}

TEST(RelayMetrics, RedisCountersWhenTheRelayHasABackend) {
  RelayMetricsSnapshot s;
  s.redis = RelayMetricsSnapshot::Redis{true, 5, 1, 1, 7, 2, 0};
  const std::string text = render_relay_metrics(s);
  for (const char* line :
       {"wzp_relay_redis_connected 1", "wzp_relay_redis_writes_total 5", "wzp_relay_redis_errors_total 1",
        "wzp_relay_redis_reconnects_total 1", "wzp_relay_redis_remote_updates_total 7",
        "wzp_relay_redis_resyncs_total 2", "wzp_relay_redis_malformed_total 0"}) {
    EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
  }
}

}  // namespace
}  // namespace wzp::relay

#include "result.hpp"

#include <cmath>
#include <cstdio>

namespace load {

namespace {

double ms(double ns) { return ns / 1e6; }

// The largest value of a histogram in ms; NaN when it is empty.
template <typename H>
double max_ms(const H& h) {
  return h.count() == 0 ? NAN : static_cast<double>(h.max()) / 1e6;
}

// A JSON number, or null for NaN (nothing measured).
nlohmann::ordered_json number(double v) {
  if (!std::isfinite(v)) return nullptr;
  return std::round(v * 1e4) / 1e4;
}

nlohmann::ordered_json closes_json(const std::map<std::string, Tally::Closes>& closes) {
  auto out = nlohmann::ordered_json::object();
  for (const auto& [kind, c] : closes) out[kind] = {{"count", c.count}, {"example", c.example}};
  return out;
}

std::string fmt(const char* format, double v) { return format_figure(format, v); }

}  // namespace

std::string format_figure(const char* format, double v) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

bool generator_saturated(const RunResult& r) {
  const bool busy =
      std::isfinite(r.load_cpu_pct) && r.load_cpu_pct >= 95 * std::max<double>(1, r.generator_cores);
  const bool late = r.sent > 0 && static_cast<double>(r.pacer_late) > 0.05 * static_cast<double>(r.sent);
  return busy || late;
}

void judge(RunResult& r, double max_loss_pct, double max_p99_ms) {
  std::string why;
  auto add = [&](const std::string& s) { why += (why.empty() ? "" : "; ") + s; };
  const double p99 = ms(r.latency_ns.quantile(0.99));
  if (r.interrupted) add("interrupted");
  if (r.join_failures > 0) add(std::to_string(r.join_failures) + " join failures");
  if (r.disconnected > 0) add(std::to_string(r.disconnected) + " participants disconnected");
  if (r.sent == 0) add("nothing sent");
  if (r.loss_pct() > max_loss_pct)
    add("loss " + fmt("%.3f", r.loss_pct()) + " % > " + fmt("%g", max_loss_pct) + " %");
  if (std::isfinite(p99) && p99 > max_p99_ms)
    add("p99 " + fmt("%.3f", p99) + " ms > " + fmt("%g", max_p99_ms) + " ms");
  if (r.consumers > 0 && r.latency_ns.count() == 0) add("nothing delivered");
  r.ok = why.empty();
  r.verdict = r.ok ? "loss " + fmt("%.3f", r.loss_pct()) + " % <= " + fmt("%g", max_loss_pct) + " %, p99 " +
                         fmt("%.3f", p99) + " ms <= " + fmt("%g", max_p99_ms) + " ms"
                   : why;
}

void print_summary(const RunResult& r, std::FILE* out) {
  std::fprintf(out, "== %zu participants in %zu room%s of %zu", r.participants, r.rooms,
               r.rooms == 1 ? "" : "s", r.room_size);
  if (r.last_room_size != r.room_size) std::fprintf(out, " (the last of %zu)", r.last_room_size);
  std::fprintf(out, ", %llu streams, %s via %s, %.1f s, %s payloads of %.0f bytes every %u ms\n",
               static_cast<unsigned long long>(r.consumers), r.mode == "udp" ? "plain UDP" : "QUIC",
               r.relay.c_str(), r.duration_s, r.opus ? "Opus" : "filler", r.payload_bytes, r.interval_ms);
  std::fprintf(
      out,
      "joins:     %llu/%zu joined in %.2f s (%.0f/s asked, %.1f/s achieved); join p50 %s ms, p99 %s ms, "
      "max %s ms; %llu failures\n",
      static_cast<unsigned long long>(r.joined), r.participants, r.join_phase_s, r.join_rate_asked,
      r.joins_per_s, fmt("%.2f", ms(r.join_ns.quantile(0.5))).c_str(),
      fmt("%.2f", ms(r.join_ns.quantile(0.99))).c_str(), fmt("%.2f", max_ms(r.join_ns)).c_str(),
      static_cast<unsigned long long>(r.join_failures));
  for (const auto& [kind, c] : r.failures)
    std::fprintf(out, "           join failure: %llu x %s (%s)\n", static_cast<unsigned long long>(c.count),
                 kind.c_str(), c.example.c_str());
  for (const auto& [kind, c] : r.disconnects)
    std::fprintf(out, "           disconnected: %llu x %s (%s)\n", static_cast<unsigned long long>(c.count),
                 kind.c_str(), c.example.c_str());
  std::fprintf(
      out,
      "sending:   %llu datagrams in %.2f s (%llu refused); pacer lag p99 %s ms, max %s ms, %llu sends "
      "over 1 ms late\n",
      static_cast<unsigned long long>(r.sent), r.window_s, static_cast<unsigned long long>(r.send_errors),
      fmt("%.3f", ms(r.pacer_lag_ns.quantile(0.99))).c_str(), fmt("%.3f", max_ms(r.pacer_lag_ns)).c_str(),
      static_cast<unsigned long long>(r.pacer_late));
  for (const auto& [kind, n] : r.send_error_kinds)
    std::fprintf(out, "           refused: %llu x %s\n", static_cast<unsigned long long>(n), kind.c_str());
  std::fprintf(
      out,
      "delivery:  %llu of %llu expected delivered to %llu receivers, %llu lost (%.3f %%), %llu duplicates, "
      "%llu reordered; %llu receivers lost some (worst %.3f %%)\n",
      static_cast<unsigned long long>(r.delivered), static_cast<unsigned long long>(r.expected),
      static_cast<unsigned long long>(r.receivers), static_cast<unsigned long long>(r.lost), r.loss_pct(),
      static_cast<unsigned long long>(r.duplicates), static_cast<unsigned long long>(r.reordered),
      static_cast<unsigned long long>(r.receivers_with_loss), r.worst_receiver_loss_pct);
  std::fprintf(out,
               "latency:   p50 %s ms, p99 %s ms, p99.9 %s ms, max %s ms; jitter %s ms (RFC 3550, mean)\n",
               fmt("%.3f", ms(r.latency_ns.quantile(0.5))).c_str(),
               fmt("%.3f", ms(r.latency_ns.quantile(0.99))).c_str(),
               fmt("%.3f", ms(r.latency_ns.quantile(0.999))).c_str(),
               fmt("%.3f", max_ms(r.latency_ns)).c_str(), fmt("%.3f", r.jitter_ms).c_str());
  if (r.churn_per_s > 0) {
    std::fprintf(
        out,
        "churn:     %.1f/s: %llu left, %llu replacements joined (%llu failed; join p50 %s ms, p99 %s ms); "
        "%llu stayed throughout: %llu of %llu delivered, %llu lost\n",
        r.churn_per_s, static_cast<unsigned long long>(r.churn_leaves),
        static_cast<unsigned long long>(r.churn_joins),
        static_cast<unsigned long long>(r.churn_join_failures),
        fmt("%.2f", ms(r.churn_join_ns.quantile(0.5))).c_str(),
        fmt("%.2f", ms(r.churn_join_ns.quantile(0.99))).c_str(), static_cast<unsigned long long>(r.stayed),
        static_cast<unsigned long long>(r.stayed_delivered),
        static_cast<unsigned long long>(r.stayed_expected), static_cast<unsigned long long>(r.stayed_lost));
  }
  if (!r.transport_counters.empty() || r.host_udp_rcvbuf_errors) {
    std::string line;
    for (const auto& [name, v] : r.transport_counters) {
      if (name == "trunk_frames_received" && v == 0) continue;
      line += (line.empty() ? "" : ", ") + name + " " + std::to_string(v);
    }
    std::fprintf(out, "transport: %s%s%s; host UDP buffer overflows: %s receive, %s send\n",
                 r.mode == "udp" ? "" : "QUIC clients at the end: ", line.c_str(), line.empty() ? "-" : "",
                 r.host_udp_rcvbuf_errors ? std::to_string(*r.host_udp_rcvbuf_errors).c_str() : "?",
                 r.host_udp_sndbuf_errors ? std::to_string(*r.host_udp_sndbuf_errors).c_str() : "?");
  }
  std::string rss;
  if (r.relay_rss_kb_start && r.relay_rss_kb_end)
    rss = "; RSS " + std::to_string(*r.relay_rss_kb_start) + " -> " + std::to_string(*r.relay_rss_kb_end) +
          " kB";
  std::fprintf(out, "relay:     CPU %s over the sending window%s\n",
               std::isfinite(r.relay_cpu_pct) ? (fmt("%.1f", r.relay_cpu_pct) + " % of one core").c_str()
                                              : "not measured (no --relay-pid)",
               rss.c_str());
  std::fprintf(out, "host:      other processes used %s %% of one core over the sending window\n",
               fmt("%.1f", r.other_cpu_pct).c_str());
  std::fprintf(out, "generator: CPU %s %% of one core over the sending window%s\n",
               fmt("%.1f", r.load_cpu_pct).c_str(),
               generator_saturated(r)
                   ? " - SATURATED (its CPU, or its pacer late): the generator, not the relay, may "
                     "be what limits these figures"
                   : "");
  std::fprintf(out, "result:    %s: %s\n", r.ok ? "OK" : "LIMIT CROSSED", r.verdict.c_str());
  std::fflush(out);
}

nlohmann::ordered_json to_json(const RunResult& r) {
  nlohmann::ordered_json j;
  j["mode"] = r.mode;
  j["relay"] = r.relay;
  j["participants"] = r.participants;
  j["room_size"] = r.room_size;
  j["rooms"] = r.rooms;
  j["last_room_size"] = r.last_room_size;
  j["consumers"] = r.consumers;
  j["duration_s"] = r.duration_s;
  j["window_s"] = number(r.window_s);
  j["interval_ms"] = r.interval_ms;
  j["payload_bytes"] = number(r.payload_bytes);
  j["payload"] = r.opus ? "opus" : "filler";
  j["sent"] = r.sent;
  j["send_errors"] = r.send_errors;
  j["delivered"] = r.delivered;
  j["expected"] = r.expected;
  j["lost"] = r.lost;
  j["loss_pct"] = number(r.loss_pct());
  j["duplicates"] = r.duplicates;
  j["reordered"] = r.reordered;
  j["receivers"] = r.receivers;
  j["receivers_with_loss"] = r.receivers_with_loss;
  j["worst_receiver_loss_pct"] = number(r.worst_receiver_loss_pct);
  j["worst_receiver_p99_ms"] = number(r.worst_receiver_p99_ms);
  j["latency_p50_ms"] = number(ms(r.latency_ns.quantile(0.5)));
  j["latency_p99_ms"] = number(ms(r.latency_ns.quantile(0.99)));
  j["latency_p999_ms"] = number(ms(r.latency_ns.quantile(0.999)));
  j["latency_max_ms"] = number(max_ms(r.latency_ns));
  j["jitter_ms"] = number(r.jitter_ms);
  j["joined"] = r.joined;
  j["join_p50_ms"] = number(ms(r.join_ns.quantile(0.5)));
  j["join_p99_ms"] = number(ms(r.join_ns.quantile(0.99)));
  j["join_max_ms"] = number(max_ms(r.join_ns));
  j["joins_per_s"] = number(r.joins_per_s);
  j["join_rate_asked"] = number(r.join_rate_asked);
  j["join_failures"] = r.join_failures;
  j["join_failure_reasons"] = closes_json(r.failures);
  j["disconnected"] = r.disconnected;
  j["disconnect_reasons"] = closes_json(r.disconnects);
  auto counters = nlohmann::ordered_json::object();
  for (const auto& [name, v] : r.transport_counters) counters[name] = v;
  j["client_counters"] = std::move(counters);
  j["host_udp_rcvbuf_errors"] = r.host_udp_rcvbuf_errors ? nlohmann::ordered_json(*r.host_udp_rcvbuf_errors)
                                                         : nlohmann::ordered_json(nullptr);
  j["host_udp_sndbuf_errors"] = r.host_udp_sndbuf_errors ? nlohmann::ordered_json(*r.host_udp_sndbuf_errors)
                                                         : nlohmann::ordered_json(nullptr);
  j["relay_cpu_pct"] = number(r.relay_cpu_pct);
  j["relay_rss_kb"] = r.relay_rss_kb_end ? nlohmann::ordered_json(*r.relay_rss_kb_end) : nullptr;
  j["relay_rss_kb_start"] = r.relay_rss_kb_start ? nlohmann::ordered_json(*r.relay_rss_kb_start) : nullptr;
  j["load_cpu_pct"] = number(r.load_cpu_pct);
  j["other_cpu_pct"] = number(r.other_cpu_pct);
  j["pacer_lag_p99_ms"] = number(ms(r.pacer_lag_ns.quantile(0.99)));
  j["pacer_lag_max_ms"] = number(max_ms(r.pacer_lag_ns));
  j["pacer_late_sends"] = r.pacer_late;
  j["generator_cores"] = r.generator_cores;
  j["generator_saturated"] = generator_saturated(r);
  j["churn_per_s"] = r.churn_per_s;
  j["stayed"] = r.stayed;
  j["stayed_expected"] = r.stayed_expected;
  j["stayed_delivered"] = r.stayed_delivered;
  j["stayed_lost"] = r.stayed_lost;
  j["churn_leaves"] = r.churn_leaves;
  j["churn_joins"] = r.churn_joins;
  j["churn_join_failures"] = r.churn_join_failures;
  j["churn_join_p50_ms"] = number(ms(r.churn_join_ns.quantile(0.5)));
  j["churn_join_p99_ms"] = number(ms(r.churn_join_ns.quantile(0.99)));
  j["interrupted"] = r.interrupted;
  j["ok"] = r.ok;
  j["verdict"] = r.verdict;
  if (!r.per_receiver.empty()) {
    auto rows = nlohmann::ordered_json::array();
    for (const auto& row : r.per_receiver) {
      rows.push_back({{"id", row.id},
                      {"room", row.room},
                      {"stayed", row.stayed},
                      {"expected", row.expected},
                      {"delivered", row.delivered},
                      {"lost", row.lost},
                      {"duplicates", row.duplicates},
                      {"reordered", row.reordered},
                      {"latency_p50_ms", number(row.latency_p50_ms)},
                      {"latency_p99_ms", number(row.latency_p99_ms)},
                      {"latency_max_ms", number(row.latency_max_ms)},
                      {"jitter_ms", number(row.jitter_ms)}});
    }
    j["per_receiver"] = std::move(rows);
  }
  return j;
}

}  // namespace load

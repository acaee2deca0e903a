// The relay's HTTP API routes and its /metrics snapshot. Everything here runs
// on HTTP threads: it reads atomics and thread-safe tables only.
#include <nlohmann/json.hpp>

#include "relay/mesh_table.hpp"
#include "relay/relay_metrics.hpp"
#include "relay/relay_server.hpp"

namespace wzp::relay {

std::vector<ProbeStatus> RelayServer::probe_status() const { return {}; }

std::string RelayServer::metrics_text() const {
  auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  const auto& c = counters_;
  RelayMetricsSnapshot s;
  s.active_sessions = get(c.participants);
  s.active_rooms = get(c.rooms);
  s.packets_forwarded = get(c.fanout_packets);
  s.bytes_forwarded = get(c.fanout_bytes);
  s.auth_ok = get(c.auth_ok);
  s.auth_fail = get(c.auth_rejected) + get(c.auth_unavailable);
  s.handshake_duration = handshake_seconds_.snapshot();
  s.sessions = session_metrics_.snapshot();
  s.probes = probe_status();
  s.refusals = refusals_.snapshot();
  s.connections_accepted = get(c.connections_accepted);
  s.sessions_held = get(c.sessions_active);
  s.datagrams_received = get(c.datagrams_received);
  s.datagrams_delivered = get(c.datagrams_forwarded);
  s.datagrams_malformed = get(c.datagrams_malformed);
  s.datagrams_dropped = get(c.datagrams_dropped);
  s.datagrams_rate_limited = get(c.datagrams_rate_limited);
  s.datagrams_no_recipient = get(c.datagrams_no_recipient);
  s.tls_refused = get(c.tls_refused);
  s.events_dropped = config_.events_dropped ? config_.events_dropped() : 0;
  s.http_unauthorized = http_ ? get(http_->counters().unauthorized) : 0;
  return render_relay_metrics(s);
}

std::string RelayServer::health_json() const {
  nlohmann::ordered_json health;
  health["status"] = "ok";
  health["address"] = address_;
  health["fingerprint"] = config_.identity.fingerprint().to_display();
  health["sessions"] = counters_.participants.load(std::memory_order_relaxed);
  health["rooms"] = counters_.rooms.load(std::memory_order_relaxed);
  return health.dump();
}

HttpApiRoutes RelayServer::http_routes() {
  HttpApiRoutes routes;
  routes.presence = [] { return std::string("[]"); };
  routes.lookup = [](const std::string& fp) {
    return nlohmann::ordered_json{{"fingerprint", fp}, {"location", nullptr}}.dump(
        -1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  };
  routes.peers = [] { return std::string("[]"); };
  routes.mesh = [this] { return mesh_table(probe_status()); };
  routes.health = [this] { return health_json(); };
  routes.metrics = [this] { return metrics_text(); };
  return routes;
}

}  // namespace wzp::relay

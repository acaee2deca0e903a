#include "relay/relay_metrics.hpp"

namespace wzp::relay {
namespace {

using Type = MetricType;

void counter(MetricsText& out, const std::string& name, std::string_view help, uint64_t value) {
  out.family(name, help, Type::counter);
  out.sample(name, {}, value);
}

void gauge(MetricsText& out, const std::string& name, std::string_view help, uint64_t value) {
  out.family(name, help, Type::gauge);
  out.sample(name, {}, value);
}

void write_reference(MetricsText& out, const RelayMetricsSnapshot& s) {
  gauge(out, "wzp_relay_active_sessions", "Current active sessions", s.active_sessions);
  gauge(out, "wzp_relay_active_rooms", "Current active rooms", s.active_rooms);
  counter(out, "wzp_relay_packets_forwarded_total", "Total packets forwarded", s.packets_forwarded);
  counter(out, "wzp_relay_bytes_forwarded_total", "Total bytes forwarded", s.bytes_forwarded);
  // Labelled: a result appears once it has happened (the reference's library
  // shows a label value only once touched).
  out.family("wzp_relay_auth_attempts_total", "Auth validation attempts", Type::counter);
  if (s.auth_ok != 0) out.sample("wzp_relay_auth_attempts_total", {{"result", "ok"}}, s.auth_ok);
  if (s.auth_fail != 0) out.sample("wzp_relay_auth_attempts_total", {{"result", "fail"}}, s.auth_fail);
  out.family("wzp_relay_handshake_duration_seconds", "Crypto handshake time", Type::histogram);
  out.histogram("wzp_relay_handshake_duration_seconds", {}, s.handshake_duration);

  out.family("wzp_relay_session_loss_pct", "Packet loss percentage per session", Type::gauge);
  out.family("wzp_relay_session_rtt_ms", "Round-trip time per session", Type::gauge);
  for (const auto& g : s.sessions) {
    MetricLabels labels{{"session_id", g.session_id}};
    out.sample("wzp_relay_session_loss_pct", labels, g.loss_pct);
    out.sample("wzp_relay_session_rtt_ms", labels, g.rtt_ms);
  }

  out.family("wzp_probe_rtt_ms", "RTT to peer relay in ms", Type::gauge);
  out.family("wzp_probe_loss_pct", "Packet loss to peer relay in %", Type::gauge);
  out.family("wzp_probe_jitter_ms", "Jitter to peer relay in ms", Type::gauge);
  out.family("wzp_probe_up", "1 if peer relay is reachable, 0 if not", Type::gauge);
  for (const auto& p : s.probes) {
    MetricLabels labels{{"target", p.target}};
    out.sample("wzp_probe_rtt_ms", labels, p.rtt_ms);
    out.sample("wzp_probe_loss_pct", labels, p.loss_pct);
    out.sample("wzp_probe_jitter_ms", labels, p.jitter_ms);
    out.sample("wzp_probe_up", labels, uint64_t{p.up ? 1u : 0u});
  }
}

void write_ours(MetricsText& out, const RelayMetricsSnapshot& s) {
  out.family("wzp_relay_refusals_total", "Connections refused, by the close code they were given",
             Type::counter);
  for (const auto& [code, n] : s.refusals) {
    out.sample("wzp_relay_refusals_total",
               {{"code", std::string(wire::close_code_name(wire::code_value(code)))}}, n);
  }
  counter(out, "wzp_relay_connections_accepted_total", "QUIC connections accepted", s.connections_accepted);
  gauge(out, "wzp_relay_sessions_held", "Connections past the QUIC handshake, authenticating ones included",
        s.sessions_held);
  counter(out, "wzp_relay_datagrams_received_total", "Media datagrams received", s.datagrams_received);
  counter(out, "wzp_relay_datagrams_delivered_total", "Media datagrams handed to a receiver's connection",
          s.datagrams_delivered);
  counter(out, "wzp_relay_datagrams_malformed_total", "Media datagrams dropped as malformed",
          s.datagrams_malformed);
  counter(out, "wzp_relay_datagrams_dropped_total",
          "Media datagrams not forwarded: sender not joined, or a receiver's connection refused it",
          s.datagrams_dropped);
  counter(out, "wzp_relay_datagrams_rate_limited_total", "Media datagrams over the sender's rate limit",
          s.datagrams_rate_limited);
  counter(out, "wzp_relay_datagrams_no_recipient_total", "Media datagrams of a member alone in its room",
          s.datagrams_no_recipient);
  counter(out, "wzp_relay_tls_refused_total", "TLS handshakes refused (SNI, ALPN)", s.tls_refused);
  counter(out, "wzp_relay_events_dropped_total", "Relay events dropped: the event queue was full",
          s.events_dropped);
  counter(out, "wzp_relay_http_unauthorized_total",
          "HTTP requests refused for a missing or wrong bearer token", s.http_unauthorized);
  if (s.presence_local) {
    out.family("wzp_relay_presence_entries", "Users in the presence registry, by where they are",
               Type::gauge);
    out.sample("wzp_relay_presence_entries", {{"location", "local"}}, *s.presence_local);
    out.sample("wzp_relay_presence_entries", {{"location", "remote"}}, s.presence_remote.value_or(0));
  }
  if (s.presence_peers)
    gauge(out, "wzp_relay_presence_peers", "Peer relays in the presence registry", *s.presence_peers);
  if (s.redis) {
    const auto& r = *s.redis;
    gauge(out, "wzp_relay_redis_connected", "1 while the Redis presence backend is connected, else 0",
          uint64_t{r.connected ? 1u : 0u});
    counter(out, "wzp_relay_redis_writes_total", "User records written to or withdrawn from Redis", r.writes);
    counter(out, "wzp_relay_redis_errors_total",
            "Redis failures: connections refused or broken, error replies", r.errors);
    counter(out, "wzp_relay_redis_reconnects_total", "Redis connections re-established after a failure",
            r.reconnects);
    counter(out, "wzp_relay_redis_remote_updates_total", "Presence changes applied from Redis",
            r.remote_updates);
    counter(out, "wzp_relay_redis_resyncs_total", "Full rereads of every relay's presence set in Redis",
            r.resyncs);
    counter(out, "wzp_relay_redis_malformed_total", "Redis channel messages that did not parse (ignored)",
            r.malformed);
  }
  for (const auto& e : s.extra) {
    out.family(e.name, e.help, e.type);
    out.sample(e.name, {}, e.value);
  }
}

}  // namespace

void write_relay_metrics(MetricsText& out, const RelayMetricsSnapshot& s) {
  write_reference(out, s);
  write_ours(out, s);
}

std::string render_relay_metrics(const RelayMetricsSnapshot& s) {
  MetricsText out;
  write_relay_metrics(out, s);
  return out.text();
}

}  // namespace wzp::relay

// The relay's HTTP API routes and its /metrics snapshot. Everything here runs
// on HTTP threads: it reads atomics and thread-safe tables only.
#include <nlohmann/json.hpp>

#include "relay/mesh_table.hpp"
#include "relay/presence_json.hpp"
#include "relay/relay_metrics.hpp"
#include "relay/relay_server.hpp"

namespace wzp::relay {

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
  s.presence_local = presence_->local_count();
  s.presence_remote = presence_->remote_count();
  s.presence_peers = presence_->peer_count();
  if (redis_counters_) {
    const auto& r = *redis_counters_;
    s.redis = RelayMetricsSnapshot::Redis{r.connected.load(std::memory_order_relaxed),
                                          get(r.writes),
                                          get(r.errors),
                                          get(r.reconnects),
                                          get(r.remote_updates),
                                          get(r.resyncs),
                                          get(r.malformed)};
  }
  using Extra = RelayMetricsSnapshot::Extra;
  auto add = [&](const char* name, const char* help, const std::atomic<uint64_t>& value) {
    s.extra.push_back(Extra{name, help, MetricType::counter, static_cast<double>(get(value))});
  };
  const auto& m = c.mesh;
  add("wzp_relay_gossip_messages_in_total", "PresenceUpdate messages received from peer relays", m.gossip_in);
  add("wzp_relay_gossip_messages_out_total", "PresenceUpdate messages sent to peer relays", m.gossip_out);
  add("wzp_relay_gossip_refused_unauthenticated_total",
      "PresenceUpdates ignored: the peer is not authenticated (and the mesh is not open)",
      m.gossip_refused_unauthenticated);
  add("wzp_relay_gossip_refused_address_total", "PresenceUpdates ignored: they name another peer's address",
      m.gossip_refused_address);
  add("wzp_relay_gossip_refused_full_total", "PresenceUpdates refused by the presence registry's bounds",
      m.gossip_refused_full);
  add("wzp_relay_probe_pings_sent_total", "Probe pings sent to peer relays", m.probe_pings_sent);
  add("wzp_relay_probe_pongs_received_total", "Probe pongs received from peer relays",
      m.probe_pongs_received);
  add("wzp_relay_probe_pongs_sent_total", "Probe pongs sent to probing relays", m.probe_pongs_sent);
  add("wzp_relay_mesh_auth_ok_total", "Probe links whose peer relay authenticated as a mesh peer",
      m.mesh_auth_ok);
  add("wzp_relay_mesh_auth_unlisted_total", "Probe links authenticated by a relay that is not a mesh peer",
      m.mesh_auth_unlisted);
  add("wzp_relay_mesh_auth_failed_total", "Probe link authentications that failed", m.mesh_auth_failed);
  add("wzp_relay_probe_messages_malformed_total", "Malformed messages on probe links",
      m.probe_messages_malformed);
  const auto& p = presence_->counters();
  add("wzp_relay_presence_refused_local_total", "Local users not registered: the registry was full",
      p.local_full);
  add("wzp_relay_presence_refused_remote_total", "Remote users not registered: the registry was full",
      p.remote_full);
  add("wzp_relay_presence_refused_peers_total", "Peer relays not registered: the registry was full",
      p.peers_full);
  add("wzp_relay_presence_peer_updates_total", "Presence reports from peer relays applied", p.peer_updates);
  add("wzp_relay_presence_expired_total", "Remote users expired for not being refreshed", p.expired);
  if (http_) {
    const auto& h = http_->counters();
    add("wzp_relay_http_forbidden_total", "HTTP access-list requests refused: the relay has no admin token",
        h.forbidden);
    add("wzp_relay_http_bad_requests_total",
        "HTTP requests refused as malformed: not HTTP, or an access-list room, fingerprint or body not valid",
        h.bad_request);
    add("wzp_relay_http_payload_too_large_total", "HTTP requests refused for a body over 64 KiB",
        h.payload_too_large);
  }
  add("wzp_relay_acl_evicted_total",
      "Participants closed with WZP_CLOSE_ACL_DENIED because an access-list change stopped admitting them",
      c.acl_evicted);
  add("wzp_relay_cross_loop_datagrams_total",
      "Media datagrams passed from the event loop that received them to a receiver's loop",
      c.cross_loop_datagrams);
  add("wzp_relay_cross_loop_batches_total", "Batches of media passed between event loops",
      c.cross_loop_batches);
  add("wzp_relay_cross_loop_dropped_total",
      "Media datagrams dropped because the receiver's event loop had too many datagrams waiting (8192)",
      c.cross_loop_dropped);
  // QUIC connection state held, closing and draining ones included (each loop's last 1-s
  // snapshot): what the relay's memory follows, where sessions count only those who joined.
  uint64_t in_memory = 0;
  uint64_t handed_over = 0;
  for (const auto& shard : shards_) {
    const auto snapshot = shard->stats_snapshot();
    in_memory += snapshot.connections_in_memory;
    handed_over += snapshot.packets_handed_over;
  }
  s.extra.push_back(Extra{"wzp_relay_connections_in_memory",
                          "QUIC connections whose state the relay holds, closing and draining ones included",
                          MetricType::gauge, static_cast<double>(in_memory)});
  s.extra.push_back(Extra{"wzp_relay_packets_handed_over_total",
                          "QUIC packets that reached another event loop's socket and were passed to the loop "
                          "their connection ID names",
                          MetricType::counter, static_cast<double>(handed_over)});
  add("wzp_relay_handover_dropped_total",
      "Packets passed between event loops that were dropped: the loop named had 4096 waiting",
      c.handover_dropped);
  return render_relay_metrics(s);
}

std::string RelayServer::health_json() const {
  nlohmann::ordered_json health;
  health["status"] = "ok";
  health["address"] = address_;
  health["fingerprint"] = config_.identity.fingerprint().to_display();
  health["sessions"] = counters_.participants.load(std::memory_order_relaxed);
  health["rooms"] = counters_.rooms.load(std::memory_order_relaxed);
  health["threads"] = shards_.size();
  health["presence_local"] = presence_->local_count();
  health["presence_remote"] = presence_->remote_count();
  return health.dump();
}

HttpApiRoutes RelayServer::http_routes() {
  HttpApiRoutes routes;
  routes.presence = [this] { return presence_json(presence_->all_known()); };
  routes.lookup = [this](const std::string& fp) { return lookup_json(fp, presence_->lookup(fp)); };
  routes.peers = [this] { return peers_json(presence_->peers()); };
  routes.mesh = [this] { return mesh_table(probe_status()); };
  routes.health = [this] { return health_json(); };
  routes.metrics = [this] { return metrics_text(); };
  routes.acl = [this](const AclRequest& request) { return acl_route(request); };
  return routes;
}

}  // namespace wzp::relay

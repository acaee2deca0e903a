// The relay mesh: outgoing probe links (one per --probe target) and the probe
// responder for incoming ones, carrying Ping/Pong and presence gossip
// (relay spec §9-§11) with libwzp's fixes:
//   - relay_addr names the sender's own client-facing address (advertise);
//   - mesh authentication: on a libwzp link the prober sends a CallOffer
//     signed with its relay identity, the responder answers it with a
//     CallAnswer signed by its own when the prober's fingerprint is a mesh
//     peer, and the prober proves it holds the session key with
//     {"wzp_mesh_confirm": base64(AEAD tag)} (a replayed CallOffer cannot).
//     Each side accepts gossip only from a peer it listed, and files it only
//     under the one address that peer claimed first (bound to its fingerprint);
//   - with mesh_open, unauthenticated (reference) relays' gossip is accepted
//     under the address they name, except one bound to an authenticated peer.
// Ping/Pong stays open to anyone.
//
// Threading: everything runs on the relay's loop thread, except status() and
// the counters (read under a mutex / atomics).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "core/throttled_log.hpp"
#include "crypto/identity.hpp"
#include "handshake/signal_handshake.hpp"
#include "relay/mesh_counters.hpp"
#include "relay/presence_registry.hpp"
#include "relay/probe_status.hpp"
#include "relay/probe_window.hpp"
#include "transport/endpoint.hpp"
#include "wire/signal_message.hpp"

namespace wzp::relay {

/// The SNI a libwzp responder answers probes on (a GnuTLS server refuses "_probe").
inline constexpr std::string_view kSniMeshProbe = "wzp-probe";

enum class ProbeKind { libwzp, reference };

struct ProbeTarget {
  std::string label;  // "ip:port", the target as reported
  transport::SocketAddress address;
  ProbeKind kind = ProbeKind::libwzp;
};

/// "HOST:PORT", "wzp:HOST:PORT" or "ref:HOST:PORT" (HOST an IP literal, IPv6 in
/// brackets). Errors: invalid_argument.
Result<ProbeTarget> parse_probe_target(std::string_view text);

struct MeshConfig {
  std::vector<ProbeTarget> targets;
  /// relay_addr of every PresenceUpdate we send; empty: the reference's choice
  /// (the target's address as prober, the prober's as responder).
  std::string advertise;
  std::set<std::string> mesh_peers;  // fingerprints, display form
  bool mesh_open = false;
  uint32_t ping_interval_ms = 1000;
  uint32_t gossip_every_pings = 10;
  uint32_t gossip_debounce_ms = 200;
  uint32_t backoff_initial_ms = 1000;
  uint32_t backoff_max_ms = 30'000;
  /// The SNI for reference targets ("_probe"); tests may point it elsewhere.
  std::string reference_sni = "_probe";
};

class ProbeMesh {
 public:
  ProbeMesh(EventLoop& loop, const crypto::Identity& identity, PresenceRegistry& presence, MeshConfig config,
            MeshCounters& counters);
  ~ProbeMesh();
  /// A lock its timers take before touching the mesh (the relay's control lock,
  /// since connections on other loops reach the mesh too); before start().
  void set_guard(std::recursive_mutex* guard) noexcept { guard_ = guard; }
  ProbeMesh(const ProbeMesh&) = delete;
  ProbeMesh& operator=(const ProbeMesh&) = delete;

  /// The relay_addr to gossip (empty: the reference's choice); before start().
  void set_advertise(std::string advertise) { config_.advertise = std::move(advertise); }
  /// Opens the probe links through `endpoint` (loop thread).
  void start(transport::Endpoint& endpoint);
  /// No reconnects or gossip afterwards (loop thread).
  void stop();

  /// Whether `id` is a probe connection (either direction).
  bool owns(transport::ConnectionId id) const;
  /// An incoming connection that asked for a probe SNI completed its handshake.
  void accept(transport::Connection& conn);
  void on_handshake_completed(transport::Connection& conn);  // outgoing links
  void on_signal(transport::Connection& conn, ByteView payload);
  void on_closed(transport::Connection& conn, const transport::CloseInfo& info);
  /// The local user set changed: gossip it soon (debounced).
  void local_changed();

  /// Forgets the address bindings of peers whose presence record has expired, so that a
  /// relay that comes back under a new advertised address is heard there.
  void prune_bindings();

  /// Thread-safe.
  std::vector<ProbeStatus> status() const;
  /// Authenticated fingerprint of each target's peer (empty when not), by label. Thread-safe.
  std::map<std::string, std::string> authenticated_peers() const;

  /// The PresenceUpdate this relay gossips, relay_addr = `addr`.
  wire::PresenceUpdate local_update(const std::string& addr) const;

 private:
  struct Link;
  struct Inbound;
  [[nodiscard]] std::unique_lock<std::recursive_mutex> hold() const {
    return guard_ != nullptr ? std::unique_lock(*guard_) : std::unique_lock<std::recursive_mutex>();
  }
  std::recursive_mutex* guard_ = nullptr;
  void connect(Link& link);
  void schedule_reconnect(Link& link);
  void tick(Link& link);
  void link_down(Link& link, const std::string& why);
  void send_gossip(Link& link);
  void handle_link_message(Link& link, transport::Connection& conn, const wire::json::Value& value);
  void handle_inbound_message(Inbound& in, transport::Connection& conn, const wire::json::Value& value);
  /// Files `update` from a peer; false when refused (counted).
  bool apply_update(const wire::PresenceUpdate& update, const transport::SocketAddress& fallback,
                    const std::optional<std::string>& authenticated_fp, const std::string& who);
  bool send(transport::Connection& conn, const std::string& json);
  void publish_status(const Link& link);
  Link* find_link(transport::ConnectionId id);

  EventLoop& loop_;
  const crypto::Identity& identity_;
  PresenceRegistry& presence_;
  MeshConfig config_;
  MeshCounters& counters_;
  transport::Endpoint* endpoint_ = nullptr;
  bool stopped_ = false;
  std::vector<std::unique_ptr<Link>> links_;
  std::map<transport::ConnectionId, Inbound> inbound_;
  std::optional<EventLoop::TimerId> debounce_;
  // The address each authenticated peer files its users under, and back.
  std::map<std::string, std::string> addr_owner_;  // addr -> fingerprint
  std::map<std::string, std::string> peer_addr_;   // fingerprint -> addr
  ThrottledLog refused_log_{log::Level::info, "mesh"};

  mutable std::mutex status_mutex_;
  std::vector<ProbeStatus> status_;                  // one per target, in target order
  std::map<std::string, std::string> status_peers_;  // label -> authenticated fingerprint
};

}  // namespace wzp::relay

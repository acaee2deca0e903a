// Everything a RelayServer needs to start. The C ABI and the daemon resolve
// files (identity seed, certificate, ACL) into these values.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "crypto/identity.hpp"
#include "crypto/seed.hpp"
#include "relay/access_list.hpp"
#include "relay/presence_registry.hpp"
#include "relay/sender_policer.hpp"
#include "transport/connection.hpp"
#include "transport/tls_credentials.hpp"
#include "transport/transport_settings.hpp"

namespace wzp::relay {

struct RelayConfig {
  std::string listen_host = "0.0.0.0";
  uint16_t listen_port = 4433;
  crypto::Identity identity = crypto::Identity::from_seed(crypto::Seed::random());
  /// nullptr: a fresh self-signed certificate.
  std::shared_ptr<const transport::TlsCredentials> credentials;
  transport::TransportSettings transport;

  /// featherChat token validation; no authentication when empty.
  std::optional<std::string> auth_url;
  uint32_t auth_timeout_ms = 5000;
  /// Token checks pending at once, in total and per client IP address; a
  /// check beyond either is refused at once with WZP_CLOSE_AUTH_UNAVAILABLE.
  size_t max_auth_pending = 256;
  size_t max_auth_pending_per_address = 4;
  /// The reference never compares the token's fingerprint with the handshake
  /// identity; we require equality unless this is set.
  bool allow_identity_mismatch = false;
  /// Handshake identities (display fingerprints) that may present other
  /// identities' tokens: browser bridges, which hold no user's seed.
  std::vector<std::string> trusted_bridges;
  /// Refuse a CallOffer without the v2 media session (WZP_CLOSE_HANDSHAKE_FAILED)
  /// instead of answering it with the reference session.
  bool require_media_session_v2 = false;

  /// Sessions held at once: connections whose QUIC handshake completed, the
  /// ones still authenticating included. Every connection over it is
  /// refused with WZP_CLOSE_SERVER_FULL once its handshake completes.
  size_t max_sessions = 100;
  /// QUIC handshakes in progress at once (0: max(16, max_sessions / 4)); over
  /// half of it, clients must answer a Retry first (address validation).
  size_t max_handshakes = 0;
  /// Deadline for a QUIC handshake (a client that never finishes it holds a
  /// handshake slot this long).
  uint32_t handshake_timeout_ms = 3'000;
  /// Participants per room; 0 = unlimited.
  size_t max_room_size = 0;
  /// Deadline for each pre-room phase (AuthToken, CallOffer).
  uint32_t phase_timeout_ms = 10'000;

  /// Signals a joined participant may send: only small ones (Hangup, Rekey,
  /// QualityUpdate, all well under 1 KiB) are expected after the handshake, so
  /// the transport's pre-join limits (a 1 MiB message, 4 MiB buffered) shrink
  /// to these; a stream unfinished for stream_timeout_ms is reset.
  transport::SignalLimits joined_signal_limits{size_t{16} * 1024, size_t{64} * 1024, 10'000};

  /// Media each participant may send for forwarding; the excess is dropped
  /// and counted (datagrams_rate_limited).
  SenderRateLimit sender_rate;

  /// Who may join which room (off by default; see access_list.hpp).
  AccessList acl;

  // ---- The mesh (probe_mesh.hpp) and presence ----
  /// "[wzp:|ref:]IP:PORT": one probe link each (ref: a reference relay, SNI "_probe").
  std::vector<std::string> probe_targets;
  /// This relay's client-facing "HOST:PORT" (an IP), named in the presence it
  /// gossips; empty: the listen address unless that is a wildcard.
  std::string advertise;
  /// Relay fingerprints whose presence gossip is accepted (mesh authentication).
  std::vector<std::string> mesh_peers;
  /// Also accept unauthenticated (reference) relays' presence.
  bool mesh_open = false;
  /// Remote presence entries not refreshed for this long are removed (0: 30);
  /// also the TTL of this relay's keys in Redis.
  uint32_t presence_ttl_s = 30;
  /// redis://HOST:PORT[/DB]: share presence through Redis (presence_redis.hpp); empty: off.
  std::string presence_redis;
  /// Probe and gossip cadences (the reference's: 1 s, every 10th ping); tests shorten them.
  uint32_t probe_interval_ms = 1000;
  uint32_t gossip_every_pings = 10;
  uint32_t gossip_debounce_ms = 200;
  /// Presence expiry runs this often (0: a quarter of the TTL, between 100 ms and 5 s).
  uint32_t presence_expiry_interval_ms = 0;
  /// The SNI for reference targets; tests point it at a name their responder accepts.
  std::string reference_probe_sni = "_probe";
  PresenceLimits presence_limits;
  /// The HTTP API (presence, peers, mesh, healthz, metrics; http_api.hpp): off
  /// when unset; 0 picks a free port (RelayServer::http_port).
  std::optional<uint16_t> metrics_port;
  /// Loopback by default: the reference binds every interface.
  std::string metrics_bind = "127.0.0.1";
  /// Required as a bearer token on /presence* and /peers when set.
  std::optional<std::string> http_token;
  /// Required as a bearer token on the HTTP API's /acl routes; unset: they answer 403.
  std::optional<std::string> http_admin_token;
  /// Events the relay's owner dropped (its queue was full), shown in /metrics.
  std::function<uint64_t()> events_dropped;
  /// Trunked forwarding (relay spec §7.6, docs/PROTOCOL.md row 42): a client that
  /// offered "wzp_trunk" receives each sender's media batched into TrunkFrames
  /// (at most 10 packets, within its datagram limit, flushed every 5 ms). Clients
  /// that did not offer it (reference clients) get plain datagrams as always.
  bool trunking = false;

  /// Test and diagnostic hook, never needed to run a relay: when set, called on the relay's
  /// loop thread with every media datagram it forwards, once per datagram (not per receiver),
  /// as forwarded (byte 1 rewritten), before the fan-out. The view is the relay's forwarding
  /// buffer, valid until the observer returns. It runs on the forwarding path, so it must be
  /// quick and must not call back into the relay. Unset (the default) it costs one branch per
  /// datagram.
  std::function<void(ByteView datagram)> forward_observer;
  /// Event loops (threads), each with its own SO_REUSEPORT socket on the port,
  /// its own connections and their media path; rooms span loops. 0: one per
  /// core. At most kMaxRelayThreads.
  size_t threads = 1;
};

inline constexpr size_t kMaxRelayThreads = 64;

}  // namespace wzp::relay

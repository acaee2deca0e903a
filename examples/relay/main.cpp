// wzp-relay: a WarzonePhone relay daemon built only on the public C ABI (wzp.h).
//
// Accepts QUIC connections (ALPN "wzp"), takes the room from the TLS SNI,
// optionally validates featherChat tokens, runs the call handshake as callee,
// enforces an optional per-room access list and forwards every media datagram
// to the other members of its room. Stops cleanly on SIGINT or SIGTERM.
#include <wzp.h>

#include <httplib.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../common/address.hpp"
#include "../common/log_level.hpp"

namespace {

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// The admin token from its file (whitespace around it ignored); nullopt after saying why.
std::optional<std::string> read_token_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "wzp-relay: cannot read --http-admin-token-file '%s': %s\n", path.c_str(),
                 std::strerror(errno));
    return std::nullopt;
  }
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0 && text.size() < 65536;) text.append(buf, n);
  std::fclose(f);
  std::string token = trimmed(text);
  if (token.empty() || token.find_first_of("\r\n") != std::string::npos) {
    std::fprintf(stderr, "wzp-relay: --http-admin-token-file '%s' must hold one non-empty line\n",
                 path.c_str());
    return std::nullopt;
  }
  return token;
}

void print_event(const wzp_event& ev) {
  const char* fp = ev.fingerprint ? ev.fingerprint : "-";
  const char* room = ev.room ? ev.room : "-";
  switch (ev.type) {
    case WZP_EVENT_JOINED:
      std::printf("event: JOINED connection=%llu room=%s fingerprint=%s\n",
                  static_cast<unsigned long long>(ev.connection_id), room, fp);
      break;
    case WZP_EVENT_LEFT:
    case WZP_EVENT_REJECTED:
      std::printf("event: %s connection=%llu room=%s fingerprint=%s code=%s reason=\"%s\"\n",
                  wzp_event_type_name(ev.type), static_cast<unsigned long long>(ev.connection_id), room, fp,
                  wzp_close_code_name(ev.close_code), ev.close_reason ? ev.close_reason : "");
      break;
    case WZP_EVENT_PRESENCE:
      std::printf("event: PRESENCE fingerprint=%s %s at=%s room=%s\n", fp, ev.online ? "online" : "offline",
                  ev.relay_addr ? ev.relay_addr : "here", room);
      break;
    default: break;
  }
  std::fflush(stdout);
}

// --mesh-status: the mesh table of a running relay, from its HTTP API (the
// reference prints the empty table whatever runs).
int mesh_status(const std::string& where) {
  if (where.empty()) {
    std::string rule;
    for (int i = 0; i < 41; ++i) rule += "\u2500";
    std::printf("Relay Mesh Health\n%s\n%-20s %6s %6s %7s  %s\n  (no probe targets configured)\n",
                rule.c_str(), "Target", "RTT", "Loss", "Jitter", "Status");
    return 0;
  }
  std::string host = "127.0.0.1", port_text = where;
  if (auto colon = where.rfind(':'); colon != std::string::npos) {
    host = where.substr(0, colon);
    port_text = where.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  }
  char* end = nullptr;
  unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port == 0 || port > 65535) {
    std::fprintf(stderr, "wzp-relay: --mesh-status '%s' is not [HOST:]PORT\n", where.c_str());
    return 2;
  }
  httplib::Client client(host, static_cast<int>(port));
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  auto res = client.Get("/mesh");
  if (!res) {
    std::fprintf(stderr, "wzp-relay: cannot reach the relay's HTTP API at %s:%lu: %s\n", host.c_str(), port,
                 httplib::to_string(res.error()).c_str());
    return 1;
  }
  if (res->status != 200) {
    std::fprintf(stderr, "wzp-relay: %s:%lu answered GET /mesh with HTTP %d: %s\n", host.c_str(), port,
                 res->status, res->body.c_str());
    return 1;
  }
  std::fputs(res->body.c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "wzp-relay: WarzonePhone relay (SFU). Clients join the room named by their TLS SNI; every media\n"
      "datagram a member sends is forwarded to the other members of its room.\n"
      "Room names containing '_' (and a reference relay's '_probe') cannot be served: GnuTLS refuses such\n"
      "SNI host names during the TLS handshake; each refusal is logged and counted. Hashed room names\n"
      "(hex, what featherChat clients send) are unaffected. Relay probes are answered on SNI 'wzp-probe'.\n"
      "Relays form a mesh with --probe and --mesh-peer: each knows which users are online at the others\n"
      "(PRESENCE events; see docs/MESH.md)."};
  std::string listen = "0.0.0.0:4433", auth_url, identity_file, cert, key, acl_file, log_level = "info";
  std::string presence_redis;
  uint32_t max_sessions = 100, max_room = 0, phase_timeout = 10000, idle_timeout = 30000, auth_timeout = 5000;
  bool allow_mismatch = false, require_v2 = false, acl_default_deny = false, trunking = false;
  uint32_t sender_pps = 200, sender_burst = 100, sender_bps = 256 * 1024;
  uint32_t max_handshakes = 0, handshake_timeout = 3000, auth_pending = 256, auth_pending_per_address = 4;
  uint32_t threads = 0;
  std::vector<std::string> probes, mesh_peers, trusted_bridges;
  std::string advertise;
  bool mesh_open = false;
  uint32_t presence_ttl = 30;
  app.add_option("--listen", listen, "UDP address to listen on, IP:port or [IPv6]:port (port 0 picks one)")
      ->capture_default_str();
  app.add_option(
      "--auth-url", auth_url,
      "featherChat token validation URL; when set, every client must send an AuthToken first, which is "
      "POSTed as {\"token\": ...} and must come back 2xx with valid:true and a fingerprint");
  app.add_option("--auth-timeout-ms", auth_timeout, "timeout of the whole token validation request")
      ->capture_default_str();
  app.add_flag(
      "--allow-identity-mismatch", allow_mismatch,
      "accept a token whose fingerprint differs from the client's handshake identity (reference clients "
      "use throwaway identities); by default such clients are refused. For the web bridge, prefer "
      "--trusted-bridge");
  app.add_option("--trusted-bridge", trusted_bridges,
                 "fingerprint of a web bridge (wzp-web prints it at start) that may present its users' "
                 "featherChat tokens: its sessions are admitted as the token's fingerprint (ACL, presence). "
                 "Repeatable; every other client still needs a token of its own identity");
  app.add_flag(
      "--require-session-v2", require_v2,
      "refuse clients whose CallOffer does not offer libwzp's v2 media session (reference clients, or "
      "an offer whose \"wzp_media_session\" field was stripped) instead of answering them with the "
      "reference session");
  app.add_option(
      "--identity", identity_file,
      "seed file of the relay identity (64 hex digits), created only if the path does not exist, so the "
      "relay's fingerprint is stable across restarts (any other failure stops the relay, the file is never "
      "replaced); without it the identity is random per start");
  app.add_option("--cert", cert,
                 "PEM certificate (with --key); default: a self-signed ECDSA P-256 certificate")
      ->check(CLI::ExistingFile);
  app.add_option("--key", key, "PEM private key of --cert")->check(CLI::ExistingFile);
  app.add_option(
         "--room-acl", acl_file,
         "access list file: lines 'ROOM FINGERPRINT...' ('#' comments); turns the ACL on. ROOM is a room "
         "hash (32 hex digits: what clients send for a room name) or 'sni:NAME' for clients that send NAME "
         "as their SNI; a plain room name is an error. A listed room admits only its fingerprints: the auth "
         "token's with --auth-url, otherwise the handshake identity's. An unlisted room admits everyone, "
         "unless --acl-default-deny")
      ->check(CLI::ExistingFile);
  app.add_flag("--acl-default-deny", acl_default_deny,
               "turns the ACL on with rooms that --room-acl does not list refusing everyone");
  app.add_option("--max-sessions", max_sessions,
                 "connections at once, the ones still authenticating included")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1000000u));
  app.add_option("--max-room-size", max_room, "participants per room (0 = unlimited)")->capture_default_str();
  app.add_option("--phase-timeout-ms", phase_timeout, "deadline for the AuthToken and for the CallOffer")
      ->capture_default_str();
  app.add_option("--idle-timeout-ms", idle_timeout, "QUIC idle timeout")->capture_default_str();
  app.add_option("--sender-datagrams-per-s", sender_pps,
                 "media datagrams per second each participant may send (sustained; 0 = no limit); the "
                 "excess is dropped and counted. Voice needs 50-100")
      ->capture_default_str();
  app.add_option("--sender-burst", sender_burst, "datagrams a participant may send at once above that rate")
      ->capture_default_str();
  app.add_option("--sender-bytes-per-s", sender_bps,
                 "media bytes per second each participant may send (0 = no limit); bursts of half a second")
      ->capture_default_str();
  app.add_option("--threads", threads,
                 "event loops (threads), each with its own SO_REUSEPORT socket on the port; rooms span them "
                 "(0 = one per core)")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  app.add_option("--max-handshakes", max_handshakes,
                 "QUIC handshakes in progress at once; over half of it clients must answer a Retry "
                 "(0 = max(16, max-sessions / 4))")
      ->capture_default_str();
  app.add_option("--handshake-timeout-ms", handshake_timeout,
                 "a QUIC handshake not completed by then is dropped")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--auth-max-pending", auth_pending, "token checks in flight at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--auth-max-pending-per-address", auth_pending_per_address,
                 "token checks in flight at once from one client IP address")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--probe", probes,
                 "probe another relay (repeatable): a Ping every second (RTT, loss and jitter over the last "
                 "60) and presence gossip (this relay's users every 10th ping and soon after each change). "
                 "IP:PORT or wzp:IP:PORT for a libwzp relay (SNI 'wzp-probe', mesh authentication); "
                 "ref:IP:PORT for a reference relay (SNI '_probe'; its presence needs --mesh-open)")
      ->group("Mesh and presence");
  app.add_option("--advertise", advertise,
                 "this relay's client-facing IP:PORT, named in the presence it gossips so that other relays "
                 "send callers here (default: the --listen address unless it is a wildcard)")
      ->group("Mesh and presence");
  app.add_option("--mesh-peer", mesh_peers,
                 "fingerprint of a relay whose presence gossip is accepted (repeatable). A peer proves it "
                 "holds that identity on the probe connection; an unlisted or unauthenticated relay gets "
                 "Pongs but can neither change presence nor learn this relay's users. Exchange the "
                 "fingerprints each relay prints at start")
      ->group("Mesh and presence");
  app.add_flag("--mesh-open", mesh_open,
               "also accept presence from unauthenticated relays (reference relays cannot authenticate): "
               "anyone who can reach the port can then inject or remove users at any address not held by "
               "an authenticated peer")
      ->group("Mesh and presence");
  app.add_option("--presence-ttl", presence_ttl,
                 "seconds after which users reported by another relay are forgotten unless its gossip "
                 "refreshed them (gossip comes every 10 s)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 86400u))
      ->group("Mesh and presence");
  app.add_option("--presence-redis", presence_redis,
                 "redis://HOST:PORT[/DB]: share presence with every relay using the same Redis (each relay's "
                 "users under keys that expire unless refreshed, changes on the channel wzp:presence); an "
                 "unreachable Redis is logged and retried, the relay serves meanwhile");
  app.add_flag("--trunking", trunking,
               "batch each sender's media into TrunkFrames (up to 10 packets, flushed every 5 ms) for "
               "clients that offer it in their CallOffer (libwzp clients); every other client, reference "
               "clients included, keeps getting plain datagrams");
  app.add_option("--log-level", log_level, "error, warn, info, debug or trace")
      ->capture_default_str()
      ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace"}));
  std::optional<uint16_t> metrics_port;
  std::string metrics_bind = "127.0.0.1", http_token, mesh_where;
  app.add_option(
      "--metrics-port", metrics_port,
      "serve the HTTP API (presence, peers, mesh, healthz, metrics) on this TCP port (0 picks one)");
  app.add_option("--metrics-bind", metrics_bind,
                 "address the HTTP API binds (the reference binds every interface)")
      ->capture_default_str();
  app.add_option("--http-token", http_token, "require 'Authorization: Bearer TOKEN' on /presence and /peers");
  std::string admin_token_file;
  app.add_option("--http-admin-token-file", admin_token_file,
                 "turn on the HTTP API's access-list routes (GET /acl, GET/PUT/DELETE /acl/ROOM, POST/DELETE "
                 "/acl/ROOM/FINGERPRINT) guarded by 'Authorization: Bearer TOKEN', TOKEN read from this file "
                 "(surrounding whitespace ignored; the environment variable WZP_HTTP_ADMIN_TOKEN gives it "
                 "instead); without either they answer 403")
      ->check(CLI::ExistingFile);
  auto* mesh_opt =
      app.add_option("--mesh-status", mesh_where,
                     "print the mesh table of a running relay from its HTTP API ([HOST:]PORT, host "
                     "default 127.0.0.1) and exit; without a value, the empty table")
          ->expected(0, 1);
  CLI11_PARSE(app, argc, argv);
  if (mesh_opt->count() > 0) return mesh_status(mesh_where);

  if (cert.empty() != key.empty()) {
    std::fprintf(stderr, "wzp-relay: --cert and --key go together\n");
    return 2;
  }
  auto address = parse_host_port(listen);
  if (!address) {
    std::fprintf(stderr, "wzp-relay: --listen '%s' is not IP:port or [IPv6]:port\n", listen.c_str());
    return 2;
  }
  wzp_log_set_level(log_level_from(log_level));
  std::string admin_token;
  if (!admin_token_file.empty()) {
    auto token = read_token_file(admin_token_file);
    if (!token) return 2;
    admin_token = *token;
  } else if (const char* env = std::getenv("WZP_HTTP_ADMIN_TOKEN"); env != nullptr) {
    admin_token = trimmed(env);
    if (admin_token.empty()) {
      std::fprintf(stderr, "wzp-relay: WZP_HTTP_ADMIN_TOKEN is empty\n");
      return 2;
    }
  }

  // Block the stop signals in every thread; the main thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  wzp_relay_config config;
  wzp_relay_config_init(&config);
  config.listen_host = address->host.c_str();
  config.listen_port = address->port;
  config.identity_file = identity_file.empty() ? nullptr : identity_file.c_str();
  config.cert_file = cert.empty() ? nullptr : cert.c_str();
  config.key_file = key.empty() ? nullptr : key.c_str();
  config.auth_url = auth_url.empty() ? nullptr : auth_url.c_str();
  config.auth_timeout_ms = auth_timeout;
  config.allow_identity_mismatch = allow_mismatch ? 1 : 0;
  config.require_session_v2 = require_v2 ? 1 : 0;
  config.max_sessions = max_sessions;
  config.max_room_size = max_room;
  config.phase_timeout_ms = phase_timeout;
  config.idle_timeout_ms = idle_timeout;
  config.acl_file = acl_file.empty() ? nullptr : acl_file.c_str();
  config.acl_default_deny = acl_default_deny ? 1 : 0;
  config.sender_datagrams_per_s = sender_pps;
  config.sender_burst_datagrams = sender_burst;
  config.sender_bytes_per_s = sender_bps;
  config.max_handshakes = max_handshakes;
  config.handshake_timeout_ms = handshake_timeout;
  config.auth_max_pending = auth_pending;
  config.auth_max_pending_per_address = auth_pending_per_address;
  std::vector<const char*> probe_ptrs, peer_ptrs;
  for (const auto& p : probes) probe_ptrs.push_back(p.c_str());
  for (const auto& p : mesh_peers) peer_ptrs.push_back(p.c_str());
  config.probe_targets = probe_ptrs.data();
  config.probe_target_count = probe_ptrs.size();
  config.mesh_peers = peer_ptrs.data();
  config.mesh_peer_count = peer_ptrs.size();
  std::vector<const char*> bridge_ptrs;
  for (const auto& b : trusted_bridges) bridge_ptrs.push_back(b.c_str());
  config.trusted_bridges = bridge_ptrs.data();
  config.trusted_bridge_count = bridge_ptrs.size();
  config.advertise = advertise.empty() ? nullptr : advertise.c_str();
  config.mesh_open = mesh_open ? 1 : 0;
  config.presence_ttl_s = presence_ttl;
  config.presence_redis = presence_redis.empty() ? nullptr : presence_redis.c_str();
  if (metrics_port) {
    config.metrics_port = *metrics_port;
    config.metrics_any_port = *metrics_port == 0 ? 1 : 0;
  }
  config.metrics_bind = metrics_bind.c_str();
  config.http_token = http_token.empty() ? nullptr : http_token.c_str();
  config.http_admin_token = admin_token.empty() ? nullptr : admin_token.c_str();
  config.trunking = trunking ? 1 : 0;
  config.threads = threads;

  wzp_relay* relay = nullptr;
  int rc = wzp_relay_new(&config, &relay);
  if (rc == WZP_OK) rc = wzp_relay_start(relay);
  if (rc != WZP_OK) {
    std::fprintf(stderr, "wzp-relay: %s: %s\n", wzp_strerror(rc), wzp_last_error());
    wzp_relay_free(relay);
    return 1;
  }
  uint16_t port = 0;
  char fingerprint[WZP_FINGERPRINT_STR_LEN + 1];
  wzp_relay_port(relay, &port);
  wzp_relay_fingerprint(relay, fingerprint, sizeof fingerprint);
  std::printf("wzp-relay %s listening on %s port %u, fingerprint %s\n", wzp_version(), address->host.c_str(),
              port, fingerprint);
  uint16_t http_port = 0;
  if (wzp_relay_http_port(relay, &http_port) == WZP_OK) {
    std::printf("wzp-relay: HTTP API on http://%s:%u/ (presence, peers, mesh, healthz, metrics%s)%s\n",
                metrics_bind.c_str(), http_port, admin_token.empty() ? "" : ", acl with the admin token",
                http_token.empty() ? "" : ", bearer token required");
  }
  std::fflush(stdout);

  std::thread events([relay] {
    wzp_event ev;
    wzp_event_init(&ev);
    for (;;) {
      int r = wzp_relay_next_event(relay, &ev, 1000);
      if (r == WZP_ERR_CLOSED) return;
      if (r != WZP_OK) continue;
      print_event(ev);
      wzp_event_clear(&ev);
    }
  });

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::printf("wzp-relay: %s, stopping\n", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  wzp_relay_stop(relay);
  events.join();

  wzp_relay_stats stats;
  wzp_relay_stats_init(&stats);
  wzp_relay_stats_get(relay, &stats);
  std::printf(
      "wzp-relay: %llu connections, %llu handshakes, %llu datagrams forwarded, %llu malformed dropped, "
      "%llu QUIC handshakes refused, %llu timed out, %llu Retry, %llu stateless resets\n",
      static_cast<unsigned long long>(stats.connections_accepted),
      static_cast<unsigned long long>(stats.handshakes_ok),
      static_cast<unsigned long long>(stats.datagrams_forwarded),
      static_cast<unsigned long long>(stats.datagrams_malformed),
      static_cast<unsigned long long>(stats.handshakes_refused),
      static_cast<unsigned long long>(stats.handshake_timeouts),
      static_cast<unsigned long long>(stats.retries_sent),
      static_cast<unsigned long long>(stats.stateless_resets_sent));
  if (!probes.empty() || stats.gossip_in != 0) {
    std::printf(
        "wzp-relay: mesh: %llu gossip in, %llu out, %llu refused (unauthenticated), %llu refused "
        "(address), %llu pings, %llu pongs\n",
        static_cast<unsigned long long>(stats.gossip_in), static_cast<unsigned long long>(stats.gossip_out),
        static_cast<unsigned long long>(stats.gossip_refused_unauthenticated),
        static_cast<unsigned long long>(stats.gossip_refused_address),
        static_cast<unsigned long long>(stats.probe_pings_sent),
        static_cast<unsigned long long>(stats.probe_pongs_received));
  }
  wzp_relay_free(relay);
  return 0;
}

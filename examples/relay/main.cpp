// wzp-relay: a WarzonePhone relay daemon built only on the public C ABI (wzp.h).
//
// Accepts QUIC connections (ALPN "wzp"), takes the room from the TLS SNI,
// optionally validates featherChat tokens, runs the call handshake as callee,
// enforces an optional per-room access list and forwards every media datagram
// to the other members of its room. Stops cleanly on SIGINT or SIGTERM.
#include <wzp.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "../common/address.hpp"

namespace {

int log_level_from(const std::string& name) {
  if (name == "error") return WZP_LOG_ERROR;
  if (name == "warn") return WZP_LOG_WARN;
  if (name == "info") return WZP_LOG_INFO;
  if (name == "debug") return WZP_LOG_DEBUG;
  return WZP_LOG_TRACE;
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
    default: break;
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "wzp-relay: WarzonePhone relay (SFU). Clients join the room named by their TLS SNI; every media\n"
      "datagram a member sends is forwarded to the other members of its room.\n"
      "Room names containing '_' (and a reference relay's '_probe') cannot be served: GnuTLS refuses such\n"
      "SNI host names during the TLS handshake; each refusal is logged and counted. Hashed room names\n"
      "(hex, what featherChat clients send) are unaffected."};
  std::string listen = "0.0.0.0:4433", auth_url, identity_file, cert, key, acl_file, log_level = "info";
  uint32_t max_sessions = 100, max_room = 0, phase_timeout = 10000, idle_timeout = 30000, auth_timeout = 5000;
  bool allow_mismatch = false, require_v2 = false, acl_default_deny = false, trunking = false;
  uint32_t sender_pps = 200, sender_burst = 100, sender_bps = 256 * 1024;
  uint32_t max_handshakes = 0, handshake_timeout = 3000, auth_pending = 256, auth_pending_per_address = 4;
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
      "and the web bridge use throwaway identities); by default such clients are refused");
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
  app.add_flag("--trunking", trunking,
               "batch each sender's media into TrunkFrames (up to 10 packets, flushed every 5 ms) for "
               "clients that offer it in their CallOffer (libwzp clients); every other client, reference "
               "clients included, keeps getting plain datagrams");
  app.add_option("--log-level", log_level, "error, warn, info, debug or trace")
      ->capture_default_str()
      ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace"}));
  CLI11_PARSE(app, argc, argv);

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
  config.trunking = trunking ? 1 : 0;

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
  wzp_relay_free(relay);
  return 0;
}

// wzp-web: a browser bridge built only on the public C ABI (wzp.h). Each browser WebSocket on
// /ws/{room} becomes one WZP client in that relay room: 20 ms PCM frames both ways, with the
// bridge's own playout clock. Serves its page (built in) and Prometheus metrics. Stops cleanly on
// SIGINT or SIGTERM.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wzp.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "../common/address.hpp"
#include "../common/log_level.hpp"
#include "tls_context.hpp"
#include "web_server.hpp"

namespace {

// The bridge's identity from its seed file (64 hex digits, the relay's --identity format), created
// 0600 with a random seed when the file does not exist; nullptr after saying why.
wzp_identity* load_identity(const std::string& path) {
  wzp_identity* identity = nullptr;
  if (path.empty()) return wzp_identity_new_random(&identity) == WZP_OK ? identity : nullptr;
  std::ifstream in(path);
  if (in) {
    std::string hex;
    in >> hex;
    if (wzp_identity_from_hex(hex.c_str(), &identity) != WZP_OK) {
      std::fprintf(stderr, "wzp-web: --identity-file '%s' does not hold a seed (64 hex digits): %s\n",
                   path.c_str(), wzp_last_error());
      return nullptr;
    }
    return identity;
  }
  uint8_t seed[WZP_SEED_BYTES];
  if (wzp_identity_new_random(&identity) != WZP_OK || wzp_identity_seed(identity, seed) != WZP_OK)
    return nullptr;
  std::string hex;
  static const char digits[] = "0123456789abcdef";
  for (uint8_t b : seed) {
    hex += digits[b >> 4];
    hex += digits[b & 15];
  }
  hex += '\n';
  // O_EXCL: never replace a seed that appeared meanwhile; 0600: it is a secret.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, hex.data(), hex.size()) != static_cast<ssize_t>(hex.size()) || ::fsync(fd) != 0) {
    std::fprintf(stderr, "wzp-web: cannot create --identity-file '%s': %s\n", path.c_str(),
                 std::strerror(errno));
    if (fd >= 0) ::close(fd);
    wzp_identity_free(identity);
    return nullptr;
  }
  ::close(fd);
  return identity;
}

std::optional<std::vector<uint8_t>> parse_fingerprint(const std::string& text) {
  std::string hex;
  for (char c : text) {
    if (c != ':') hex += c;
  }
  if (hex.size() != size_t{2} * WZP_FINGERPRINT_BYTES) return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    if (std::sscanf(hex.c_str() + i, "%2x", &value) != 1 ||
        !std::isxdigit(static_cast<unsigned char>(hex[i])) ||
        !std::isxdigit(static_cast<unsigned char>(hex[i + 1]))) {
      return std::nullopt;
    }
    out.push_back(static_cast<uint8_t>(value));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "wzp-web: browser bridge for WarzonePhone. A browser opens a WebSocket on /ws/ROOM and sends and\n"
      "receives 20 ms frames of 48 kHz mono s16le PCM (1920 bytes); the bridge joins the relay room ROOM\n"
      "as a WZP client for it, with its own 20 ms playout clock (silence when nobody speaks). With\n"
      "--auth-url the first WebSocket frame must be {\"type\":\"auth\",\"token\":\"...\"}; the token is\n"
      "checked with featherChat and passed on to the relay. Failures close the WebSocket with a code\n"
      "and a reason (4000-4015). Also serves the page (/, /ROOM), /metrics (Prometheus) and /healthz.\n"
      "Relays that check tokens list the bridge with wzp-relay --trusted-bridge FINGERPRINT."};
  std::string listen = "0.0.0.0:8080", relay = "127.0.0.1:4433", cert, key, auth_url, static_dir;
  std::string identity_file, relay_fingerprint, log_level = "warn";
  std::optional<uint16_t> port;
  std::vector<std::string> origins;
  bool tls = false;
  size_t max_sessions = 200;
  unsigned io_threads = 1, loops = 1;
  app.add_option("--listen", listen,
                 "TCP address for HTTP and WebSocket, HOST:PORT or [IPv6]:PORT (port 0 picks one)")
      ->capture_default_str();
  app.add_option("--port", port, "the reference's flag: listen on 0.0.0.0:PORT (overrides --listen)");
  app.add_option("--relay", relay, "relay for every session, HOST:PORT")->capture_default_str();
  app.add_flag("--tls", tls,
               "serve HTTPS/WSS (browsers allow the microphone only on secure origins or localhost)");
  app.add_option("--cert", cert,
                 "PEM certificate chain for --tls (with --key); default: a self-signed "
                 "certificate for localhost and 127.0.0.1 made at start")
      ->check(CLI::ExistingFile);
  app.add_option("--key", key, "PEM private key of --cert")->check(CLI::ExistingFile);
  app.add_option(
      "--auth-url", auth_url,
      "featherChat token validation URL: the browser's token is POSTed as {\"token\": ...} and must "
      "come back 2xx with valid:true and a fingerprint (4001 rejected, 4002 unreachable)");
  app.add_option("--static", static_dir, "serve the page from this folder instead of the built-in one")
      ->check(CLI::ExistingDirectory);
  app.add_option("--allow-origin", origins,
                 "a page origin allowed to open WebSockets, e.g. https://chat.example.org (repeatable; '*' "
                 "any). Always allowed: the bridge's own origin and clients sending no Origin");
  app.add_option("--max-sessions", max_sessions, "WebSocket sessions at once; beyond, 4013")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  app.add_option("--identity-file", identity_file,
                 "seed file of the bridge's identity (64 hex digits), created 0600 if missing, so its "
                 "fingerprint is stable; without it the identity is random per start");
  app.add_option("--relay-fingerprint", relay_fingerprint,
                 "pin the relay's identity fingerprint (32 hex digits)");
  app.add_option("--threads", io_threads, "threads for HTTP and WebSocket I/O")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  app.add_option("--loops", loops, "WZP event loops (threads) shared by the relay clients")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  app.add_option("--log-level", log_level, "library log level: error, warn, info, debug or trace")
      ->capture_default_str()
      ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace"}));
  CLI11_PARSE(app, argc, argv);

  if (!cert.empty() && key.empty()) {
    std::fprintf(stderr, "wzp-web: --cert needs --key\n");
    return 2;
  }
  if (port) listen = "0.0.0.0:" + std::to_string(*port);
  auto address = parse_host_port(listen);
  if (!address) {
    std::fprintf(stderr, "wzp-web: --listen '%s' is not HOST:PORT or [IPv6]:PORT\n", listen.c_str());
    return 2;
  }
  error_code ec;
  auto ip = asio::ip::make_address(address->host, ec);
  if (ec) {
    std::fprintf(stderr, "wzp-web: --listen '%s': not an IP address\n", listen.c_str());
    return 2;
  }
  auto relay_address = parse_host_port(relay);
  if (!relay_address) {
    std::fprintf(stderr, "wzp-web: --relay '%s' is not HOST:PORT or [IPv6]:PORT\n", relay.c_str());
    return 2;
  }
  wzp_log_set_level(log_level_from(log_level));

  // Block the stop signals in every thread; the main thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  BridgeShared shared;
  shared.relay_host = relay_address->host;
  shared.relay_port = relay_address->port;
  shared.max_sessions = max_sessions;
  if (!relay_fingerprint.empty()) {
    shared.relay_pin = parse_fingerprint(relay_fingerprint);
    if (!shared.relay_pin) {
      std::fprintf(stderr, "wzp-web: --relay-fingerprint '%s' is not 32 hex digits\n",
                   relay_fingerprint.c_str());
      return 2;
    }
  }
  wzp_identity* identity = load_identity(identity_file);
  if (identity == nullptr) return 1;
  shared.identity = identity;
  char fingerprint[WZP_FINGERPRINT_STR_LEN + 1] = {0};
  wzp_identity_fingerprint_str(identity, fingerprint, sizeof fingerprint);

  WebServerOptions options;
  options.allowed_origins = origins;
  if (tls) {
    std::string error;
    options.tls = make_tls_context(cert, key, &error);
    if (!options.tls) {
      std::fprintf(stderr, "wzp-web: TLS: %s\n", error.c_str());
      return 1;
    }
  }
  for (unsigned i = 0; i < loops; ++i) {
    wzp_loop* loop = nullptr;
    if (wzp_loop_new(&loop) != WZP_OK) {
      std::fprintf(stderr, "wzp-web: cannot start a WZP loop: %s\n", wzp_last_error());
      return 1;
    }
    shared.loops.push_back(loop);
  }
  std::unique_ptr<TokenChecker> checker;
  if (!auth_url.empty()) {
    checker = std::make_unique<TokenChecker>(auth_url, 5000);
    shared.token_checker = checker.get();
  }

  int status = 0;
  {
    asio::io_context io(static_cast<int>(io_threads));
    auto server = std::make_shared<WebServer>(io, shared, StaticFiles(static_dir), options);
    std::string error;
    if (!server->listen(asio::ip::tcp::endpoint(ip, address->port), &error)) {
      std::fprintf(stderr, "wzp-web: cannot listen on %s: %s\n", listen.c_str(), error.c_str());
      status = 1;
    } else {
      const std::string host = ip.is_v6() ? "[" + address->host + "]" : address->host;
      std::printf("wzp-web: listening on %s://%s:%u/\n", tls ? "https" : "http", host.c_str(),
                  server->port());
      std::printf("wzp-web: bridge fingerprint %s\n", fingerprint);
      std::printf("wzp-web: relay %s:%u%s\n", relay_address->host.c_str(), relay_address->port,
                  auth_url.empty() ? "" : ", tokens checked with --auth-url");
      std::fflush(stdout);
      std::vector<std::thread> threads;
      for (unsigned i = 0; i < io_threads; ++i) threads.emplace_back([&io] { io.run(); });

      int signal_number = 0;
      sigwait(&stop_signals, &signal_number);
      std::printf("wzp-web: %s, stopping\n", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
      std::fflush(stdout);
      server->stop();
      // Let the sessions say goodbye (close frames, relay hangups) before the threads stop.
      for (int i = 0; i < 40 && shared.metrics.active_connections.load() > 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      io.stop();
      for (auto& t : threads) t.join();
    }
    checker.reset();  // its workers post into io: gone before io is
  }                   // sessions still open are released here, before their loops
  for (auto* loop : shared.loops) wzp_loop_free(loop);
  wzp_identity_free(identity);
  std::printf("wzp-web: stopped\n");
  return status;
}

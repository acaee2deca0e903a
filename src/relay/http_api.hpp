// The relay's HTTP API (cpp-httplib, on its own bounded pool of threads):
// GET /presence, /presence/{fingerprint}, /peers, /mesh, /healthz, /metrics.
// Bound to loopback unless told otherwise (the reference binds every
// interface); an optional bearer token guards the routes that disclose users.
// Every error is a JSON body {"error": ...}; nothing a client sends can take
// the server (or the relay) down.
//
// Threading: the routes run on the HTTP threads and must be thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/result.hpp"

namespace httplib {
class Server;
}

namespace wzp::relay {

struct HttpApiConfig {
  std::string bind = "127.0.0.1";
  uint16_t port = 0;  // 0: a free port (see HttpApi::port)
  /// Required as "Authorization: Bearer <token>" on /presence* and /peers.
  std::optional<std::string> token;
  size_t threads = 4;
};

/// What the routes answer; each runs on an HTTP thread.
struct HttpApiRoutes {
  std::function<std::string()> presence;                  // JSON
  std::function<std::string(const std::string&)> lookup;  // JSON, for one fingerprint
  std::function<std::string()> peers;                     // JSON
  std::function<std::string()> mesh;                      // plain-text table
  std::function<std::string()> health;                    // JSON
  std::function<std::string()> metrics;                   // Prometheus text
};

struct HttpApiCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> unauthorized{0};
  std::atomic<uint64_t> not_found{0};
  std::atomic<uint64_t> method_not_allowed{0};
};

class HttpApi {
 public:
  /// Binds and starts serving. Errors: io (the address cannot be bound, the port is taken).
  static Result<std::unique_ptr<HttpApi>> start(HttpApiConfig config, HttpApiRoutes routes);
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  /// Stops serving and joins the threads (requests in progress finish first). Idempotent.
  void stop();
  uint16_t port() const noexcept { return port_; }
  const HttpApiCounters& counters() const noexcept { return counters_; }

 private:
  HttpApi(HttpApiConfig config, HttpApiRoutes routes);
  void install_routes();

  HttpApiConfig config_;
  HttpApiRoutes routes_;
  HttpApiCounters counters_;
  std::unique_ptr<httplib::Server> server_;
  std::mutex stop_mutex_;
  std::thread thread_;
  uint16_t port_ = 0;
};

/// Compares a presented token with the expected one in time that does not depend on where they differ.
bool token_matches(std::string_view presented, std::string_view expected) noexcept;

}  // namespace wzp::relay

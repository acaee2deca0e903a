// The relay's HTTP API (cpp-httplib, on its own bounded pool of threads):
// GET /presence, /presence/{fingerprint}, /peers, /mesh, /healthz, /metrics, and
// the access-list admin routes under /acl (guarded by their own admin token).
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
struct Request;
struct Response;
}  // namespace httplib

namespace wzp::relay {

struct HttpApiConfig {
  std::string bind = "127.0.0.1";
  uint16_t port = 0;  // 0: a free port (see HttpApi::port)
  /// Required as "Authorization: Bearer <token>" on /presence* and /peers.
  std::optional<std::string> token;
  /// Required as "Authorization: Bearer <admin_token>" on /acl*; without it those
  /// routes answer 403 (the access list cannot be read or changed over HTTP).
  std::optional<std::string> admin_token;
  size_t threads = 4;
};

/// One request to the /acl routes, authorized and with its body within the limit.
struct AclRequest {
  enum class Kind { list_all, get_room, replace_room, clear_room, allow, revoke };
  Kind kind = Kind::list_all;
  std::string room;         // as written in the path (percent-decoded)
  bool plain_name = false;  // ?name=1: `room` is a plain room name, hashed as clients hash it
  std::string fingerprint;  // allow / revoke
  std::string body;         // replace_room
};

/// What an /acl route answers: an HTTP status and a JSON body.
struct AclAnswer {
  int status = 200;
  std::string json;
};

/// What the routes answer; each runs on an HTTP thread.
struct HttpApiRoutes {
  std::function<std::string()> presence;                  // JSON
  std::function<std::string(const std::string&)> lookup;  // JSON, for one fingerprint
  std::function<std::string()> peers;                     // JSON
  std::function<std::string()> mesh;                      // plain-text table
  std::function<std::string()> health;                    // JSON
  std::function<std::string()> metrics;                   // Prometheus text
  std::function<AclAnswer(const AclRequest&)> acl;        // the /acl routes
};

struct HttpApiCounters {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> unauthorized{0};
  std::atomic<uint64_t> not_found{0};
  std::atomic<uint64_t> method_not_allowed{0};
  /// /acl requests to a relay without an admin token (403).
  std::atomic<uint64_t> forbidden{0};
  /// Requests refused as malformed: by the server (400), or an /acl body or argument that is not valid.
  std::atomic<uint64_t> bad_request{0};
  /// Bodies over the limit (413).
  std::atomic<uint64_t> payload_too_large{0};
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
  /// Checks "Authorization: Bearer <token>"; answers 401 (counted) when it does not match.
  using Bearer = std::function<bool(const httplib::Request&, httplib::Response&, const std::string&)>;
  void install_routes();
  void install_acl_routes(const Bearer& bearer);

  HttpApiConfig config_;
  HttpApiRoutes routes_;
  HttpApiCounters counters_;
  std::unique_ptr<httplib::Server> server_;
  std::mutex stop_mutex_;
  std::thread thread_;
  std::atomic<bool> listen_returned_{false};  // the server thread left httplib's listen
  uint16_t port_ = 0;
};

/// Compares a presented token with the expected one in time that does not depend on where they differ.
bool token_matches(std::string_view presented, std::string_view expected) noexcept;

}  // namespace wzp::relay

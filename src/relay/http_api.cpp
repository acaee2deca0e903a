#include "relay/http_api.hpp"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/log.hpp"

namespace wzp::relay {
namespace {

constexpr std::string_view kLog = "http";
constexpr const char* kJson = "application/json";
constexpr const char* kText = "text/plain; charset=utf-8";
constexpr const char* kMetrics = "text/plain; version=0.0.4; charset=utf-8";
// Only PUT /acl/{room} takes a body: a room's list of fingerprints.
constexpr size_t kMaxPayload = 64 * 1024;
constexpr time_t kIoTimeoutS = 5;

std::string error_json(int status, const std::string& message) {
  return nlohmann::json{{"error", message}, {"status", status}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(error_json(status, message), kJson);
}

// For what httplib refuses before routing.
std::string refusal_text(int status) {
  switch (status) {
    case 400: return "malformed request";
    case 413: return "request body too large";
    case 414: return "request URI too long";
    case 416: return "range not satisfiable";
    default: return "request refused (HTTP " + std::to_string(status) + ")";
  }
}

bool known_path(const std::string& path) {
  return path == "/presence" || path == "/peers" || path == "/mesh" || path == "/healthz" ||
         path == "/metrics" || (path.rfind("/presence/", 0) == 0 && path.size() > std::strlen("/presence/"));
}

// The methods each /acl path takes ("" for a path that is not one).
std::string acl_methods(const std::string& path) {
  if (path == "/acl") return "GET, HEAD";
  if (path.rfind("/acl/", 0) != 0) return "";
  const auto slashes = std::count(path.begin(), path.end(), '/');
  if (slashes == 2 && path.size() > 5) return "GET, HEAD, PUT, DELETE";
  if (slashes == 3 && path.back() != '/' && path.find("//") == std::string::npos) return "POST, DELETE";
  return "";
}

}  // namespace

bool token_matches(std::string_view presented, std::string_view expected) noexcept {
  // Every byte of the longer string is visited; a length difference alone fails.
  size_t n = std::max(presented.size(), expected.size());
  unsigned char diff = presented.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char a = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    unsigned char b = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0;
    diff |= static_cast<unsigned char>(a ^ b);
  }
  return diff == 0;
}

HttpApi::HttpApi(HttpApiConfig config, HttpApiRoutes routes)
    : config_(std::move(config)), routes_(std::move(routes)), server_(std::make_unique<httplib::Server>()) {}

HttpApi::~HttpApi() { stop(); }

Result<std::unique_ptr<HttpApi>> HttpApi::start(HttpApiConfig config, HttpApiRoutes routes) {
  std::unique_ptr<HttpApi> api(new HttpApi(std::move(config), std::move(routes)));
  auto& server = *api->server_;
  const size_t threads = std::max<size_t>(1, api->config_.threads);
  // httplib owns the queue it is given (its API takes a raw pointer).
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(kMaxPayload);
  server.set_read_timeout(kIoTimeoutS);
  server.set_write_timeout(kIoTimeoutS);
  server.set_keep_alive_max_count(100);
  server.set_keep_alive_timeout(kIoTimeoutS);
  // No SO_REUSEPORT (httplib's default sets it): a taken port must fail, not be shared.
  server.set_socket_options([](socket_t sock) {
    int on = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  });
  api->install_routes();

  const std::string where = api->config_.bind + ":" + std::to_string(api->config_.port);
  errno = 0;
  int port = -1;
  if (api->config_.port == 0) {
    port = server.bind_to_any_port(api->config_.bind);
  } else if (server.bind_to_port(api->config_.bind, api->config_.port)) {
    port = api->config_.port;
  }
  if (port <= 0) {
    int err = errno;
    return make_error(Errc::io,
                      "cannot serve the HTTP API on " + where + ": " +
                          (err != 0 ? std::strerror(err) : "bind failed (address in use or not local?)"));
  }
  api->port_ = static_cast<uint16_t>(port);
  api->thread_ = std::thread([s = api->server_.get(), done = &api->listen_returned_] {
    s->listen_after_bind();
    done->store(true);
  });
  // httplib's stop() only reaches a server that is in its accept loop: one freed right after
  // start would otherwise stop nothing and wait in join() forever.
  while (!server.is_running() && !api->listen_returned_.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  WZP_LOG(info, kLog,
          "HTTP API on " + api->config_.bind + ":" + std::to_string(api->port_) +
              (api->config_.token ? " (bearer token required for presence and peers)" : "") +
              (api->config_.admin_token ? ", access-list routes on /acl (admin token)" : ""));
  return api;
}

void HttpApi::stop() {
  std::lock_guard lock(stop_mutex_);
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

void HttpApi::install_routes() {
  auto& s = *server_;
  auto bearer = [this](const httplib::Request& req, httplib::Response& res, const std::string& token) {
    const std::string header = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (header.size() > kBearer.size() && header.compare(0, kBearer.size(), kBearer) == 0 &&
        token_matches(std::string_view(header).substr(kBearer.size()), token)) {
      return true;
    }
    counters_.unauthorized.fetch_add(1, std::memory_order_relaxed);
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, 401, header.empty() ? "a bearer token is required" : "the bearer token is not valid");
    return false;
  };
  auto authorized = [this, bearer](const httplib::Request& req, httplib::Response& res) {
    return !config_.token || bearer(req, res, *config_.token);
  };
  auto json_route = [this, authorized](std::function<std::string()>& route, bool guarded) {
    return [this, authorized, &route, guarded](const httplib::Request& req, httplib::Response& res) {
      counters_.requests.fetch_add(1, std::memory_order_relaxed);
      if (guarded && !authorized(req, res)) return;
      res.set_content(route(), kJson);
    };
  };
  s.Get("/presence", json_route(routes_.presence, true));
  s.Get("/peers", json_route(routes_.peers, true));
  s.Get("/healthz", json_route(routes_.health, false));
  // httplib hands the path percent-decoded: the fingerprint is matched as the reference matches it.
  s.Get(R"(/presence/(.+))", [this, authorized](const httplib::Request& req, httplib::Response& res) {
    counters_.requests.fetch_add(1, std::memory_order_relaxed);
    if (!authorized(req, res)) return;
    res.set_content(routes_.lookup(req.matches[1].str()), kJson);
  });
  s.Get("/mesh", [this](const httplib::Request&, httplib::Response& res) {
    counters_.requests.fetch_add(1, std::memory_order_relaxed);
    res.set_content(routes_.mesh(), kText);
  });
  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    counters_.requests.fetch_add(1, std::memory_order_relaxed);
    res.set_content(routes_.metrics(), kMetrics);
  });
  install_acl_routes(bearer);
  // Everything else: 404 for an unknown path, 405 (with Allow) for a known one.
  auto fallback = [this](const httplib::Request& req, httplib::Response& res) {
    counters_.requests.fetch_add(1, std::memory_order_relaxed);
    if (const std::string allow = acl_methods(req.path); !allow.empty()) {
      counters_.method_not_allowed.fetch_add(1, std::memory_order_relaxed);
      res.set_header("Allow", allow);
      send_error(res, 405, "method " + req.method + " is not allowed on " + req.path);
      return;
    }
    if (req.method != "GET" && req.method != "HEAD" && known_path(req.path)) {
      counters_.method_not_allowed.fetch_add(1, std::memory_order_relaxed);
      res.set_header("Allow", "GET, HEAD");
      send_error(res, 405, "method " + req.method + " is not allowed on " + req.path);
      return;
    }
    counters_.not_found.fetch_add(1, std::memory_order_relaxed);
    send_error(res, 404, "no such path: " + req.path);
  };
  s.Get(".*", fallback);
  s.Post(".*", fallback);
  s.Put(".*", fallback);
  s.Patch(".*", fallback);
  s.Delete(".*", fallback);
  s.Options(".*", fallback);
  // Whatever httplib refuses itself (a malformed request line, an oversized
  // body, an unknown method) still gets a JSON body.
  s.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
    if (res.status == 400) counters_.bad_request.fetch_add(1, std::memory_order_relaxed);
    if (res.status == 413) counters_.payload_too_large.fetch_add(1, std::memory_order_relaxed);
    if (res.body.empty()) {
      res.set_content(error_json(res.status, refusal_text(res.status)), kJson);
    }
  });
  s.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, const std::exception_ptr& ep) {
        std::string what = "internal error";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        WZP_LOG(warn, kLog, "request " + req.method + " " + req.path + " failed: " + what);
        send_error(res, 500, "internal error");
      });
}

void HttpApi::install_acl_routes(const Bearer& bearer) {
  auto& s = *server_;
  using Kind = AclRequest::Kind;
  // Authorizes, builds the request from the path's groups and hands it to the relay.
  auto route = [this, bearer](Kind kind) {
    return [this, bearer, kind](const httplib::Request& req, httplib::Response& res) {
      counters_.requests.fetch_add(1, std::memory_order_relaxed);
      if (!config_.admin_token) {
        counters_.forbidden.fetch_add(1, std::memory_order_relaxed);
        send_error(res, 403, "the access-list routes are off: this relay has no admin token");
        return;
      }
      if (!bearer(req, res, *config_.admin_token)) return;
      AclRequest request;
      request.kind = kind;
      if (req.matches.size() > 1) request.room = req.matches[1].str();
      if (req.matches.size() > 2) request.fingerprint = req.matches[2].str();
      const std::string name = req.get_param_value("name");
      request.plain_name = name == "1" || name == "true";
      if (kind == Kind::replace_room) request.body = req.body;
      AclAnswer answer = routes_.acl(request);
      if (answer.status == 400) counters_.bad_request.fetch_add(1, std::memory_order_relaxed);
      res.status = answer.status;
      res.set_content(std::move(answer.json), kJson);
    };
  };
  s.Get("/acl", route(Kind::list_all));
  s.Get(R"(/acl/([^/]+))", route(Kind::get_room));
  s.Put(R"(/acl/([^/]+))", route(Kind::replace_room));
  s.Delete(R"(/acl/([^/]+))", route(Kind::clear_room));
  s.Post(R"(/acl/([^/]+)/([^/]+))", route(Kind::allow));
  s.Delete(R"(/acl/([^/]+)/([^/]+))", route(Kind::revoke));
}

}  // namespace wzp::relay

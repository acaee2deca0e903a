// Validates featherChat tokens: POST {"token": ...} as application/json to the
// configured URL and accept only a 2xx whose body is a JSON object with
// "valid": true and a string "fingerprint". Requests run on a small pool of
// worker threads (never on the relay's event loop), each bounded by a timeout;
// the pending queue is bounded too, so a flood of tokens cannot grow memory.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.hpp"

namespace wzp::relay {

struct AuthIdentity {
  std::string fingerprint;           // opaque, as the auth server sent it
  std::optional<std::string> alias;  // informational
};

struct AuthClientConfig {
  std::string url;
  uint32_t timeout_ms = 5000;
  size_t workers = 4;
  size_t max_pending = 256;
};

/// Interpret an auth server's answer. Errors: auth_rejected (status not 2xx and
/// below 500, valid:false, no string fingerprint), auth_unavailable (status 5xx,
/// body not a JSON object with a boolean "valid").
Result<AuthIdentity> parse_auth_response(long http_status, std::string_view body);

class AuthClient {
 public:
  using Callback = std::function<void(Result<AuthIdentity>)>;

  explicit AuthClient(AuthClientConfig config);
  ~AuthClient();  // cancels what is pending (callbacks get Errc::closed) and joins the workers
  AuthClient(const AuthClient&) = delete;
  AuthClient& operator=(const AuthClient&) = delete;

  /// Queue a validation; `done` runs on a worker thread (or inline with Errc::too_large when the
  /// pending queue is full). Errors delivered: auth_rejected, auth_unavailable, closed.
  void validate(std::string token, Callback done);

  /// Blocking validation on the calling thread (used by the workers and by tests).
  Result<AuthIdentity> validate_now(const std::string& token) const;

 private:
  struct Job {
    std::string token;
    Callback done;
  };
  void run_worker();

  AuthClientConfig config_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace wzp::relay

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
#include <set>
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
  /// The destructor interrupts it (Errc::closed), so stopping never waits for
  /// an auth server that does not answer.
  Result<AuthIdentity> validate_now(const std::string& token);

 private:
  struct Job {
    std::string token;
    Callback done;
  };
  void run_worker();
  bool stopping();
  /// Runs a curl multi handle's transfer to its end: the CURLcode, or
  /// Errc::closed when stopped. (CURLM is void: curl stays out of this header.)
  Result<int> run_transfer(void* multi);

  AuthClientConfig config_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::set<void*> in_flight_;  // curl multi handles under way, woken by the destructor
  std::vector<std::thread> workers_;
};

}  // namespace wzp::relay

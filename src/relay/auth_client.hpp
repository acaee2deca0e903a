// Validates featherChat tokens: POST {"token": ...} as application/json to the
// configured URL and accept only a 2xx whose body is a JSON object with
// "valid": true and a string "fingerprint". Every check runs concurrently on
// one thread driving a curl multi handle (never on the relay's event loop),
// each bounded by a timeout. A check can be cancelled (its transfer is
// removed at once), and pending checks are bounded in total and per source
// address, so slow answers for one client cannot hold up the others.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
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
  /// Checks pending at once (queued or in flight), over all sources.
  size_t max_pending = 256;
  /// Checks pending at once for one source (e.g. an IP address); 0 = no bound.
  size_t max_pending_per_source = 4;
};

/// Interpret an auth server's answer. Errors: auth_rejected (status not 2xx and
/// below 500, valid:false, no string fingerprint), auth_unavailable (status 5xx,
/// body not a JSON object with a boolean "valid").
Result<AuthIdentity> parse_auth_response(long http_status, std::string_view body);

class AuthClient {
 public:
  using Callback = std::function<void(Result<AuthIdentity>)>;
  /// Names a pending check; 0 names none.
  using CheckId = uint64_t;

  explicit AuthClient(AuthClientConfig config);
  ~AuthClient();  // ends what is pending (callbacks get Errc::closed) and joins the thread
  AuthClient(const AuthClient&) = delete;
  AuthClient& operator=(const AuthClient&) = delete;

  /// Starts a check of `token` for `source`; `done` runs on the auth thread.
  /// Over the total or per-source bound, `done` runs inline with
  /// auth_unavailable and 0 is returned. Errors delivered: auth_rejected,
  /// auth_unavailable, closed.
  CheckId validate(std::string token, Callback done, std::string source = {});
  /// Cancels a pending check: its transfer is removed and `done` is never
  /// called. False when it was not pending (unknown, or its answer is being
  /// delivered). Thread-safe.
  bool cancel(CheckId id);

  /// Blocking validation on the calling thread, through the auth thread (for tests).
  Result<AuthIdentity> validate_now(const std::string& token);

  [[nodiscard]] uint64_t cancelled() const noexcept { return cancelled_.load(std::memory_order_relaxed); }
  [[nodiscard]] size_t pending() const;

 private:
  struct Check;
  void run();
  void release_source(const Check& check);  // under mutex_
  Callback take_callback(uint64_t id);      // under no lock; erases the check

  AuthClientConfig config_;
  void* multi_ = nullptr;  // CURLM*, driven by the auth thread only (curl stays out of this header)
  mutable std::mutex mutex_;
  bool stopping_ = false;
  CheckId next_id_ = 1;
  std::map<CheckId, std::unique_ptr<Check>> checks_;  // pending; erased by the auth thread only
  std::deque<CheckId> to_start_;
  std::vector<CheckId> to_cancel_;
  std::map<std::string, size_t> per_source_;
  std::atomic<uint64_t> cancelled_{0};
  std::thread thread_;
};

}  // namespace wzp::relay

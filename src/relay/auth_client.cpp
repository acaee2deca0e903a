#include "relay/auth_client.hpp"

#include <curl/curl.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <set>

namespace wzp::relay {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};
struct MultiDeleter {
  void operator()(CURLM* m) const noexcept { curl_multi_cleanup(m); }
};
// Detaches the easy handle from the multi handle before either is freed.
struct Attachment {
  CURLM* multi;
  CURL* easy;
  ~Attachment() { curl_multi_remove_handle(multi, easy); }
};

constexpr size_t kMaxResponseBytes = size_t{64} * 1024;

size_t collect_body(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * count;
  if (body->size() + n > kMaxResponseBytes) return 0;  // abort: an auth answer is tiny
  body->append(data, n);
  return n;
}

void global_init_once() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

}  // namespace

Result<AuthIdentity> parse_auth_response(long http_status, std::string_view body) {
  if (http_status < 200 || http_status > 299) {
    // A server error says nothing about the token: report the server, not the user.
    Errc code = http_status >= 500 ? Errc::auth_unavailable : Errc::auth_rejected;
    return make_error(code, "auth endpoint returned " + std::to_string(http_status));
  }
  auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return make_error(Errc::auth_unavailable, "invalid auth response: not a JSON object");
  }
  auto valid = doc.find("valid");
  if (valid == doc.end() || !valid->is_boolean()) {
    return make_error(Errc::auth_unavailable, "invalid auth response: missing boolean 'valid'");
  }
  if (!valid->get<bool>()) return make_error(Errc::auth_rejected, "invalid token");
  auto fp = doc.find("fingerprint");
  if (fp == doc.end() || !fp->is_string()) {
    return make_error(Errc::auth_rejected, "valid response missing fingerprint");
  }
  AuthIdentity id{fp->get<std::string>(), std::nullopt};
  auto alias = doc.find("alias");
  if (alias != doc.end() && alias->is_string()) id.alias = alias->get<std::string>();
  return id;
}

AuthClient::AuthClient(AuthClientConfig config) : config_(std::move(config)) {
  global_init_once();
  size_t n = config_.workers == 0 ? 1 : config_.workers;
  for (size_t i = 0; i < n; ++i) workers_.emplace_back([this] { run_worker(); });
}

AuthClient::~AuthClient() {
  std::deque<Job> cancelled;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    cancelled.swap(jobs_);
    for (void* multi : in_flight_) curl_multi_wakeup(multi);  // requests give up now
  }
  cv_.notify_all();
  for (auto& w : workers_) w.join();
  for (auto& job : cancelled) job.done(make_error(Errc::closed, "relay is shutting down"));
}

void AuthClient::validate(std::string token, Callback done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && jobs_.size() < config_.max_pending) {
      jobs_.push_back(Job{std::move(token), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  done(make_error(Errc::auth_unavailable, "too many token validations pending"));
}

void AuthClient::run_worker() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job.done(validate_now(job.token));
  }
}

bool AuthClient::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

Result<int> AuthClient::run_transfer(CURLM* multi) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return make_error(Errc::closed, "relay is shutting down");
    in_flight_.insert(multi);
  }
  struct Unregister {
    AuthClient& self;
    void* multi;
    ~Unregister() {
      std::lock_guard lock(self.mutex_);
      self.in_flight_.erase(multi);
    }
  } unregister{*this, multi};
  for (;;) {
    int running = 0;
    CURLMcode mc = curl_multi_perform(multi, &running);
    if (mc != CURLM_OK)
      return make_error(Errc::auth_unavailable,
                        std::string("auth request failed: ") + curl_multi_strerror(mc));
    if (running == 0) break;
    // Waits for the socket, curl's own timers (the request timeout) or a wakeup.
    mc = curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
    if (mc != CURLM_OK)
      return make_error(Errc::auth_unavailable,
                        std::string("auth request failed: ") + curl_multi_strerror(mc));
    if (stopping()) return make_error(Errc::closed, "relay is shutting down");
  }
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
    if (msg->msg == CURLMSG_DONE) return static_cast<int>(msg->data.result);
  }
  return make_error(Errc::auth_unavailable, "auth request failed: no result");
}

Result<AuthIdentity> AuthClient::validate_now(const std::string& token) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  std::unique_ptr<CURLM, MultiDeleter> multi(curl_multi_init());
  if (!curl || !multi)
    return make_error(Errc::auth_unavailable, "auth request failed: cannot create HTTP client");
  // Invalid UTF-8 becomes U+FFFD (as the wire encoder does) instead of an exception.
  std::string request =
      nlohmann::json{{"token", token}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::unique_ptr<curl_slist, SlistDeleter> headers(
      curl_slist_append(nullptr, "Content-Type: application/json"));
  std::string body;
  char error_text[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, config_.url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config_.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config_.timeout_ms));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
  if (curl_multi_add_handle(multi.get(), c) != CURLM_OK) {
    return make_error(Errc::auth_unavailable, "auth request failed: cannot start the HTTP request");
  }
  Attachment attachment{multi.get(), c};
  auto transfer = run_transfer(multi.get());
  if (!transfer) return std::move(transfer).error();
  auto rc = static_cast<CURLcode>(*transfer);
  if (rc != CURLE_OK) {
    std::string why = error_text[0] ? error_text : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return make_error(Errc::auth_unavailable,
                        "auth request failed: timed out after " + std::to_string(config_.timeout_ms) + " ms");
    }
    return make_error(Errc::auth_unavailable, "auth request failed: " + why);
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return parse_auth_response(status, body);
}

}  // namespace wzp::relay

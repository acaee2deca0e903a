#include "relay/auth_client.hpp"

#include <curl/curl.h>

#include <future>
#include <memory>
#include <nlohmann/json.hpp>

namespace wzp::relay {
namespace {

struct CurlDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
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

// One check: its request and what the transfer collects. Owned by checks_;
// the curl handles are touched by the auth thread only.
struct AuthClient::Check {
  CheckId id = 0;
  std::string token;
  std::string source;
  Callback done;
  bool cancelled = false;  // under mutex_
  bool started = false;    // auth thread
  std::unique_ptr<CURL, CurlDeleter> easy;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  std::string request;
  std::string body;
  char error_text[CURL_ERROR_SIZE] = {0};
};

namespace {

void prepare(CURL* c, const AuthClientConfig& config, std::string& request, curl_slist* headers,
             std::string& body, char* error_text, void* check) {
  curl_easy_setopt(c, CURLOPT_URL, config.url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(config.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(config.timeout_ms));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(c, CURLOPT_PRIVATE, check);
}

Result<AuthIdentity> outcome(CURL* c, CURLcode rc, const char* error_text, const std::string& body,
                             uint32_t timeout_ms) {
  if (rc != CURLE_OK) {
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return make_error(Errc::auth_unavailable,
                        "auth request failed: timed out after " + std::to_string(timeout_ms) + " ms");
    }
    std::string why = error_text[0] ? error_text : curl_easy_strerror(rc);
    return make_error(Errc::auth_unavailable, "auth request failed: " + why);
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return parse_auth_response(status, body);
}

}  // namespace

AuthClient::AuthClient(AuthClientConfig config) : config_(std::move(config)) {
  global_init_once();
  multi_ = curl_multi_init();
  thread_ = std::thread([this] { run(); });
}

AuthClient::~AuthClient() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  if (multi_ != nullptr) curl_multi_wakeup(multi_);
  thread_.join();
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
}

size_t AuthClient::pending() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [id, check] : checks_) n += check->cancelled ? 0 : 1;
  return n;
}

AuthClient::CheckId AuthClient::validate(std::string token, Callback done, std::string source) {
  std::string refusal;
  CheckId id = 0;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || multi_ == nullptr) {
      refusal = "auth client is not running";
    } else if (checks_.size() >= config_.max_pending) {
      refusal = "too many token validations pending";
    } else if (!source.empty() && config_.max_pending_per_source != 0 &&
               per_source_[source] >= config_.max_pending_per_source) {
      refusal = "too many token validations pending from " + source;
    } else {
      auto check = std::make_unique<Check>();
      id = check->id = next_id_++;
      check->token = std::move(token);
      check->source = std::move(source);
      check->done = std::move(done);
      if (!check->source.empty()) ++per_source_[check->source];
      checks_.emplace(id, std::move(check));
      to_start_.push_back(id);
    }
  }
  if (id == 0) {
    done(make_error(Errc::auth_unavailable, refusal));
    return 0;
  }
  curl_multi_wakeup(multi_);
  return id;
}

void AuthClient::release_source(const Check& check) {
  if (check.source.empty()) return;
  auto it = per_source_.find(check.source);
  if (it != per_source_.end() && --it->second == 0) per_source_.erase(it);
}

bool AuthClient::cancel(CheckId id) {
  {
    std::lock_guard lock(mutex_);
    auto it = checks_.find(id);
    if (it == checks_.end() || it->second->cancelled) return false;
    it->second->cancelled = true;
    release_source(*it->second);
    to_cancel_.push_back(id);
  }
  cancelled_.fetch_add(1, std::memory_order_relaxed);
  curl_multi_wakeup(multi_);
  return true;
}

AuthClient::Callback AuthClient::take_callback(CheckId id) {
  std::unique_ptr<Check> check;
  Callback done;
  {
    std::lock_guard lock(mutex_);
    auto it = checks_.find(id);
    if (it == checks_.end()) return {};
    check = std::move(it->second);
    checks_.erase(it);
    if (!check->cancelled) {
      release_source(*check);
      done = std::move(check->done);
    }
  }
  if (check->started) curl_multi_remove_handle(multi_, check->easy.get());
  return done;  // `check` (and its handles) freed here, outside the lock
}

void AuthClient::run() {
  auto* multi = static_cast<CURLM*>(multi_);
  for (;;) {
    std::vector<Check*> starting;
    std::vector<CheckId> cancelling;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      for (CheckId id : to_start_) {
        auto it = checks_.find(id);
        if (it != checks_.end() && !it->second->cancelled) starting.push_back(it->second.get());
      }
      to_start_.clear();
      cancelling.swap(to_cancel_);
    }
    for (CheckId id : cancelling) take_callback(id);  // removes the transfer; no callback
    for (Check* check : starting) {
      // Only this thread erases checks, so `check` stays valid here.
      check->easy.reset(curl_easy_init());
      check->headers.reset(curl_slist_append(nullptr, "Content-Type: application/json"));
      // Invalid UTF-8 becomes U+FFFD (as the wire encoder does) instead of an exception.
      check->request = nlohmann::json{{"token", check->token}}.dump(-1, ' ', false,
                                                                    nlohmann::json::error_handler_t::replace);
      if (check->easy && check->headers) {
        prepare(check->easy.get(), config_, check->request, check->headers.get(), check->body,
                check->error_text, check);
        check->started = curl_multi_add_handle(multi, check->easy.get()) == CURLM_OK;
      }
      if (!check->started) {
        if (auto done = take_callback(check->id))
          done(make_error(Errc::auth_unavailable, "auth request failed: cannot start the HTTP request"));
      }
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Check* check = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &check);
      if (check == nullptr) continue;
      auto result =
          outcome(check->easy.get(), msg->data.result, check->error_text, check->body, config_.timeout_ms);
      if (auto done = take_callback(check->id)) done(std::move(result));
    }
    // Waits for sockets, curl's own timers (the request timeouts) or a wakeup.
    curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  // Stopping: whatever is pending ends now.
  std::vector<CheckId> ids;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, check] : checks_) ids.push_back(id);
  }
  for (CheckId id : ids) {
    if (auto done = take_callback(id)) done(make_error(Errc::closed, "relay is shutting down"));
  }
}

Result<AuthIdentity> AuthClient::validate_now(const std::string& token) {
  std::promise<Result<AuthIdentity>> result;
  auto answered = result.get_future();
  validate(token, [&](Result<AuthIdentity> r) { result.set_value(std::move(r)); });
  return answered.get();
}

}  // namespace wzp::relay

#include "token_check.hpp"

#include <curl/curl.h>

#include <memory>
#include <nlohmann/json.hpp>

namespace {

constexpr size_t kMaxAnswerBytes = size_t{64} * 1024;

size_t collect(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t n = size * count;
  if (body->size() + n > kMaxAnswerBytes) return 0;  // an auth answer is tiny: abort
  body->append(data, n);
  return n;
}

}  // namespace

TokenVerdict parse_token_answer(long http_status, const std::string& body) {
  if (http_status < 200 || http_status > 299) {
    // A server error says nothing about the token: blame the service, not the user.
    return {http_status >= 500 ? TokenVerdict::unavailable : TokenVerdict::rejected,
            "auth service answered HTTP " + std::to_string(http_status)};
  }
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return {TokenVerdict::unavailable, "auth service answer is not JSON"};
  auto valid = doc.find("valid");
  if (valid == doc.end() || !valid->is_boolean()) {
    return {TokenVerdict::unavailable, "auth service answer has no boolean 'valid'"};
  }
  if (!valid->get<bool>()) return {TokenVerdict::rejected, "token rejected by featherChat"};
  auto fp = doc.find("fingerprint");
  if (fp == doc.end() || !fp->is_string()) return {TokenVerdict::rejected, "token has no fingerprint"};
  return {TokenVerdict::valid, fp->get<std::string>()};
}

TokenChecker::TokenChecker(std::string url, long timeout_ms, size_t workers, size_t max_queued)
    : url_(std::move(url)), timeout_ms_(timeout_ms), max_queued_(max_queued) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  for (size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { run(); });
}

TokenChecker::~TokenChecker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  // Jobs still queued are dropped: their sessions are being torn down with the bridge.
}

void TokenChecker::check(std::string token, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && queue_.size() < max_queued_) {
      queue_.push_back({std::move(token), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done({TokenVerdict::unavailable, "too many token checks in progress"});
}

void TokenChecker::run() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job.done(post(job.token));
  }
}

TokenVerdict TokenChecker::post(const std::string& token) const {
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return {TokenVerdict::unavailable, "cannot start an HTTP request"};
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(
      curl_slist_append(nullptr, "Content-Type: application/json"), curl_slist_free_all);
  const std::string request = nlohmann::json{{"token", token}}.dump();
  std::string body;
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms_);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    return {TokenVerdict::unavailable,
            std::string("auth service unreachable: ") + (error[0] ? error : curl_easy_strerror(rc))};
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return parse_token_answer(status, body);
}

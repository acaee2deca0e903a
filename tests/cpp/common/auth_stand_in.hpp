// A featherChat auth stand-in for tests: POST /v1/auth/validate {"token": ...}
// answered on a local HTTP port (127.0.0.1) with whatever the test set for
// that token, or held until release_hanging().
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace wzp::test_support {

class AuthStandIn {
 public:
  struct Request {
    std::string method;
    std::string path;
    std::string content_type;
    std::string body;
  };
  struct Answer {
    int status = 200;
    std::string body;
    bool hang = false;  // no answer until release_hanging()
  };

  static Answer valid(const std::string& fingerprint) {
    return {200, nlohmann::json{{"valid", true}, {"fingerprint", fingerprint}, {"alias", "alice"}}.dump(),
            false};
  }
  static Answer invalid() { return {200, R"({"valid":false,"error":"token expired"})", false}; }
  static Answer valid_without_fingerprint() { return {200, R"({"valid":true})", false}; }
  static Answer server_error() { return {500, "internal error", false}; }
  static Answer garbage() { return {200, "hello", false}; }
  static Answer hangs() { return {200, "", true}; }

  /// `threads`: requests handled at once (hanging ones hold a thread each).
  explicit AuthStandIn(size_t threads = 8) {
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.Post(kPath, [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    EXPECT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~AuthStandIn() {
    release_hanging();
    // stop() only takes effect once listen has started; the socket is already
    // bound and listening, so that is only a matter of the thread starting.
    while (!server_.is_running()) std::this_thread::yield();
    server_.stop();
    thread_.join();
  }
  AuthStandIn(const AuthStandIn&) = delete;
  AuthStandIn& operator=(const AuthStandIn&) = delete;

  /// Hanging requests (and later ones) get a 503 at once, so a relay whose
  /// auth workers wait on them can stop.
  void release_hanging() {
    {
      std::lock_guard lock(mutex_);
      releasing_ = true;
    }
    cv_.notify_all();
  }

  void set(const std::string& token, Answer answer) {
    std::lock_guard lock(mutex_);
    answers_[token] = std::move(answer);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + kPath; }
  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  static constexpr const char* kPath = "/v1/auth/validate";

  void handle(const httplib::Request& req, httplib::Response& res) {
    Answer answer{200, R"({"valid":false})", false};
    {
      std::lock_guard lock(mutex_);
      requests_.push_back({req.method, req.path, req.get_header_value("Content-Type"), req.body});
      auto doc = nlohmann::json::parse(req.body, nullptr, false);
      if (doc.is_object() && doc.contains("token") && doc["token"].is_string()) {
        auto it = answers_.find(doc["token"].get<std::string>());
        if (it != answers_.end()) answer = it->second;
      }
    }
    if (answer.hang) {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return releasing_; });
      res.status = 503;
      return;
    }
    res.status = answer.status;
    res.set_content(answer.body, "application/json");
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool releasing_ = false;
  std::map<std::string, Answer> answers_;
  std::vector<Request> requests_;
};

}  // namespace wzp::test_support

// Validates featherChat tokens (POST {"token": ...} to --auth-url) on worker threads, so a slow
// featherChat never holds up the WebSocket threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct TokenVerdict {
  enum Kind { valid, rejected, unavailable } kind = unavailable;
  std::string detail;  // fingerprint when valid, else why
};

// Parses featherChat's answer as the relay does: 2xx with {"valid": true, "fingerprint": "..."}.
TokenVerdict parse_token_answer(long http_status, const std::string& body);

class TokenChecker {
 public:
  using Done = std::function<void(TokenVerdict)>;

  TokenChecker(std::string url, long timeout_ms, size_t workers = 2, size_t max_queued = 256);
  ~TokenChecker();
  TokenChecker(const TokenChecker&) = delete;
  TokenChecker& operator=(const TokenChecker&) = delete;

  // done runs on a worker thread (or at once, with "unavailable", when the queue is full or the
  // checker is stopping): it must post the verdict to where it is needed.
  void check(std::string token, Done done);

 private:
  struct Job {
    std::string token;
    Done done;
  };
  void run();
  TokenVerdict post(const std::string& token) const;

  std::string url_;
  long timeout_ms_;
  size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

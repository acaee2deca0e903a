// Log lines caused by unauthenticated input (junk packets, refused
// connections, failed TLS handshakes) go through a ThrottledLog, one per kind
// of line: a flood of such input yields a bounded number of lines, and the
// first line after a quiet spell says how many similar ones were suppressed.
// Not thread-safe: owned by one loop thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/log.hpp"
#include "core/token_bucket.hpp"

namespace wzp {

class ThrottledLog {
 public:
  /// Up to `burst` lines at once, then `per_second` lines per second.
  ThrottledLog(log::Level level, std::string_view component, double per_second = 1.0, double burst = 5.0);

  /// Logs `message` unless this kind of line is over its rate.
  void write(const std::string& message);
  /// As write(), but builds the message only when it is going to be logged.
  template <class F>
  void write_lazy(F&& make_message) {
    if (admit()) emit(make_message());
  }
  [[nodiscard]] uint64_t suppressed_total() const noexcept { return suppressed_total_; }

 private:
  bool admit();
  void emit(const std::string& message);

  log::Level level_;
  std::string component_;
  TokenBucket bucket_;
  uint64_t suppressed_ = 0;  // since the last line written
  uint64_t suppressed_total_ = 0;
};

}  // namespace wzp

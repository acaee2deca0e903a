// A token bucket: at most `burst` tokens stored, refilled at `rate_per_s`.
// Bounds the work and log lines that unauthenticated input can cause, and the
// media rate of each relay participant.
// Not thread-safe: each owner (e.g. an endpoint on its loop thread) keeps its own.
#pragma once

#include <cstdint>

namespace wzp {

class TokenBucket {
 public:
  /// Starts full at time `now_ns`.
  TokenBucket(double rate_per_s, double burst, uint64_t now_ns = 0) noexcept;

  /// Refills up to `now_ns`, then whether `amount` tokens are available.
  bool has(uint64_t now_ns, double amount) noexcept;
  /// Removes `amount` tokens (after has() said they are there).
  void consume(double amount) noexcept { tokens_ -= amount; }
  /// Takes one token at time `now_ns`; false when the bucket is empty.
  bool take(uint64_t now_ns) noexcept {
    if (!has(now_ns, 1.0)) return false;
    consume(1.0);
    return true;
  }

 private:
  double rate_per_ns_;
  double burst_;
  double tokens_;
  uint64_t last_ns_;
};

}  // namespace wzp

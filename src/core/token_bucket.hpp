// A token bucket: at most `burst` events at once, refilled at `rate_per_s`.
// Used to bound work and log lines that unauthenticated input can cause.
// Not thread-safe: each owner (e.g. an endpoint on its loop thread) keeps its own.
#pragma once

#include <cstdint>

namespace wzp {

class TokenBucket {
 public:
  TokenBucket(double rate_per_s, double burst) noexcept;

  /// Takes one token at time `now_ns`; false when the bucket is empty.
  bool take(uint64_t now_ns) noexcept;

 private:
  double rate_per_ns_;
  double burst_;
  double tokens_;
  uint64_t last_ns_ = 0;
};

}  // namespace wzp

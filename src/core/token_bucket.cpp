#include "core/token_bucket.hpp"

#include <algorithm>

namespace wzp {

TokenBucket::TokenBucket(double rate_per_s, double burst, uint64_t now_ns) noexcept
    : rate_per_ns_(rate_per_s / 1e9), burst_(burst), tokens_(burst), last_ns_(now_ns) {}

bool TokenBucket::has(uint64_t now_ns, double amount) noexcept {
  if (now_ns > last_ns_) {
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ns - last_ns_) * rate_per_ns_);
    last_ns_ = now_ns;
  }
  return tokens_ >= amount;
}

}  // namespace wzp

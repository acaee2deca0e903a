// Per-sender rate policing for forwarded media: two token buckets, one in
// datagrams and one in bytes. Voice needs about 50-100 datagrams/s; the
// defaults leave headroom and absorb bursts (a jitter buffer flushing, FEC),
// so only a flood is cut. Loop-thread only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/token_bucket.hpp"

namespace wzp::relay {

/// 0 in a field: that dimension is not limited.
struct SenderRateLimit {
  uint32_t datagrams_per_s = 200;
  uint32_t burst_datagrams = 100;
  /// Sustained bytes per second; bursts of up to half a second's worth.
  uint32_t bytes_per_s = 256 * 1024;
};

class SenderPolicer {
 public:
  SenderPolicer(const SenderRateLimit& limit, uint64_t now_ns) noexcept;
  /// Whether one datagram of `bytes` may be forwarded now (its tokens are
  /// taken only then: a refused datagram costs nothing).
  bool admit(uint64_t now_ns, size_t bytes) noexcept;

 private:
  bool limit_datagrams_;
  bool limit_bytes_;
  TokenBucket datagrams_;
  TokenBucket bytes_;
};

}  // namespace wzp::relay

#include "relay/sender_policer.hpp"

#include <algorithm>

namespace wzp::relay {
namespace {
// The byte bucket holds at least one full-size packet, or nothing would pass.
constexpr double kMinByteCapacity = 1500;
}  // namespace

SenderPolicer::SenderPolicer(const SenderRateLimit& limit, uint64_t now_ns) noexcept
    : limit_datagrams_(limit.datagrams_per_s != 0),
      limit_bytes_(limit.bytes_per_s != 0),
      datagrams_(limit.datagrams_per_s, std::max<double>(limit.burst_datagrams, 1), now_ns),
      bytes_(limit.bytes_per_s, std::max(limit.bytes_per_s / 2.0, kMinByteCapacity), now_ns) {}

bool SenderPolicer::admit(uint64_t now_ns, size_t bytes) noexcept {
  const auto size = static_cast<double>(bytes);
  if (limit_datagrams_ && !datagrams_.has(now_ns, 1)) return false;
  if (limit_bytes_ && !bytes_.has(now_ns, size)) return false;
  if (limit_datagrams_) datagrams_.consume(1);
  if (limit_bytes_) bytes_.consume(size);
  return true;
}

}  // namespace wzp::relay

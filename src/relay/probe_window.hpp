// The reference prober's sliding window of the last pings (relay spec §10.1):
// RTT, loss and jitter are computed over it. Timestamps are opaque keys here;
// the caller decides which clock they come from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace wzp::relay {

class ProbeWindow {
 public:
  static constexpr size_t kDefaultCapacity = 60;

  explicit ProbeWindow(size_t capacity = kDefaultCapacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  /// A ping sent at `ts`: the oldest entry goes when the window is full.
  void record_sent(uint64_t ts);
  /// The pong for the ping sent at `ts` arrived at `now`: its RTT (`now - ts`,
  /// 0 when `now` is earlier), or none for a timestamp not in the window. A
  /// repeated pong overwrites.
  std::optional<double> record_pong(uint64_t ts, uint64_t now);
  /// Entries without an RTT over all entries, in percent (pings in flight count
  /// as lost); 0 when empty.
  double loss_pct() const noexcept;
  /// Population standard deviation of the RTTs present; 0 with fewer than two.
  double jitter_ms() const noexcept;
  /// The RTT of the most recent entry that has one.
  std::optional<double> latest_rtt() const noexcept;
  size_t size() const noexcept { return entries_.size(); }
  std::optional<uint64_t> oldest() const noexcept;
  void clear() noexcept { entries_.clear(); }

 private:
  struct Entry {
    uint64_t ts;
    std::optional<double> rtt;
  };
  size_t capacity_;
  std::deque<Entry> entries_;
};

}  // namespace wzp::relay

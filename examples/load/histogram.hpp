// Latency histograms of bounded size (log-linear buckets, as HDR histograms): every power of two
// is split into 2^SubBits equal buckets, so a value is known to 1 / 2^SubBits of itself
// (SubBits 5: ~3 %) whatever the number of samples. Values are nanoseconds, up to ~36 minutes
// (larger ones land in the last bucket).
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace load {

template <unsigned SubBits>
struct HistogramLayout {
  static constexpr uint64_t kSub = uint64_t{1} << SubBits;
  static constexpr unsigned kMaxMsb = 41;  // 2^41 ns ~ 36 min
  static constexpr size_t kBuckets = (kMaxMsb - SubBits) * kSub + 2 * kSub;

  static size_t index(uint64_t v) {
    if (v < 2 * kSub) return static_cast<size_t>(v);
    const unsigned msb = std::min<unsigned>(63 - static_cast<unsigned>(std::countl_zero(v)), kMaxMsb);
    const unsigned e = msb - SubBits;
    const uint64_t m = msb == kMaxMsb && (v >> e) >= 2 * kSub ? 2 * kSub - 1 : v >> e;
    return static_cast<size_t>(e * kSub + m);
  }
  static uint64_t lower(size_t i) {
    if (i < 2 * kSub) return i;
    const uint64_t e = i / kSub - 1, m = i - e * kSub;
    return m << e;
  }
  static uint64_t upper(size_t i) {
    if (i < 2 * kSub) return i;
    const uint64_t e = i / kSub - 1, m = i - e * kSub;
    return ((m + 1) << e) - 1;
  }
};

/// A histogram owned by one thread at a time (or merged after the fact).
template <unsigned SubBits, typename Count = uint64_t>
class Histogram {
 public:
  using Layout = HistogramLayout<SubBits>;
  Histogram() : counts_(Layout::kBuckets, 0) {}

  void record(uint64_t v) {
    ++counts_[Layout::index(v)];
    ++total_;
    max_ = std::max(max_, v);
  }
  void add_bucket(size_t i, uint64_t n) {
    counts_[i] += static_cast<Count>(n);
    total_ += n;
  }
  void note_max(uint64_t v) { max_ = std::max(max_, v); }
  void merge(const Histogram& other) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
  }
  /// What was recorded after `earlier` (a snapshot of the same histogram); its max is unknown.
  Histogram since(const Histogram& earlier) const {
    Histogram d;
    for (size_t i = 0; i < counts_.size(); ++i) d.counts_[i] = counts_[i] - earlier.counts_[i];
    d.total_ = total_ - earlier.total_;
    return d;
  }
  uint64_t count() const { return total_; }
  uint64_t max() const { return max_; }
  /// The value at quantile q (0..1): the middle of its bucket, never above the largest value
  /// recorded. NaN when empty.
  double quantile(double q) const {
    if (total_ == 0) return NAN;
    const uint64_t rank =
        std::clamp<uint64_t>(static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_))), 1, total_);
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        const double mid =
            (static_cast<double>(Layout::lower(i)) + static_cast<double>(Layout::upper(i))) / 2;
        return max_ != 0 ? std::min(mid, static_cast<double>(max_)) : mid;
      }
    }
    return static_cast<double>(max_);
  }

 private:
  std::vector<Count> counts_;
  uint64_t total_ = 0;
  uint64_t max_ = 0;
};

/// The aggregate latency histogram of one receiving thread: written by that thread only,
/// readable by any thread at any time (relaxed atomics), for the live progress lines.
class LiveHistogram {
 public:
  static constexpr unsigned kSubBits = 5;
  using Layout = HistogramLayout<kSubBits>;
  using Snapshot = Histogram<kSubBits>;

  LiveHistogram() : counts_(std::make_unique<std::atomic<uint64_t>[]>(Layout::kBuckets)) {
    for (size_t i = 0; i < Layout::kBuckets; ++i) counts_[i].store(0, std::memory_order_relaxed);
  }
  void record(uint64_t v) {  // the owning thread only
    auto& c = counts_[Layout::index(v)];
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (v > max_.load(std::memory_order_relaxed)) max_.store(v, std::memory_order_relaxed);
  }
  void add_to(Snapshot& out) const {
    for (size_t i = 0; i < Layout::kBuckets; ++i) {
      const uint64_t n = counts_[i].load(std::memory_order_relaxed);
      if (n != 0) out.add_bucket(i, n);
    }
    out.note_max(max_.load(std::memory_order_relaxed));
  }

 private:
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<uint64_t> max_{0};
};

}  // namespace load

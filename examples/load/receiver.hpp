// What one participant receives: per stream (one per room-mate) the unique datagrams,
// duplicates, reordering, RFC 3550 jitter, and the participant's own latency histogram. Written
// by the one thread that delivers the participant's datagrams; read once that has stopped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "histogram.hpp"
#include "stamp.hpp"

namespace load {

/// Counts of one or more streams.
struct StreamTotals {
  uint64_t received = 0;     // unique datagrams
  uint64_t range = 0;        // last seq - first seq + 1 of each stream (what it saw the span of)
  uint64_t duplicates = 0;   // datagrams seen twice (within the last 128 sequence numbers)
  uint64_t reordered = 0;    // arrived after a later sequence number of the same sender
  double jitter_sum_ns = 0;  // the RFC 3550 estimate after each datagram, summed
  uint64_t jitter_samples = 0;

  void add(const StreamTotals& o) {
    received += o.received;
    range += o.range;
    duplicates += o.duplicates;
    reordered += o.reordered;
    jitter_sum_ns += o.jitter_sum_ns;
    jitter_samples += o.jitter_samples;
  }
};

class Receiver {
 public:
  using LatencyHistogram = Histogram<3, uint32_t>;  // ~12 % precision, 1.2 KB

  explicit Receiver(size_t room_size) : streams_(room_size) {}

  /// One datagram of the step, already known to be inside the receiver's counting window.
  void on_datagram(const Stamp& stamp, uint64_t arrival_ns);

  /// Every stream, current and those whose sender was replaced (churn).
  StreamTotals totals() const;
  const LatencyHistogram& latency() const { return latency_; }
  uint64_t stale() const { return stale_; }

 private:
  struct Stream {
    bool active = false;
    uint32_t sender = 0;
    uint32_t first_seq = 0, max_seq = 0;
    unsigned __int128 seen = 0;  // bit i: max_seq - i arrived
    int64_t last_transit = 0;
    double jitter_ns = 0;
    StreamTotals counts;
  };
  std::vector<Stream> streams_;  // by the sender's room slot
  StreamTotals closed_;          // streams of senders that left
  LatencyHistogram latency_;
  uint64_t stale_ = 0;  // datagrams of a sender whose slot was taken over since
};

}  // namespace load

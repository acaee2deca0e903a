#include "receiver.hpp"

#include <cstdlib>

namespace load {

void Receiver::on_datagram(const Stamp& stamp, uint64_t arrival_ns) {
  latency_.record(arrival_ns > stamp.send_ns ? arrival_ns - stamp.send_ns : 0);
  if (stamp.slot >= streams_.size()) return;
  Stream& s = streams_[stamp.slot];
  if (s.active && s.sender != stamp.sender) {
    // Churn: a new sender in this slot. Senders only come after the previous one has left, so
    // a lower id is a late datagram of an old sender.
    if (stamp.sender < s.sender) {
      ++stale_;
      return;
    }
    s.counts.range = uint64_t{s.max_seq} - s.first_seq + 1;
    closed_.add(s.counts);
    s = Stream{};
  }
  const int64_t transit = static_cast<int64_t>(arrival_ns) - static_cast<int64_t>(stamp.send_ns);
  if (!s.active) {
    s.active = true;
    s.sender = stamp.sender;
    s.first_seq = s.max_seq = stamp.seq;
    s.seen = 1;
    s.counts.received = 1;
    s.last_transit = transit;
    return;
  }
  const uint32_t seq = stamp.seq;
  if (seq > s.max_seq) {
    const uint32_t shift = seq - s.max_seq;
    s.seen = shift >= 128 ? 0 : s.seen << shift;
    s.seen |= 1;
    s.max_seq = seq;
  } else {
    const uint32_t back = s.max_seq - seq;
    if (back < 128) {
      const unsigned __int128 bit = static_cast<unsigned __int128>(1) << back;
      if (s.seen & bit) {
        ++s.counts.duplicates;
        return;
      }
      s.seen |= bit;
    }
    ++s.counts.reordered;
    if (seq < s.first_seq) s.first_seq = seq;
  }
  ++s.counts.received;
  // RFC 3550 section 6.4.1, in arrival order.
  const double d = std::abs(static_cast<double>(transit - s.last_transit));
  s.last_transit = transit;
  s.jitter_ns += (d - s.jitter_ns) / 16;
  s.counts.jitter_sum_ns += s.jitter_ns;
  ++s.counts.jitter_samples;
}

StreamTotals Receiver::totals() const {
  StreamTotals t = closed_;
  for (const Stream& s : streams_) {
    if (!s.active) continue;
    StreamTotals c = s.counts;
    c.range = uint64_t{s.max_seq} - s.first_seq + 1;
    t.add(c);
  }
  return t;
}

}  // namespace load

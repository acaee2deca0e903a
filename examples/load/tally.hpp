// The shared bookkeeping of one run (one ramp step): every receiving thread records the datagrams
// it delivers here (per participant, and in its own aggregate latency histogram), joins and
// failures are reported here, and the progress lines read it while the run goes on.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "participant.hpp"

namespace load {

class Tally {
 public:
  explicit Tally(uint16_t step);
  Tally(const Tally&) = delete;
  Tally& operator=(const Tally&) = delete;

  uint16_t step() const { return step_; }

  /// A datagram that arrived for `self` (any receiving thread; one thread per participant).
  void on_datagram(Participant& self, const uint8_t* data, size_t len, uint64_t arrival_ns);
  /// The participant joined now (its receiving thread).
  void on_joined(Participant& self, uint64_t now);
  /// The participant's connection ended: a join failure, or a disconnect unless it was asked to.
  /// `kind` groups the closes (e.g. the close code's name), `reason` says why in words.
  void on_closed(Participant& self, const std::string& kind, const std::string& reason);
  /// A participant that did not join in time (its transport has let it go: no callback runs).
  void fail_join(Participant& self, const std::string& kind, const std::string& reason);

  /// Counting is on during the sending window and the drain.
  std::atomic<bool> recording{false};
  std::atomic<uint64_t> sent{0};         // datagrams the transports accepted (the pacer's)
  std::atomic<uint64_t> send_errors{0};  // refused by the transport

  struct Live {
    uint64_t delivered = 0;  // datagrams counted (duplicates included)
    uint64_t ignored = 0;    // outside a receiver's counting window, or not of this step
    uint64_t joined = 0, failed = 0, closed = 0;
    LiveHistogram::Snapshot latency;
  };
  /// Any thread, at any time: the counters so far.
  Live live() const;
  /// Closes of one kind: how many, and the first one's reason.
  struct Closes {
    uint64_t count = 0;
    std::string example;
  };
  /// Join failures and disconnects by kind (after the run).
  std::map<std::string, Closes> failures() const;
  std::map<std::string, Closes> disconnects() const;

 private:
  struct ThreadCounters {
    std::atomic<uint64_t> delivered{0}, ignored{0};
    LiveHistogram latency;
  };
  ThreadCounters& local();
  void record_close(Participant& self, const std::string& kind, const std::string& reason);

  const uint16_t step_;
  const uint64_t generation_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<ThreadCounters>> threads_;
  std::map<std::string, Closes> failures_, disconnects_;
  std::atomic<uint64_t> joined_{0}, failed_{0}, closed_{0};
};

}  // namespace load

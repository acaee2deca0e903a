// The pacing thread: every participant sends one datagram per interval, participant slot i at
// offset i * interval / slots, so the sends are spread evenly over the interval. It wakes for
// each batch of sends due within the next 100 us (it sleeps between batches), stamps each
// datagram with the time just before its send call, and measures its own lateness (a late
// pacer means the generator, not the relay, is the limit).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "participant.hpp"
#include "payload.hpp"
#include "tally.hpp"
#include "transport.hpp"

namespace load {

class Pacer {
 public:
  Pacer(Transport& transport, const Payload& payload, Tally& tally, size_t slots, uint32_t interval_ms);
  ~Pacer();
  Pacer(const Pacer&) = delete;
  Pacer& operator=(const Pacer&) = delete;

  /// Who sends in a slot (nullptr: nobody). Thread-safe; once it returns, the pacer no longer
  /// uses the slot's previous participant.
  void set(size_t slot, Participant* p);
  /// Sends from start_ns until end_ns (CLOCK_MONOTONIC) on its own thread.
  void start(uint64_t start_ns, uint64_t end_ns);
  /// Ends early (SIGINT).
  void stop() { stop_.store(true); }
  void join();

  // After join():
  uint64_t late_sends() const { return late_; }  // more than 1 ms behind the schedule
  const Histogram<5>& lag() const { return lag_; }
  const std::map<std::string, uint64_t>& send_errors() const { return errors_; }

 private:
  void run(uint64_t start_ns, uint64_t end_ns);

  Transport& transport_;
  const Payload& payload_;
  Tally& tally_;
  const uint64_t interval_ns_;
  const uint32_t interval_ms_;
  std::mutex mutex_;
  std::vector<Participant*> slots_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  Histogram<5> lag_;
  uint64_t late_ = 0;
  std::map<std::string, uint64_t> errors_;
};

}  // namespace load

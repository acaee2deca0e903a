#include "tally.hpp"

namespace load {

namespace {
std::atomic<uint64_t> g_generations{0};

void bump(std::atomic<uint64_t>& counter) {  // single writer
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}
}  // namespace

Tally::Tally(uint16_t step) : step_(step), generation_(g_generations.fetch_add(1) + 1) {}

Tally::ThreadCounters& Tally::local() {
  // One set of counters per receiving thread and run, so the hot path takes no lock.
  thread_local uint64_t owner = 0;
  thread_local ThreadCounters* mine = nullptr;
  if (owner != generation_) {
    std::lock_guard lock(mutex_);
    threads_.push_back(std::make_unique<ThreadCounters>());
    mine = threads_.back().get();
    owner = generation_;
  }
  return *mine;
}

void Tally::on_datagram(Participant& self, const uint8_t* data, size_t len, uint64_t arrival_ns) {
  ThreadCounters& counters = local();
  Stamp stamp;
  if (!recording.load(std::memory_order_relaxed) || !read_stamp(data, len, stamp) || stamp.step != step_ ||
      stamp.send_ns < self.count_from_ns.load(std::memory_order_relaxed) ||
      stamp.send_ns >= self.count_until_ns.load(std::memory_order_relaxed)) {
    bump(counters.ignored);
    return;
  }
  bump(counters.delivered);
  counters.latency.record(arrival_ns > stamp.send_ns ? arrival_ns - stamp.send_ns : 0);
  self.receiver.on_datagram(stamp, arrival_ns);
}

void Tally::on_joined(Participant& self, uint64_t now) {
  self.joined_ns.store(now, std::memory_order_relaxed);
  // A replacement counts what was sent after it joined (the others count from the start).
  if (!self.initial) self.count_from_ns.store(now, std::memory_order_relaxed);
  self.state.store(JoinState::joined, std::memory_order_release);
  joined_.fetch_add(1, std::memory_order_relaxed);
}

void Tally::on_closed(Participant& self, const std::string& kind, const std::string& reason) {
  if (self.hung_up.load()) return;  // the generator ended it
  record_close(self, kind, reason);
}

void Tally::fail_join(Participant& self, const std::string& kind, const std::string& reason) {
  record_close(self, kind, reason);
}

void Tally::record_close(Participant& self, const std::string& kind, const std::string& reason) {
  const JoinState state = self.state.load(std::memory_order_acquire);
  if (state == JoinState::failed || state == JoinState::closed) return;
  std::lock_guard lock(mutex_);
  self.close_reason = reason;
  if (state == JoinState::pending) {
    auto& c = failures_[kind];
    if (c.count++ == 0) c.example = reason;
    failed_.fetch_add(1, std::memory_order_relaxed);
    self.state.store(JoinState::failed, std::memory_order_release);
  } else {
    auto& c = disconnects_[kind];
    if (c.count++ == 0) c.example = reason;
    closed_.fetch_add(1, std::memory_order_relaxed);
    self.state.store(JoinState::closed, std::memory_order_release);
  }
}

Tally::Live Tally::live() const {
  Live out;
  std::lock_guard lock(mutex_);
  for (const auto& t : threads_) {
    out.delivered += t->delivered.load(std::memory_order_relaxed);
    out.ignored += t->ignored.load(std::memory_order_relaxed);
    t->latency.add_to(out.latency);
  }
  out.joined = joined_.load(std::memory_order_relaxed);
  out.failed = failed_.load(std::memory_order_relaxed);
  out.closed = closed_.load(std::memory_order_relaxed);
  return out;
}

std::map<std::string, Tally::Closes> Tally::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

std::map<std::string, Tally::Closes> Tally::disconnects() const {
  std::lock_guard lock(mutex_);
  return disconnects_;
}

}  // namespace load

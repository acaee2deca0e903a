#include "pacer.hpp"

#include <sys/prctl.h>
#include <time.h>

#include <cerrno>

namespace load {

namespace {

void sleep_until(uint64_t deadline_ns) {
  timespec ts{static_cast<time_t>(deadline_ns / 1'000'000'000),
              static_cast<long>(deadline_ns % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

constexpr uint64_t kEarlyNs = 100'000;  // a send due this soon goes now (sleeping costs about as long)
constexpr uint64_t kLateNs = 1'000'000;

}  // namespace

Pacer::Pacer(Transport& transport, const Payload& payload, Tally& tally, size_t slots, uint32_t interval_ms)
    : transport_(transport),
      payload_(payload),
      tally_(tally),
      interval_ns_(uint64_t{interval_ms} * 1'000'000),
      interval_ms_(interval_ms),
      slots_(slots, nullptr) {}

Pacer::~Pacer() {
  stop();
  join();
}

void Pacer::set(size_t slot, Participant* p) {
  std::lock_guard lock(mutex_);
  slots_[slot] = p;
}

void Pacer::start(uint64_t start_ns, uint64_t end_ns) {
  thread_ = std::thread([this, start_ns, end_ns] { run(start_ns, end_ns); });
}

void Pacer::join() {
  if (thread_.joinable()) thread_.join();
}

void Pacer::run(uint64_t start_ns, uint64_t end_ns) {
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);  // wake when asked, not up to 50 us later
  const size_t n = slots_.size();
  std::vector<uint8_t> datagram(payload_.max_datagram());
  const uint16_t step = tally_.step();
  uint64_t tick = 0;
  size_t i = 0;
  auto due_of = [&](uint64_t t, size_t s) { return start_ns + t * interval_ns_ + s * interval_ns_ / n; };
  while (!stop_.load(std::memory_order_relaxed)) {
    uint64_t due = due_of(tick, i);
    if (due >= end_ns) break;
    uint64_t now = now_ns();
    if (due > now + kEarlyNs) {
      sleep_until(due - kEarlyNs);
      now = now_ns();
    }
    // Every send due within kEarlyNs, under the lock (churn changes slots between batches).
    // The next batch is then more than kEarlyNs away: the pacer sleeps, it never spins.
    std::lock_guard lock(mutex_);
    while (due <= now + kEarlyNs && due < end_ns) {
      Participant* p = slots_[i];
      if (p != nullptr && p->state.load(std::memory_order_acquire) == JoinState::joined) {
        const size_t len =
            payload_.build(datagram.data(), Stamp{step, p->slot, p->id, p->seq, 0}, interval_ms_);
        const uint64_t sent_at = now_ns();
        set_send_time(datagram.data(), sent_at);
        const int rc = transport_.send(*p, datagram.data(), len);
        const uint64_t lag = sent_at > due ? sent_at - due : 0;
        lag_.record(lag);
        if (lag > kLateNs) ++late_;
        if (rc == 0) {
          ++p->seq;
          p->sent.store(p->seq, std::memory_order_relaxed);
          tally_.sent.fetch_add(1, std::memory_order_relaxed);
        } else {
          ++errors_[transport_.send_error_name(rc)];
          tally_.send_errors.fetch_add(1, std::memory_order_relaxed);
        }
      }
      if (++i == n) {
        i = 0;
        ++tick;
      }
      due = due_of(tick, i);
      if ((i & 63) == 0) now = now_ns();
    }
  }
}

}  // namespace load

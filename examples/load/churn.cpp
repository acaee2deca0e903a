#include "churn.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <random>

#include "stamp.hpp"

namespace load {

Churn::Churn(Transport& transport, Pacer& pacer, std::vector<std::unique_ptr<Participant>>& everyone,
             std::vector<Participant*> slots, double per_s, uint32_t grace_ms, size_t room_size)
    : transport_(transport),
      pacer_(pacer),
      everyone_(everyone),
      slots_(std::move(slots)),
      per_s_(per_s),
      grace_ns_(uint64_t{grace_ms} * 1'000'000),
      room_size_(room_size) {}

Churn::~Churn() {
  stop();
  join();
}

void Churn::start(uint64_t start_ns, uint64_t end_ns) {
  thread_ = std::thread([this, start_ns, end_ns] { run(start_ns, end_ns); });
}

void Churn::join() {
  if (thread_.joinable()) thread_.join();
}

void Churn::run(uint64_t start_ns, uint64_t end_ns) {
  struct Leaving {
    size_t slot;
    Participant* p;
    uint64_t hangup_ns;
  };
  std::deque<Leaving> leaving;
  std::mt19937_64 rng(start_ns);
  const uint64_t period_ns = static_cast<uint64_t>(1e9 / per_s_);
  uint64_t next_leave = start_ns + period_ns;
  uint32_t next_id = 0;
  for (const auto& p : everyone_) next_id = std::max(next_id, p->id + 1);
  while (!stop_.load(std::memory_order_relaxed)) {
    uint64_t now = now_ns();
    // Hang up those whose grace has passed, and bring in their replacements.
    while (!leaving.empty() && leaving.front().hangup_ns <= now) {
      const Leaving l = leaving.front();
      leaving.pop_front();
      transport_.leave(*l.p);
      auto fresh = std::make_unique<Participant>(next_id++, l.p->room, l.p->slot, l.p->pace_index,
                                                 l.p->room_name, false, room_size_);
      Participant* p = fresh.get();
      everyone_.push_back(std::move(fresh));
      slots_[l.slot] = p;
      pacer_.set(l.slot, p);  // it sends once joined
      transport_.connect(*p);
      ++joins_;
      now = now_ns();
    }
    if (now >= end_ns) break;
    if (now >= next_leave) {
      next_leave += period_ns;
      // A random participant in the room now, joined and not already leaving; never a room's
      // first member, so that every room keeps one who stays the whole run (whose losses and
      // memory are what a long run is about).
      std::uniform_int_distribution<size_t> pick(0, slots_.size() - 1);
      for (size_t attempt = 0; attempt < 2 * slots_.size(); ++attempt) {
        const size_t slot = pick(rng);
        Participant* p = slots_[slot];
        if (p == nullptr || p->slot == 0 || p->state.load(std::memory_order_acquire) != JoinState::joined) continue;
        pacer_.set(slot, nullptr);  // it sends no more
        p->left_ns.store(now);
        p->count_until_ns.store(now);  // and counts only what was sent before
        slots_[slot] = nullptr;
        leaving.push_back({slot, p, now + grace_ns_});
        ++leaves_;
        break;
      }
    }
    uint64_t wake = std::min(next_leave, end_ns);
    if (!leaving.empty()) wake = std::min(wake, leaving.front().hangup_ns);
    now = now_ns();
    if (wake > now)
      std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<uint64_t>(wake - now, 50'000'000)));
  }
  // Those still in their grace period are hung up with everyone else at the end.
}

}  // namespace load

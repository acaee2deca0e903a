#include "media/call/network_impairment.hpp"

#include <algorithm>
#include <limits>

namespace wzp::media {
namespace {

// Earliest delivery on top of the heap; equal times keep submission order.
bool later(const auto& a, const auto& b) noexcept {
  return a.due_ms != b.due_ms ? a.due_ms > b.due_ms : a.order > b.order;
}

}  // namespace

NetworkImpairment::NetworkImpairment(ImpairmentConfig config) noexcept
    : config_(config), state_(config.seed) {
  const double p = std::clamp(config_.loss_pct / 100.0, 0.0, 1.0);
  if (config_.burst > 1 && p > 0 && p < 1) {
    // Stationary loss of the two-state chain is enter / (enter + leave) = p.
    leave_bad_ = 1.0 / config_.burst;
    enter_bad_ = std::min(1.0, p * leave_bad_ / (1.0 - p));
  } else {
    enter_bad_ = p;  // Bernoulli (and the 0 % and 100 % ends)
    leave_bad_ = 1.0 - p;
  }
}

uint64_t NetworkImpairment::next_random() noexcept {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double NetworkImpairment::uniform01() noexcept {
  return static_cast<double>(next_random() >> 11) * 0x1.0p-53;
}

bool NetworkImpairment::draw_loss() noexcept {
  if (enter_bad_ <= 0) return false;
  // The state for this datagram: leave or enter the bad state, then lose iff bad.
  bad_ = bad_ ? uniform01() >= leave_bad_ : uniform01() < enter_bad_;
  return bad_;
}

void NetworkImpairment::submit(Bytes datagram, int64_t now_ms) {
  ++stats_.submitted;
  const uint64_t order = submitted_++;
  const bool lost = draw_loss();
  if (lost) {
    ++stats_.dropped;
    if (!last_dropped_) ++stats_.loss_runs;
    last_dropped_ = true;
    return;
  }
  last_dropped_ = false;
  uint32_t delay = 0;
  if (config_.jitter_ms > 0) {
    delay = static_cast<uint32_t>(uniform01() * (static_cast<double>(config_.jitter_ms) + 1.0));
    delay = std::min(delay, config_.jitter_ms);
  }
  stats_.max_delay_ms = std::max(stats_.max_delay_ms, delay);
  held_.push_back(Held{now_ms + delay, order, std::move(datagram)});
  std::push_heap(held_.begin(), held_.end(), [](const Held& a, const Held& b) { return later(a, b); });
  ++stats_.held;
}

std::vector<Bytes> NetworkImpairment::due(int64_t now_ms) {
  std::vector<Bytes> out;
  const auto cmp = [](const Held& a, const Held& b) { return later(a, b); };
  while (!held_.empty() && held_.front().due_ms <= now_ms) {
    std::pop_heap(held_.begin(), held_.end(), cmp);
    Held h = std::move(held_.back());
    held_.pop_back();
    if (h.order + 1 < highest_delivered_) ++stats_.reordered;
    highest_delivered_ = std::max(highest_delivered_, h.order + 1);
    out.push_back(std::move(h.datagram));
  }
  stats_.delivered += out.size();
  stats_.held -= out.size();
  return out;
}

int64_t NetworkImpairment::next_due_ms() const noexcept {
  return held_.empty() ? std::numeric_limits<int64_t>::max() : held_.front().due_ms;
}

}  // namespace wzp::media

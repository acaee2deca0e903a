#include "relay/probe_window.hpp"

#include <algorithm>
#include <cmath>

namespace wzp::relay {

void ProbeWindow::record_sent(uint64_t ts) {
  if (entries_.size() >= capacity_) entries_.pop_front();
  entries_.push_back({ts, std::nullopt});
}

std::optional<double> ProbeWindow::record_pong(uint64_t ts, uint64_t now) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [ts](const Entry& e) { return e.ts == ts; });
  if (it == entries_.end()) return std::nullopt;
  it->rtt = now >= ts ? static_cast<double>(now - ts) : 0.0;
  return it->rtt;
}

double ProbeWindow::loss_pct() const noexcept {
  if (entries_.empty()) return 0.0;
  auto lost = std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return !e.rtt; });
  return static_cast<double>(lost) / static_cast<double>(entries_.size()) * 100.0;
}

double ProbeWindow::jitter_ms() const noexcept {
  double sum = 0;
  size_t n = 0;
  for (const auto& e : entries_) {
    if (e.rtt) {
      sum += *e.rtt;
      ++n;
    }
  }
  if (n < 2) return 0.0;
  double mean = sum / static_cast<double>(n);
  double var = 0;
  for (const auto& e : entries_) {
    if (e.rtt) var += (*e.rtt - mean) * (*e.rtt - mean);
  }
  return std::sqrt(var / static_cast<double>(n));
}

std::optional<double> ProbeWindow::latest_rtt() const noexcept {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->rtt) return it->rtt;
  }
  return std::nullopt;
}

std::optional<uint64_t> ProbeWindow::oldest() const noexcept {
  if (entries_.empty()) return std::nullopt;
  return entries_.front().ts;
}

}  // namespace wzp::relay

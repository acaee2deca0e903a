#include "relay/refusal_counters.hpp"

namespace wzp::relay {

void RefusalCounters::add(wire::CloseCode code) noexcept {
  for (size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i] == code) {
      counts_[i].fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

std::vector<std::pair<wire::CloseCode, uint64_t>> RefusalCounters::snapshot() const {
  std::vector<std::pair<wire::CloseCode, uint64_t>> out;
  for (size_t i = 0; i < kCodes.size(); ++i) {
    uint64_t n = counts_[i].load(std::memory_order_relaxed);
    if (n != 0) out.emplace_back(kCodes[i], n);
  }
  return out;
}

}  // namespace wzp::relay

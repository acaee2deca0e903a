#include "core/free_memory.hpp"

#include <malloc.h>

#include <atomic>

#include "core/clock.hpp"

namespace wzp {

namespace {
std::atomic<uint64_t> g_last_trim_ns{0};
}  // namespace

bool return_free_memory(uint64_t min_interval_ns) noexcept {
  const uint64_t now = clock::now_ns();
  uint64_t last = g_last_trim_ns.load(std::memory_order_relaxed);
  // One caller per interval wins the exchange; the others return at once.
  if (min_interval_ns != 0 && last != 0 && now - last < min_interval_ns) return false;
  if (!g_last_trim_ns.compare_exchange_strong(last, now, std::memory_order_relaxed)) return false;
  malloc_trim(0);
  return true;
}

}  // namespace wzp

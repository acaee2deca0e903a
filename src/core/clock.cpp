#include "core/clock.hpp"

#include <atomic>
#include <ctime>

namespace wzp::clock {
namespace {

uint64_t monotonic() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

std::atomic<Source> g_source{&monotonic};

}  // namespace

uint64_t now_ns() noexcept { return g_source.load(std::memory_order_relaxed)(); }
void set_source(Source source) noexcept { g_source.store(source ? source : &monotonic); }

}  // namespace wzp::clock

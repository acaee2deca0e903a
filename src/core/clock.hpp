// One monotonic clock for the whole library, in nanoseconds. Tests may install
// their own source (for example a manually advanced clock).
#pragma once

#include <cstdint>

namespace wzp::clock {

using Source = uint64_t (*)();

/// Monotonic nanoseconds.
uint64_t now_ns() noexcept;
inline uint64_t now_ms() noexcept { return now_ns() / 1'000'000; }
/// Install a source; nullptr restores CLOCK_MONOTONIC.
void set_source(Source source) noexcept;

}  // namespace wzp::clock

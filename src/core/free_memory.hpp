// Giving freed heap memory back to the system. glibc keeps the pages of freed
// chunks that lie between live ones; in a process where connections come and go
// for hours, its RSS creeps up while the live heap stays flat.
#pragma once

#include <cstdint>

namespace wzp {

/// Returns the free pages of every malloc arena to the system (malloc_trim), at
/// most once per `min_interval_ns` in the whole process (0: now). Thread-safe;
/// true when it trimmed.
bool return_free_memory(uint64_t min_interval_ns) noexcept;

}  // namespace wzp

// Wiping memory that held secret material, for the layers that do not link libsodium
// (crypto uses sodium_memzero). explicit_bzero is not optimised away.
#pragma once

#include <string.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace wzp {

inline void wipe_memory(void* p, size_t n) noexcept {
  if (p != nullptr && n != 0) ::explicit_bzero(p, n);
}

inline void wipe_string(std::string& s) noexcept { wipe_memory(s.data(), s.size()); }

/// Appends to a string that holds a secret without leaving an unwiped copy behind when it grows.
inline void append_wiping(std::string& out, std::string_view piece) {
  if (out.size() + piece.size() > out.capacity()) {
    std::string bigger;
    bigger.reserve(std::max(2 * out.capacity(), out.size() + piece.size()));
    bigger.append(out);
    wipe_string(out);
    out.swap(bigger);
  }
  out.append(piece);
}

}  // namespace wzp

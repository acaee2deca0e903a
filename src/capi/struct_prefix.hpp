// Versioned structs at the ABI: a caller's struct is as long as its struct_size says,
// which may be shorter (built against an older header) or longer (a newer one) than
// the library's. Only the prefix both know is ever read or written.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <type_traits>

namespace wzp::capi {

/// True if a field at [offset, offset + size) lies inside a struct of struct_size bytes.
constexpr bool field_fits(size_t struct_size, size_t offset, size_t size) noexcept {
  return struct_size >= offset && struct_size - offset >= size;
}

/// Writes `value` into the caller's struct of `caller_size` bytes: the prefix that fits,
/// and zeros for the bytes beyond the library's struct (fields of a newer header that this
/// library does not know take their zero value). struct_size is set to caller_size.
template <class T>
void write_prefix(T* out, size_t caller_size, T value) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  value.struct_size = caller_size;
  auto* bytes = reinterpret_cast<unsigned char*>(out);
  std::memcpy(bytes, &value, std::min(caller_size, sizeof value));
  if (caller_size > sizeof value) std::memset(bytes + sizeof value, 0, caller_size - sizeof value);
}

/// Reads the caller's struct `in` over `defaults`: the fields within in->struct_size are
/// copied, the rest keep their defaults; fields past the library's struct are ignored.
template <class T>
T read_prefix(const T* in, T defaults) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  std::memcpy(&defaults, in, std::min(in->struct_size, sizeof defaults));
  defaults.struct_size = sizeof defaults;
  return defaults;
}

}  // namespace wzp::capi

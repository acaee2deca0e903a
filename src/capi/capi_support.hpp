// Helpers shared by every C ABI adapter: error reporting into the thread-local
// detail message, exception fences, and allocation of caller-owned buffers.
#pragma once

#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "capi/struct_prefix.hpp"
#include "core/bytes.hpp"
#include "core/result.hpp"
#include "wzp.h"

namespace wzp::capi {

/// Record a detail message for wzp_last_error() and return the code.
int fail(Errc code, std::string_view message);
inline int fail(const Error& error) { return fail(error.code, error.message); }

/// Run body (returning int) behind an exception fence: nothing escapes the ABI.
template <class Body>
int guarded(Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(Errc::no_memory, "out of memory");
  } catch (const std::exception& e) {
    return fail(Errc::internal, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(Errc::internal, "internal error: unknown exception");
  }
}

/// A C array of `count` strings; a NULL array (with a count) or entry is refused.
/// Errors: invalid_argument naming `what` and the index.
Result<std::vector<std::string>> string_list(const char* const* items, size_t count, const char* what);
/// Copy text into a malloc'ed NUL-terminated string owned by the caller (wzp_free).
int give_string(std::string_view text, char** out);
/// Copy bytes into a malloc'ed buffer owned by the caller (wzp_free).
int give_bytes(ByteView bytes, uint8_t** out, size_t* out_len);
/// Copy bytes into a caller buffer; BUFFER_TOO_SMALL sets *out_len to the size needed.
int copy_out(ByteView bytes, uint8_t* out, size_t out_cap, size_t* out_len);
/// Copy a string with its NUL into a caller buffer of buf_len bytes.
int copy_c_string(std::string_view text, char* buf, size_t buf_len);

/// Sets every non-NULL `T** out` argument to NULL on entry, so that a failing call never
/// leaves a stale pointer behind for the caller to free twice.
template <class... T>
void clear_outs(T**... outs) noexcept {
  ((outs != nullptr ? void(*outs = nullptr) : void()), ...);
}

inline int null_argument(const char* what) {
  return fail(Errc::invalid_argument, std::string(what) + " must not be NULL");
}

/// The integer a C caller stored in an enum field. C lets any int through, and loading a
/// value outside the enum's range as the C++ enum type is undefined, so it is read as bytes.
template <class Enum>
long long raw_enum(const Enum& field) noexcept {
  std::make_signed_t<std::underlying_type_t<Enum>> value;  // C enums hold ints
  static_assert(sizeof value == sizeof field);
  std::memcpy(&value, &field, sizeof value);
  return static_cast<long long>(value);
}

/// True if the caller's config struct (of any layout, older or newer) holds the field.
template <class Config>
bool config_has(const Config* config, size_t field_offset, size_t field_size) {
  return config != nullptr && field_fits(config->struct_size, field_offset, field_size);
}

}  // namespace wzp::capi

#define WZP_CAPI_REQUIRE(ptr)                                      \
  do {                                                             \
    if ((ptr) == nullptr) return ::wzp::capi::null_argument(#ptr); \
  } while (0)

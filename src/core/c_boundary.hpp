// The exception barrier: every place where C code (ngtcp2, GnuTLS, the kernel
// through the event loop, a C caller) calls into C++ goes through one of these,
// so that no C++ exception ever unwinds through a C frame.
//
//   return wzp::c_boundary("ngtcp2 recv_stream_data", NGTCP2_ERR_CALLBACK_FAILURE,
//                          [&] { return self->on_stream_data(...); });
//
// An exception is logged (best effort: logging itself may fail when memory is
// exhausted) and turned into `on_exception`, the value the C caller treats as
// failure.
#pragma once

#include <exception>
#include <string_view>
#include <type_traits>
#include <utility>

namespace wzp {

/// Logs that `where` ended with an exception. Never throws.
void report_boundary_exception(std::string_view where, const char* what) noexcept;

/// Runs fn() and returns its result, or `on_exception` if it throws.
template <class R, class F>
R c_boundary(std::string_view where, R on_exception, F&& fn) noexcept {
  try {
    return std::forward<F>(fn)();
  } catch (const std::exception& e) {
    report_boundary_exception(where, e.what());
  } catch (...) {
    report_boundary_exception(where, "unknown exception");
  }
  return on_exception;
}

/// For callbacks that return nothing: runs fn(); an exception is logged and swallowed.
template <class F>
void c_boundary_void(std::string_view where, F&& fn) noexcept {
  try {
    std::forward<F>(fn)();
  } catch (const std::exception& e) {
    report_boundary_exception(where, e.what());
  } catch (...) {
    report_boundary_exception(where, "unknown exception");
  }
}

}  // namespace wzp

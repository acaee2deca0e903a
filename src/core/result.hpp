// A small result type for internal errors: a value, or an Error{code, message}.
// No exceptions are used for expected failures; the C ABI maps Error onto a
// status code plus a thread-local detail message.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "core/status.hpp"

namespace wzp {

struct Error {
  Errc code = Errc::internal;
  std::string message;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error)
      : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_{Errc::ok, {}};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace wzp

/// Propagate an error from an expression yielding Result<...>.
#define WZP_TRY(expr)                                                     \
  do {                                                                    \
    auto wzp_try_result_ = (expr);                                        \
    if (!wzp_try_result_.ok()) return std::move(wzp_try_result_).error(); \
  } while (0)

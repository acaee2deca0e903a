// Shared helpers of the binding files: raising WzpError and handle ownership.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <string.h>
#include <wzp.h>

#include <memory>
#include <string>
#include <string_view>

namespace wzp_py {

namespace py = pybind11;

/// Raise wzp.WzpError (or its subclass for the status) for a failed status (never returns).
[[noreturn]] void raise_status(int rc);
/// The same with a given message and, for a client's close, its code and origin ("peer", ...).
[[noreturn]] void raise_status(int rc, const std::string& message, py::object close_code,
                               py::object close_origin);
/// Raise if rc != WZP_OK.
inline void check(int rc) {
  if (rc != WZP_OK) raise_status(rc);
}

inline std::string_view view(const py::bytes& b) { return std::string_view(b); }
inline const uint8_t* data_of(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }
inline py::bytes to_bytes(const uint8_t* p, size_t n) {
  return py::bytes(reinterpret_cast<const char*>(p), n);
}
/// Take ownership of a library-allocated string (released with wzp_free).
std::string take_string(char* s);
/// Wipes a temporary copy of a secret (a seed, a mnemonic) before it is released.
inline void wipe_memory(void* p, size_t n) noexcept {
  if (p != nullptr && n != 0) ::explicit_bzero(p, n);
}
/// Require an exact length for a bytes argument (ValueError otherwise).
std::string_view exact(const py::bytes& b, size_t n, const char* what);
/// A text argument passed on as a NUL-terminated C string: an embedded NUL would silently
/// cut it short, so it is a ValueError.
const char* c_text(const std::string& s, const char* what);
/// A Python int that must fit in 16 bits (a media sequence number): ValueError otherwise.
uint16_t u16(long long value, const char* what);

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

void bind_core(py::module_& m);
void bind_identity(py::module_& m);
void bind_session(py::module_& m);
void bind_wire(py::module_& m);
void bind_live(py::module_& m);
void bind_log(py::module_& m);
void bind_presence(py::module_& m);
void bind_call(py::module_& m);
void bind_featherchat(py::module_& m);
void bind_fc_acl(py::module_& m);
void bind_fc_net(py::module_& m);

}  // namespace wzp_py

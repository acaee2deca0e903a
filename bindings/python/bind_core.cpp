#include "bindings_common.hpp"

namespace wzp_py {

[[noreturn]] void raise_status(int rc) {
  std::string message = wzp_last_error();
  py::object cls = py::module_::import("wzp._errors").attr("WzpError");
  py::object err = cls(rc, wzp_strerror(rc), message);
  PyErr_SetObject(cls.ptr(), err.ptr());
  throw py::error_already_set();
}

std::string take_string(char* s) {
  std::unique_ptr<char, Deleter<void, wzp_free>> owner(s);
  return s ? std::string(s) : std::string();
}

std::string_view exact(const py::bytes& b, size_t n, const char* what) {
  std::string_view v = view(b);
  if (v.size() != n) {
    throw py::value_error(std::string(what) + " must be " + std::to_string(n) + " bytes, got " +
                          std::to_string(v.size()));
  }
  return v;
}

const char* c_text(const std::string& s, const char* what) {
  if (s.find('\0') != std::string::npos) {
    throw py::value_error(std::string(what) + " must not contain NUL characters");
  }
  return s.c_str();
}

uint16_t u16(long long value, const char* what) {
  if (value < 0 || value > 0xFFFF) {
    throw py::value_error(std::string(what) + " must be in 0..65535, got " + std::to_string(value));
  }
  return static_cast<uint16_t>(value);
}

void bind_core(py::module_& m) {
  m.def("version", &wzp_version, "The library version string, e.g. '0.1.0'.");
  m.def("strerror", &wzp_strerror, py::arg("code"), "The name of a status code.");
  m.attr("SEED_BYTES") = WZP_SEED_BYTES;
  m.attr("PUBLIC_KEY_BYTES") = WZP_PUBLIC_KEY_BYTES;
  m.attr("SIGNATURE_BYTES") = WZP_SIGNATURE_BYTES;
  m.attr("FINGERPRINT_BYTES") = WZP_FINGERPRINT_BYTES;
  m.attr("SESSION_KEY_BYTES") = WZP_SESSION_KEY_BYTES;
  m.attr("AEAD_TAG_BYTES") = WZP_AEAD_TAG_BYTES;
  m.attr("MEDIA_HEADER_BYTES") = WZP_MEDIA_HEADER_BYTES;
  m.attr("MAX_SIGNAL_BYTES") = WZP_MAX_SIGNAL_BYTES;
}

}  // namespace wzp_py

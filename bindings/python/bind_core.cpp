#include "bindings_common.hpp"

namespace wzp_py {

[[noreturn]] void raise_status(int rc) { raise_status(rc, wzp_last_error(), py::none(), py::none()); }

[[noreturn]] void raise_status(int rc, const std::string& message, py::object close_code,
                               py::object close_origin) {
  py::object make = py::module_::import("wzp._errors").attr("_make_error");
  py::object err = make(rc, wzp_strerror(rc), message, close_code, close_origin);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(err.ptr())), err.ptr());
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
  m.def("version", &wzp_version, "The library version string, e.g. '0.7.0'.");
  m.def("strerror", &wzp_strerror, py::arg("code"), "The name of a status code.");
  m.def("version_number", &wzp_version_number, "The version as (major << 16) | (minor << 8) | patch.");
  // Sizes come from the library at run time (the ABI's size functions), not from this build's header.
  m.attr("SEED_BYTES") = wzp_seed_bytes();
  m.attr("PUBLIC_KEY_BYTES") = wzp_public_key_bytes();
  m.attr("SIGNATURE_BYTES") = wzp_signature_bytes();
  m.attr("FINGERPRINT_BYTES") = wzp_fingerprint_bytes();
  m.attr("FINGERPRINT_STR_LEN") = wzp_fingerprint_str_len();
  m.attr("ROOM_HASH_LEN") = wzp_room_hash_len();
  m.attr("SESSION_KEY_BYTES") = wzp_session_key_bytes();
  m.attr("AEAD_TAG_BYTES") = wzp_aead_tag_bytes();
  m.attr("MEDIA_HEADER_BYTES") = wzp_media_header_bytes();
  m.attr("MAX_SIGNAL_BYTES") = wzp_max_signal_bytes();
  m.attr("MAX_PEER_SIGNAL_BYTES") = wzp_max_peer_signal_bytes();
}

}  // namespace wzp_py

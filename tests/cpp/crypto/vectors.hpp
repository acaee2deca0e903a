// Shared helpers of the crypto tests: the known-answer vector file and hex.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/bytes.hpp"
#include "core/hex.hpp"
#include "crypto/secret.hpp"

namespace wzp::crypto::test {

inline const nlohmann::json& vectors() {
  static const nlohmann::json doc = [] {
    std::ifstream in(std::string(WZP_TEST_DATA_DIR) + "/crypto.json");
    if (!in) throw std::runtime_error("cannot open crypto.json");
    return nlohmann::json::parse(in);
  }();
  return doc;
}

/// A non-empty array of the vector file (a test must never pass vacuously).
inline const nlohmann::json& section(const char* name) {
  const auto& s = vectors().at(name);
  if (!s.is_array() || s.empty()) throw std::runtime_error(std::string("empty vector section ") + name);
  return s;
}

inline Bytes unhex(const nlohmann::json& v) {
  auto r = wzp::from_hex(v.get<std::string>());
  if (!r) throw std::runtime_error("bad hex in vectors: " + r.error().message);
  return r.value();
}

template <size_t N>
ByteArray<N> unhex_array(const nlohmann::json& v) {
  const Bytes b = unhex(v);
  if (b.size() != N) throw std::runtime_error("unexpected length in vectors");
  ByteArray<N> out;
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

template <size_t N>
Secret<N> unhex_secret(const nlohmann::json& v) {
  return *Secret<N>::from(unhex(v));
}

inline std::string hex(ByteView b) { return wzp::to_hex(b); }

inline Bytes bytes_of(std::string_view s) {
  const ByteView v = as_bytes(s);
  return {v.begin(), v.end()};
}

}  // namespace wzp::crypto::test

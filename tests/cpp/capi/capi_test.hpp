// Helpers of the C ABI tests. These tests see libwzp the way an application does:
// only <wzp.h> and the shared library, so everything here is plain C++ on top of it
// (own hex helpers, RAII owners for the C handles, the vector files).
#pragma once

#include <gtest/gtest.h>
#include <wzp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wzp_capi_test {

using Bytes = std::vector<uint8_t>;
using Json = nlohmann::json;

// ---------------------------------------------------------------------------
// Vector files

inline const Json& vector_file(const std::string& name) {
  static std::map<std::string, Json> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    std::ifstream in(std::string(WZP_TEST_DATA_DIR) + "/" + name);
    if (!in) throw std::runtime_error("cannot open " + name);
    it = cache.emplace(name, Json::parse(in)).first;
  }
  return it->second;
}

/// A section of crypto.json or wire.json; never empty (a test must not pass vacuously).
inline const Json& section(const std::string& file, const std::string& name) {
  const Json& s = vector_file(file).at(name);
  if (s.empty()) throw std::runtime_error("empty vector section " + name);
  return s;
}
inline const Json& crypto_section(const std::string& name) { return section("crypto.json", name); }
inline const Json& wire_section(const std::string& name) { return section("wire.json", name); }

// ---------------------------------------------------------------------------
// Hex

inline Bytes unhex(const std::string& text) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::runtime_error("bad hex in vectors");
  };
  if (text.size() % 2 != 0) throw std::runtime_error("odd hex in vectors");
  Bytes out(text.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint8_t>(nibble(text[2 * i]) << 4 | nibble(text[2 * i + 1]));
  }
  return out;
}
inline Bytes unhex(const Json& v) { return unhex(v.get<std::string>()); }

inline std::string hex(const uint8_t* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 15]);
  }
  return out;
}
inline std::string hex(const Bytes& b) { return hex(b.data(), b.size()); }
template <size_t N>
std::string hex(const uint8_t (&a)[N]) {
  return hex(a, N);
}

inline Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::string text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

// ---------------------------------------------------------------------------
// Live handles: owners that free what a test created, even when an assertion returns early

struct RelayOwner {
  wzp_relay* h = nullptr;
  ~RelayOwner() { wzp_relay_free(h); }
};
struct ClientOwner {
  wzp_client* h = nullptr;
  ~ClientOwner() { wzp_client_free(h); }
};
/// Starts a relay on 127.0.0.1 and a port the system picks, with `config` (the defaults when
/// null; its listen address is overridden); returns the port (failures are reported).
inline uint16_t start_loopback_relay(RelayOwner& relay, const wzp_relay_config* config = nullptr) {
  wzp_relay_config c;
  wzp_relay_config_init(&c);
  if (config != nullptr) c = *config;
  c.listen_host = "127.0.0.1";
  c.listen_port = 0;
  EXPECT_EQ(wzp_relay_new(&c, &relay.h), WZP_OK) << wzp_last_error();
  EXPECT_EQ(wzp_relay_start(relay.h), WZP_OK) << wzp_last_error();
  uint16_t port = 0;
  EXPECT_EQ(wzp_relay_port(relay.h, &port), WZP_OK);
  EXPECT_NE(port, 0);
  return port;
}

/// A client configuration for the relay on 127.0.0.1:`port`, room `room`, defaults otherwise.
inline wzp_client_config loopback_client_config(uint16_t port, const char* room) {
  wzp_client_config c;
  wzp_client_config_init(&c);
  c.relay_host = "127.0.0.1";
  c.relay_port = port;
  c.room = room;
  return c;
}

struct IdentityOwner {
  wzp_identity* h = nullptr;
  ~IdentityOwner() { wzp_identity_free(h); }
  std::string fingerprint() const {
    char fp[WZP_FINGERPRINT_STR_LEN + 1];
    EXPECT_EQ(wzp_identity_fingerprint_str(h, fp, sizeof fp), WZP_OK);
    return fp;
  }
};

// ---------------------------------------------------------------------------
// Ownership of what the library hands out

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};
using Identity = std::unique_ptr<wzp_identity, Deleter<wzp_identity, wzp_identity_free>>;
using Session = std::unique_ptr<wzp_session, Deleter<wzp_session, wzp_session_free>>;
using Caller = std::unique_ptr<wzp_caller, Deleter<wzp_caller, wzp_caller_free>>;
using Callee = std::unique_ptr<wzp_callee, Deleter<wzp_callee, wzp_callee_free>>;
using ReplayWindow = std::unique_ptr<wzp_replay_window, Deleter<wzp_replay_window, wzp_replay_window_free>>;

/// A string or buffer allocated by the library, released with wzp_free.
struct FreeDeleter {
  void operator()(void* p) const noexcept { wzp_free(p); }
};
using Owned = std::unique_ptr<void, FreeDeleter>;

inline std::string take_string(char* s) {
  Owned owner(s);
  return s ? std::string(s) : std::string();
}

/// Expect a status, printing names and the detail message on mismatch.
#define EXPECT_WZP(expected, call)                                                                   \
  do {                                                                                               \
    const int wzp_rc_ = (call);                                                                      \
    EXPECT_EQ(wzp_rc_, (expected)) << wzp_strerror(wzp_rc_) << " (wanted " << wzp_strerror(expected) \
                                   << "): " << wzp_last_error();                                     \
  } while (0)
#define ASSERT_WZP_OK(call)                                                          \
  do {                                                                               \
    const int wzp_rc_ = (call);                                                      \
    ASSERT_EQ(wzp_rc_, WZP_OK) << wzp_strerror(wzp_rc_) << ": " << wzp_last_error(); \
  } while (0)

inline Identity identity_from_seed(const Bytes& seed) {
  if (seed.size() != WZP_SEED_BYTES) throw std::runtime_error("seed must be 32 bytes");
  wzp_identity* raw = nullptr;
  if (wzp_identity_from_seed(seed.data(), &raw) != WZP_OK) throw std::runtime_error(wzp_last_error());
  return Identity(raw);
}
inline Identity identity_from_seed_hex(const Json& seed_hex) { return identity_from_seed(unhex(seed_hex)); }

inline Session session_from_key(const Bytes& key, wzp_session_mode mode, wzp_role role = WZP_ROLE_CALLER) {
  wzp_session_config cfg;
  wzp_session_config_init(&cfg);
  cfg.mode = mode;
  cfg.role = role;
  wzp_session* raw = nullptr;
  if (wzp_session_new(key.data(), &cfg, &raw) != WZP_OK) throw std::runtime_error(wzp_last_error());
  return Session(raw);
}

inline Bytes session_id(const wzp_session* s) {
  Bytes id(WZP_SESSION_ID_BYTES);
  if (wzp_session_id(s, id.data()) != WZP_OK) throw std::runtime_error(wzp_last_error());
  return id;
}

/// Seal through the ABI; the status is returned through rc.
inline Bytes seal(wzp_session* s, const Bytes& header, uint16_t seq, const Bytes& pt, int* rc = nullptr) {
  Bytes out(pt.size() + WZP_AEAD_TAG_BYTES);
  size_t n = 0;
  const int r = wzp_session_seal(s, header.data(), header.size(), seq, pt.data(), pt.size(), out.data(),
                                 out.size(), &n);
  if (rc) *rc = r;
  out.resize(r == WZP_OK ? n : 0);
  return out;
}
inline Bytes open(wzp_session* s, const Bytes& header, uint16_t seq, const Bytes& ct, int* rc = nullptr) {
  Bytes out(ct.size());
  size_t n = 0;
  const int r = wzp_session_open(s, header.data(), header.size(), seq, ct.data(), ct.size(), out.data(),
                                 out.size(), &n);
  if (rc) *rc = r;
  out.resize(r == WZP_OK ? n : 0);
  return out;
}

/// The compact JSON array of bytes, as the reference encodes byte fields: [1,2,3].
inline std::string json_byte_array(const Bytes& b) {
  std::string out = "[";
  for (size_t i = 0; i < b.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(b[i]);
  }
  return out + "]";
}

}  // namespace wzp_capi_test

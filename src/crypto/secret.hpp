// Fixed-size secret bytes that are wiped (sodium_memzero) when destroyed,
// overwritten or moved from. Use for every seed, PRK, HKDF output, private
// key, shared secret and session key so no copy lingers in freed memory.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

#include "core/bytes.hpp"

namespace wzp::crypto {

template <size_t N>
class Secret {
 public:
  static constexpr size_t kSize = N;

  /// All-zero secret (to be filled through data()).
  Secret() noexcept { std::memset(bytes_, 0, N); }

  /// Copy of `bytes` if it is exactly N bytes long, otherwise nullopt.
  static std::optional<Secret> from(ByteView bytes) noexcept {
    if (bytes.size() != N) return std::nullopt;
    Secret s;
    std::memcpy(s.bytes_, bytes.data(), N);
    return s;
  }

  Secret(const Secret& other) noexcept { std::memcpy(bytes_, other.bytes_, N); }
  Secret(Secret&& other) noexcept {
    std::memcpy(bytes_, other.bytes_, N);
    other.wipe();
  }
  Secret& operator=(const Secret& other) noexcept {
    if (this != &other) std::memcpy(bytes_, other.bytes_, N);
    return *this;
  }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      std::memcpy(bytes_, other.bytes_, N);
      other.wipe();
    }
    return *this;
  }
  ~Secret() { wipe(); }

  void wipe() noexcept { sodium_memzero(bytes_, N); }

  uint8_t* data() noexcept { return bytes_; }
  const uint8_t* data() const noexcept { return bytes_; }
  static constexpr size_t size() noexcept { return N; }
  ByteView view() const noexcept { return {bytes_, N}; }
  MutableByteView mutable_view() noexcept { return {bytes_, N}; }

  /// Constant-time comparison.
  friend bool operator==(const Secret& a, const Secret& b) noexcept {
    return sodium_memcmp(a.bytes_, b.bytes_, N) == 0;
  }

 private:
  uint8_t bytes_[N];
};

/// Wipes a container's bytes (e.g. a decoded buffer that held secret material).
template <class Container>
void wipe_bytes(Container& c) noexcept {
  if (!c.empty()) sodium_memzero(c.data(), c.size() * sizeof(c[0]));
}

}  // namespace wzp::crypto

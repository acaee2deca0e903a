// Identity fingerprint: the first 16 bytes of SHA-256(Ed25519 public key).
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace wzp::crypto {

class Fingerprint {
 public:
  static constexpr size_t kSize = 16;

  explicit Fingerprint(const ByteArray<kSize>& bytes) noexcept : bytes_(bytes) {}

  /// SHA-256(ed25519_public)[0..16]. Hashes whatever bytes it is given
  /// (normally a 32-byte Ed25519 public key).
  static Fingerprint of(ByteView ed25519_public);

  /// Lenient parse, as the reference: every character that is not an ASCII hex
  /// digit is dropped (so "6871:1211:..." and "6871 1211 ..." work, and a "0x"
  /// prefix keeps its 0), the rest is hex-decoded, and input longer than 16
  /// bytes is truncated to its first 16 bytes. Errors:
  ///  - Errc::invalid_hex "invalid hex: Odd number of digits";
  ///  - Errc::fingerprint_too_short "fingerprint too short" (fewer than 16 bytes).
  static Result<Fingerprint> parse(std::string_view text);

  /// "xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx:xxxx" (39 characters, lowercase).
  std::string to_display() const;
  /// 32 lowercase hex characters.
  std::string to_hex() const;

  const ByteArray<kSize>& bytes() const noexcept { return bytes_; }
  friend bool operator==(const Fingerprint&, const Fingerprint&) = default;

 private:
  ByteArray<kSize> bytes_;
};

}  // namespace wzp::crypto

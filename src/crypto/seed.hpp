// The 32-byte identity root. Everything about an identity (signing key,
// X25519 key, fingerprint) is derived from it; it is wiped when destroyed.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/secret.hpp"

namespace wzp::crypto {

class Seed {
 public:
  static constexpr size_t kSize = 32;

  /// 32 bytes from the OS CSPRNG.
  static Seed random();

  /// Exactly 32 raw bytes. Errors: Errc::invalid_length "expected 32 bytes, got N".
  static Result<Seed> from_bytes(ByteView bytes);

  /// Strict hex as the reference's --seed: no trimming, no prefix, no separators,
  /// either case. Errors (reference texts):
  ///  - Errc::invalid_hex "invalid hex: Odd number of digits" (odd byte count, checked first);
  ///  - Errc::invalid_hex "invalid hex: Invalid character 'c' at position i";
  ///  - Errc::invalid_length "expected 32 bytes, got N" (also for the empty string).
  static Result<Seed> from_hex(std::string_view text);

  /// A BIP39 English mnemonic whose entropy is the seed (24 words). Errors: those
  /// of bip39::decode, then Errc::mnemonic_entropy_length
  /// "expected 32 bytes entropy, got N" for a valid 12/15/18/21-word mnemonic.
  static Result<Seed> from_mnemonic(std::string_view mnemonic);

  /// 64 lowercase hex characters.
  std::string to_hex() const;
  /// 24 English words separated by single spaces.
  std::string to_mnemonic() const;

  ByteView bytes() const noexcept { return bytes_.view(); }
  const Secret<kSize>& secret() const noexcept { return bytes_; }

  friend bool operator==(const Seed& a, const Seed& b) noexcept { return a.bytes_ == b.bytes_; }

 private:
  explicit Seed(const Secret<kSize>& bytes) : bytes_(bytes) {}
  Secret<kSize> bytes_;
};

}  // namespace wzp::crypto

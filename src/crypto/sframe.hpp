// SFrame (RFC 9605) frame protection with cipher suite AES_128_GCM_SHA256_128 (0x0004).
//
// Per KID, a base key gives (§4.4.2, HKDF-SHA256, an empty salt):
//   sframe_secret = HKDF-Extract("", base_key)
//   sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  || BE64(KID) || BE16(0x0004), 16)
//   sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " || BE64(KID) || BE16(0x0004), 12)
// and each frame (§4.4.3) is
//   nonce = sframe_salt XOR BE96(CTR),  aad = header || metadata
//   header || AES-128-GCM(sframe_key, nonce, aad, plaintext) || 16-byte tag
// The metadata is authenticated, not sent. Keeping (KID, CTR) unique per base key is the
// caller's job (§4.3): a repeated CTR repeats a GCM nonce.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/secret.hpp"
#include "crypto/sframe_header.hpp"

struct api_aead_cipher_hd_st;  // gnutls_aead_cipher_hd_t points to it

namespace wzp::crypto::sframe {

inline constexpr uint16_t kCipherSuite = 0x0004;  // AES_128_GCM_SHA256_128
inline constexpr size_t kBaseKeySize = 32, kKeySize = 16, kNonceSize = 12, kTagSize = 16;

inline constexpr std::string_view kKeyLabel = "SFrame 1.0 Secret key ";
inline constexpr std::string_view kSaltLabel = "SFrame 1.0 Secret salt ";
inline constexpr std::string_view kRatchetLabel = "SFrame 1.0 Ratchet";

/// A 32-byte base key (what ratchet() produces). RFC 9605 does not fix the length of a base
/// key (its test vectors use 16 bytes, as does MLS's exporter with Nk = 16), so the functions
/// below also take one of any length as bytes.
using BaseKey = Secret<kBaseKeySize>;

/// The per-KID state derived from a base key: the AES-128-GCM key (a GnuTLS aead handle, kept
/// open) and the salt. Movable, not copyable. protect() and unprotect() are const but use the
/// handle's state: one KeyContext must not be used from two threads at once.
class KeyContext {
 public:
  /// Errors: Errc::internal (GnuTLS could not set up the cipher).
  static Result<KeyContext> derive(uint64_t kid, ByteView base_key);
  static Result<KeyContext> derive(uint64_t kid, const BaseKey& base_key) {
    return derive(kid, base_key.view());
  }

  uint64_t kid() const noexcept { return kid_; }
  /// sframe_key and sframe_salt, for the known-answer tests.
  const Secret<kKeySize>& key() const noexcept { return key_; }
  const Secret<kNonceSize>& salt() const noexcept { return salt_; }
  /// sframe_salt XOR BE96(ctr).
  ByteArray<kNonceSize> nonce(uint64_t ctr) const noexcept;

  /// Appends header(kid, ctr) || AES-GCM(plaintext) || tag to `out`; aad = header || metadata.
  /// No allocation when `out` has the capacity; `plaintext` and `metadata` must not point into
  /// `out` (it may grow). Errors: Errc::internal (`out` is unchanged).
  Status protect(uint64_t ctr, ByteView metadata, ByteView plaintext, Bytes& out) const;

  /// `frame` = header || ciphertext || tag as received, `parsed` = parse_header(frame).
  /// Appends the plaintext to `out` (unchanged on failure; `frame` and `metadata` must not
  /// point into it). Errors: Errc::invalid_argument (parsed KID is not kid()),
  /// Errc::decrypt_failed (bad tag or key, tampering, a frame shorter than its header + 16).
  Status unprotect(const ParsedHeader& parsed, ByteView frame, ByteView metadata, Bytes& out) const;

 private:
  struct Deleter {
    void operator()(api_aead_cipher_hd_st* handle) const noexcept;
  };
  KeyContext() = default;

  uint64_t kid_ = 0;
  Secret<kKeySize> key_;
  Secret<kNonceSize> salt_;
  std::unique_ptr<api_aead_cipher_hd_st, Deleter> aead_;
};

/// The sender-key ratchet of §5.1:
///   base_key[i+1] = HKDF-Expand(HKDF-Extract("", base_key[i]), "SFrame 1.0 Ratchet", Nh = 32)
BaseKey ratchet(ByteView base_key);
inline BaseKey ratchet(const BaseKey& base_key) { return ratchet(base_key.view()); }

}  // namespace wzp::crypto::sframe

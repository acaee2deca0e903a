// ChaCha20-Poly1305 (IETF, RFC 8439) with a 32-byte key, 12-byte nonce and a
// 16-byte tag appended to the ciphertext; thin wrappers over libsodium that
// append to a caller-owned buffer (no allocation when it has capacity).
#pragma once

#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/nonce.hpp"
#include "crypto/secret.hpp"

namespace wzp::crypto::aead {

inline constexpr size_t kTagSize = 16;
inline constexpr std::string_view kDecryptFailedText = "decryption failed (bad key or tampered data)";

/// Appends ciphertext || tag (plaintext.size() + 16 bytes) to `out`. Cannot fail.
void seal_append(const Secret<32>& key, const Nonce& nonce, ByteView aad, ByteView plaintext, Bytes& out);

/// Appends the plaintext to `out` if the tag verifies; `out` is unchanged
/// otherwise. Errors: Errc::decrypt_failed "decryption failed (bad key or
/// tampered data)" (wrong key/nonce/AAD, tampering, input shorter than 16).
Status open_append(const Secret<32>& key, const Nonce& nonce, ByteView aad, ByteView ciphertext, Bytes& out);

}  // namespace wzp::crypto::aead

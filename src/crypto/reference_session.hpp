// The reference's per-call AEAD session (spec §7 and §9), byte for byte, for
// talking to reference peers and for the known-answer tests:
//   nonce = session_id || BE32(counter) || 00 || 00 00 00      (direction byte always 0)
//   encrypt: ChaCha20-Poly1305(key, nonce(send_counter), aad = header) ; send_counter += 1
//   decrypt: the same with recv_counter, which counts successful decryptions.
// Both peers hold the same key and start both counters at 0, so packet n of
// each direction uses the same nonce (nonce reuse), and one lost or reordered
// packet breaks decryption for good. Use MediaSession between our own peers.
// The only deviations from the reference: a counter that would wrap past
// 2^32 (and so repeat nonces) is refused, and a low-order rekey value is
// rejected instead of yielding an all-zero shared secret.
#pragma once

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/rekey.hpp"
#include "crypto/session_key.hpp"

namespace wzp::crypto {

class ReferenceSession {
 public:
  explicit ReferenceSession(const SessionKey& key);

  /// Appends ciphertext || tag to `out` and advances the send counter. Errors:
  /// Errc::invalid_state when the 32-bit counter is exhausted (rekey first).
  Status encrypt_append(ByteView header, ByteView plaintext, Bytes& out);
  Result<Bytes> encrypt(ByteView header, ByteView plaintext);

  /// Appends the plaintext to `out` and advances the receive counter. Errors:
  /// Errc::decrypt_failed "decryption failed (bad key or tampered data)" (the
  /// counter is unchanged); Errc::invalid_state when the counter is exhausted.
  Status decrypt_append(ByteView header, ByteView ciphertext, Bytes& out);
  Result<Bytes> decrypt(ByteView header, ByteView ciphertext);

  /// Rekey step 1: returns the public value to send (`fixed_secret` for tests).
  X25519Public initiate_rekey(const std::optional<X25519Secret>& fixed_secret = std::nullopt);
  /// Rekey step 2: installs the new key and session id and resets both
  /// counters to 0. Errors: those of RekeyManager::complete.
  Status complete_rekey(const X25519Public& peer_public);
  /// The reference trigger: max(packet_count - last_rekey_at, 0) >= 65536.
  bool should_rekey(uint64_t packet_count) const noexcept { return rekey_.should_rekey(packet_count); }
  uint64_t last_rekey_at() const noexcept { return rekey_.last_rekey_at(); }

  const SessionId& session_id() const noexcept { return key_.session_id(); }
  uint32_t send_counter() const noexcept { return send_counter_; }
  uint32_t recv_counter() const noexcept { return recv_counter_; }

 private:
  SessionKey key_;
  uint64_t send_counter_ = 0;  // 64-bit so that "exhausted" (2^32) is representable
  uint64_t recv_counter_ = 0;
  RekeyManager rekey_;
};

}  // namespace wzp::crypto

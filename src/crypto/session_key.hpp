// A call's 32-byte session key plus its 4-byte session id
// (session_id = SHA-256(key)[0..4]); the key is wiped on destruction.
#pragma once

#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/secret.hpp"

namespace wzp::crypto {

using SessionId = ByteArray<4>;

/// HKDF info of the handshake's session key derivation.
inline constexpr std::string_view kSessionKeyInfo = "warzone-session-key";

/// SHA-256(key)[0..4].
SessionId session_id_of(const Secret<32>& key);

class SessionKey {
 public:
  explicit SessionKey(const Secret<32>& key);

  /// From raw bytes. Errors: Errc::invalid_length unless exactly 32 bytes.
  static Result<SessionKey> from_bytes(ByteView key);

  /// session_key = HKDF(salt = none, ikm = shared_secret, info = "warzone-session-key", 32).
  static SessionKey from_shared_secret(const Secret<32>& shared_secret);

  const Secret<32>& key() const noexcept { return key_; }
  const SessionId& session_id() const noexcept { return session_id_; }

 private:
  Secret<32> key_;
  SessionId session_id_{};
};

}  // namespace wzp::crypto

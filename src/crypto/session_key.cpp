#include "crypto/session_key.hpp"

#include <algorithm>

#include "crypto/hkdf.hpp"
#include "crypto/sha256.hpp"

namespace wzp::crypto {

SessionId session_id_of(const Secret<32>& key) {
  const auto hash = sha256(key.view());
  SessionId id;
  std::copy_n(hash.begin(), id.size(), id.begin());
  return id;
}

SessionKey::SessionKey(const Secret<32>& key) : key_(key), session_id_(session_id_of(key)) {}

Result<SessionKey> SessionKey::from_bytes(ByteView key) {
  auto secret = Secret<32>::from(key);
  if (!secret)
    return make_error(Errc::invalid_length,
                      "session key: expected 32 bytes, got " + std::to_string(key.size()));
  return SessionKey(*secret);
}

SessionKey SessionKey::from_shared_secret(const Secret<32>& shared_secret) {
  return SessionKey(hkdf::derive32({}, shared_secret.view(), kSessionKeyInfo));
}

}  // namespace wzp::crypto

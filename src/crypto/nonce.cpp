#include "crypto/nonce.hpp"

#include <algorithm>

namespace wzp::crypto {

Nonce reference_nonce(const SessionId& session_id, uint32_t counter, NonceDirection direction) noexcept {
  Nonce n{};
  std::copy(session_id.begin(), session_id.end(), n.begin());
  store_be32(n.data() + 4, counter);
  n[8] = static_cast<uint8_t>(direction);
  return n;
}

Nonce indexed_nonce(const ByteArray<4>& key_id, uint64_t packet_index) noexcept {
  Nonce n{};
  std::copy(key_id.begin(), key_id.end(), n.begin());
  store_be32(n.data() + 4, static_cast<uint32_t>(packet_index >> 32));
  store_be32(n.data() + 8, static_cast<uint32_t>(packet_index));
  return n;
}

}  // namespace wzp::crypto

#include "crypto/rekey.hpp"

#include "crypto/hkdf.hpp"

namespace wzp::crypto {

bool RekeyManager::should_rekey(uint64_t packet_count) const noexcept {
  const uint64_t since = packet_count > last_rekey_at_ ? packet_count - last_rekey_at_ : 0;
  return since >= kRekeyIntervalPackets;
}

X25519Public RekeyManager::initiate(const std::optional<X25519Secret>& fixed_secret) {
  auto pair = EphemeralKeyPair::generate(fixed_secret);
  pending_ = std::move(pair.secret);
  return pair.public_key;
}

Result<Secret<32>> RekeyManager::complete(const X25519Public& peer_public, uint64_t packet_total) {
  if (!pending_) return make_error(Errc::rekey_failed, "rekey failed: no pending rekey");
  auto shared = x25519(*pending_, peer_public);
  if (!shared) return std::move(shared).error();
  current_key_ = hkdf::derive32(current_key_.view(), shared->view(), info_);
  last_rekey_at_ = packet_total;
  pending_.reset();
  return current_key_;
}

}  // namespace wzp::crypto

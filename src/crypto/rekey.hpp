// The reference's rekey state machine (spec §9): each side makes a fresh
// X25519 key, they exchange publics, and both derive
//   new_key = HKDF(salt = current_key, ikm = X25519(r, peer_R), info = "warzone-rekey", 32).
// What authenticates the exchanged publics is left to the signalling layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/secret.hpp"
#include "crypto/x25519.hpp"

namespace wzp::crypto {

inline constexpr std::string_view kRekeyInfo = "warzone-rekey";
inline constexpr uint64_t kRekeyIntervalPackets = 65536;

class RekeyManager {
 public:
  /// `info` is the HKDF label of the derivation (static storage): the
  /// reference's "warzone-rekey" unless a MediaSession uses its own.
  explicit RekeyManager(const Secret<32>& initial_key, std::string_view info = kRekeyInfo)
      : current_key_(initial_key), info_(info) {}

  /// max(packet_count - last_rekey_at, 0) >= 65536.
  bool should_rekey(uint64_t packet_count) const noexcept;

  /// Makes the pending secret (random, or `fixed_secret` for tests) and returns
  /// its public value for the peer. A second call replaces the pending secret.
  X25519Public initiate(const std::optional<X25519Secret>& fixed_secret = std::nullopt);

  /// Derives and installs the new key from the peer's public value, consumes
  /// the pending secret and sets last_rekey_at = packet_total. Errors:
  ///  - Errc::rekey_failed "rekey failed: no pending rekey";
  ///  - Errc::weak_key (low-order peer value; the pending secret is kept).
  Result<Secret<32>> complete(const X25519Public& peer_public, uint64_t packet_total);

  const Secret<32>& current_key() const noexcept { return current_key_; }
  uint64_t last_rekey_at() const noexcept { return last_rekey_at_; }
  bool pending() const noexcept { return pending_.has_value(); }

 private:
  Secret<32> current_key_;
  std::string_view info_;
  uint64_t last_rekey_at_ = 0;
  std::optional<X25519Secret> pending_;
};

}  // namespace wzp::crypto

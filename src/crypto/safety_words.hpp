// Safety words: a few BIP39 English words that two people read to each other
// to check they hold the same keys (a relay that substituted a key changes
// them). Words are taken 11 bits at a time, big-endian bit order, from
// SHA-256("wzp-e2e safety words v1" || material).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "crypto/e2e_key_share.hpp"
#include "crypto/fingerprint.hpp"

namespace wzp::crypto {

inline constexpr std::string_view kSafetyWordsLabel = "wzp-e2e safety words v1";
/// 256 hash bits hold 23 whole 11-bit words; larger counts are capped.
inline constexpr size_t kMaxSafetyWords = 23;

/// min(count, 23) words from `material`.
std::vector<std::string> safety_words(ByteView material, size_t count = 5);

/// Five words over ctx || the (fingerprint(16) || BE64(kid)) entries sorted by
/// fingerprint bytes (then kid), so every member holding the same keys gets the
/// same words whatever order it lists the members in.
std::vector<std::string> room_safety_words(std::vector<std::pair<Fingerprint, uint64_t /*kid*/>> members,
                                           const e2e::RoomContext& ctx);

}  // namespace wzp::crypto

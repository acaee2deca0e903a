#include "crypto/safety_words.hpp"

#include <algorithm>

#include "crypto/bip39.hpp"
#include "crypto/sha256.hpp"

namespace wzp::crypto {

std::vector<std::string> safety_words(ByteView material, size_t count) {
  Bytes input;
  input.reserve(kSafetyWordsLabel.size() + material.size());
  const ByteView label = as_bytes(kSafetyWordsLabel);
  input.insert(input.end(), label.begin(), label.end());
  input.insert(input.end(), material.begin(), material.end());
  const auto hash = sha256(input);

  const auto words = bip39::english_words();
  std::vector<std::string> out;
  count = std::min(count, kMaxSafetyWords);
  out.reserve(count);
  for (size_t w = 0; w < count; ++w) {
    unsigned index = 0;
    for (size_t b = w * 11; b < w * 11 + 11; ++b) index = (index << 1) | ((hash[b / 8] >> (7 - b % 8)) & 1U);
    out.emplace_back(words[index]);
  }
  return out;
}

std::vector<std::string> room_safety_words(std::vector<std::pair<Fingerprint, uint64_t>> members,
                                           const e2e::RoomContext& ctx) {
  // Kid breaks ties, so even a fingerprint listed twice cannot make the order matter.
  std::sort(members.begin(), members.end(), [](const auto& a, const auto& b) {
    if (a.first.bytes() != b.first.bytes()) return a.first.bytes() < b.first.bytes();
    return a.second < b.second;
  });
  Bytes material(ctx.begin(), ctx.end());
  material.reserve(ctx.size() + members.size() * (Fingerprint::kSize + 8));
  for (const auto& [fingerprint, kid] : members) {
    material.insert(material.end(), fingerprint.bytes().begin(), fingerprint.bytes().end());
    for (int shift = 56; shift >= 0; shift -= 8) material.push_back(static_cast<uint8_t>(kid >> shift));
  }
  return safety_words(material);
}

}  // namespace wzp::crypto

#include "media/fec/repair_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "media/fec/erasure_code.hpp"

namespace wzp::media {

Result<RepairPayload> parse_repair_payload(ByteView payload) {
  if (payload.empty()) return make_error(Errc::malformed, "repair payload is empty");
  const uint8_t k = payload[0];
  if (k == 0 || k > kFecMaxSource) return make_error(Errc::malformed, "repair K out of range");
  const ByteView symbol = payload.subspan(1);
  if (symbol.size() < kSymbolPrefixBytes || symbol.size() > kSymbolPrefixBytes + kFecMaxFrameBytes) {
    return make_error(Errc::malformed, "repair symbol length out of range");
  }
  return RepairPayload{k, symbol};
}

void write_symbol(ByteView frame, MutableByteView symbol) noexcept {
  const auto len = static_cast<uint16_t>(frame.size());
  symbol[0] = static_cast<uint8_t>(len);
  symbol[1] = static_cast<uint8_t>(len >> 8);
  if (!frame.empty()) std::memcpy(symbol.data() + kSymbolPrefixBytes, frame.data(), frame.size());
  std::fill(symbol.begin() + static_cast<std::ptrdiff_t>(kSymbolPrefixBytes + frame.size()), symbol.end(), 0);
}

Result<ByteView> read_symbol(ByteView symbol) {
  if (symbol.size() < kSymbolPrefixBytes) return make_error(Errc::malformed, "symbol too short");
  const size_t len = size_t{symbol[0]} | (size_t{symbol[1]} << 8);
  if (len > symbol.size() - kSymbolPrefixBytes)
    return make_error(Errc::malformed, "symbol length prefix too long");
  return symbol.subspan(kSymbolPrefixBytes, len);
}

size_t repair_count(size_t k, float ratio) noexcept {
  if (!(ratio > 0.0f) || k == 0) return 0;
  const float product = static_cast<float>(k) * ratio;
  const float r = std::ceil(product);
  const size_t cap = std::min(kFecMaxRepair, kFecMaxSymbols - std::min(k, kFecMaxSymbols));
  if (!(r < static_cast<float>(cap))) return cap;
  return std::clamp<size_t>(static_cast<size_t>(r), 1, cap);
}

size_t block_frames(const wire::QualityProfile& profile) noexcept {
  return std::clamp<size_t>(profile.frames_per_block, 1, kFecMaxSource);
}

}  // namespace wzp::media

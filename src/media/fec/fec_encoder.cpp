#include "media/fec/fec_encoder.hpp"

#include <algorithm>

#include "media/fec/erasure_code.hpp"
#include "media/fec/repair_format.hpp"

namespace wzp::media {

void FecEncoder::add(ByteView frame) {
  frames_.emplace_back(frame.begin(), frame.end());
  longest_ = std::max(longest_, frame.size());
}

size_t FecEncoder::symbol_size() const noexcept { return kSymbolPrefixBytes + longest_; }

Result<std::vector<Bytes>> FecEncoder::repairs(size_t r) const {
  std::vector<Bytes> out;
  if (r == 0 || frames_.empty()) return out;
  auto code = ErasureCode::get(frames_.size(), r);
  if (!code.ok()) return std::move(code).error();
  const size_t t = symbol_size();
  const size_t stride = coded_length(t);
  // One zeroed buffer for the K source symbols.
  Bytes sources(frames_.size() * stride);
  std::vector<const uint8_t*> source_ptrs(frames_.size());
  for (size_t i = 0; i < frames_.size(); ++i) {
    write_symbol(frames_[i], MutableByteView(sources.data() + i * stride, t));
    source_ptrs[i] = sources.data() + i * stride;
  }
  out.assign(r, Bytes(stride));
  std::vector<uint8_t*> repair_ptrs(r);
  for (size_t i = 0; i < r; ++i) repair_ptrs[i] = out[i].data();
  (*code)->encode(source_ptrs, repair_ptrs, stride);
  for (auto& repair : out) repair.resize(t);  // the coded padding is zero: not sent
  return out;
}

void FecEncoder::clear() noexcept {
  frames_.clear();
  longest_ = 0;
}

}  // namespace wzp::media

// FecEncoder: the frames of one open block, and its repair symbols when it closes.
// Internal to fec/ (MediaPacketizer drives it).
#pragma once

#include <cstddef>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace wzp::media {

class FecEncoder {
 public:
  /// Keep a copy of the next source frame (at most kFecMaxSource frames, each at most
  /// kFecMaxFrameBytes: the caller checks).
  void add(ByteView frame);
  size_t size() const noexcept { return frames_.size(); }
  bool empty() const noexcept { return frames_.empty(); }
  /// Symbol size of the block so far: 2 + its longest frame.
  size_t symbol_size() const noexcept;

  /// `r` repair symbols (each symbol_size() bytes) over the frames held; r = 0 gives none.
  /// The block is left as it was (clear() starts the next one).
  Result<std::vector<Bytes>> repairs(size_t r) const;
  void clear() noexcept;

 private:
  std::vector<Bytes> frames_;
  size_t longest_ = 0;
};

}  // namespace wzp::media

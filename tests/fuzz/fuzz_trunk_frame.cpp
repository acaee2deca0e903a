// Fuzz the TrunkFrame decoder and batcher. An accepted frame re-encodes to a
// prefix of the input (bytes after the last entry are ignored).
#include <algorithm>
#include <cstdlib>

#include "wire/trunk_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wzp::wire;
  auto frame = decode_trunk_frame(wzp::ByteView(data, size));
  if (!frame.ok()) return 0;
  const wzp::Bytes encoded = encode_trunk_frame(*frame);
  if (encoded.size() > size || !std::equal(encoded.begin(), encoded.end(), data)) std::abort();

  // Re-batch the entries: every emitted frame must decode, and no entry is lost.
  TrunkBatcher batcher(1 + size % 7, 16 + size % 200);
  size_t entries_out = 0;
  const auto count = [&](const std::optional<wzp::Bytes>& out) {
    if (!out) return;
    auto decoded = decode_trunk_frame(*out);
    if (!decoded.ok()) std::abort();
    entries_out += decoded->entries.size();
  };
  for (const auto& entry : frame->entries) count(batcher.push(entry.session_id, entry.payload));
  count(batcher.flush());
  if (entries_out != frame->entries.size()) std::abort();
  return 0;
}

#include "wire/trunk_frame.hpp"

#include <algorithm>
#include <string>

#include "core/hex.hpp"

namespace wzp::wire {

size_t trunk_frame_size(const TrunkFrame& frame) noexcept {
  size_t size = kTrunkFrameHeaderSize;
  for (const auto& entry : frame.entries) size += kTrunkEntryOverhead + entry.payload.size();
  return size;
}

Bytes encode_trunk_frame(const TrunkFrame& frame) {
  Bytes out(trunk_frame_size(frame));
  uint8_t* p = out.data();
  store_be16(p, static_cast<uint16_t>(frame.entries.size()));
  p += kTrunkFrameHeaderSize;
  for (const auto& entry : frame.entries) {
    p[0] = entry.session_id[0];
    p[1] = entry.session_id[1];
    store_be16(p + 2, static_cast<uint16_t>(entry.payload.size()));
    p += kTrunkEntryOverhead;
    std::copy(entry.payload.begin(), entry.payload.end(), p);
    p += entry.payload.size();
  }
  return out;
}

Result<TrunkFrame> decode_trunk_frame(ByteView data) {
  if (data.size() < kTrunkFrameHeaderSize) {
    return make_error(Errc::malformed, "trunk frame needs 2 bytes, got " + std::to_string(data.size()));
  }
  const uint16_t count = load_be16(data.data());
  ByteView rest = data.subspan(kTrunkFrameHeaderSize);
  TrunkFrame frame;
  // Each entry needs at least 4 bytes, so never reserve beyond what the input can hold.
  frame.entries.reserve(std::min<size_t>(count, rest.size() / kTrunkEntryOverhead));
  for (uint16_t i = 0; i < count; ++i) {
    if (rest.size() < kTrunkEntryOverhead) {
      return make_error(Errc::malformed, "trunk frame announces " + std::to_string(count) +
                                             " entries but entry " + std::to_string(i) +
                                             " header is truncated");
    }
    const uint16_t len = load_be16(rest.data() + 2);
    if (rest.size() - kTrunkEntryOverhead < len) {
      return make_error(Errc::malformed, "trunk entry " + std::to_string(i) + " announces " +
                                             std::to_string(len) + " bytes but only " +
                                             std::to_string(rest.size() - kTrunkEntryOverhead) + " remain");
    }
    TrunkEntry entry;
    entry.session_id = {rest[0], rest[1]};
    const ByteView payload = rest.subspan(kTrunkEntryOverhead, len);
    entry.payload.assign(payload.begin(), payload.end());
    frame.entries.push_back(std::move(entry));
    rest = rest.subspan(kTrunkEntryOverhead + len);
  }
  return frame;
}

SessionTag session_tag_from_hex(std::string_view session_id_hex) {
  SessionTag tag{0, 0};
  for (size_t i = 0; i < tag.size(); ++i) {
    std::string pair(session_id_hex.substr(std::min(2 * i, session_id_hex.size()), 2));
    if (pair.size() == 1) pair.insert(pair.begin(), '0');  // a lone last digit is its own value
    if (const auto byte = from_hex(pair); byte.ok() && byte->size() == 1) tag[i] = (*byte)[0];
  }
  return tag;
}

std::optional<Bytes> TrunkBatcher::push(const SessionTag& session_id, ByteView payload) {
  const size_t entry_bytes = kTrunkEntryOverhead + payload.size();
  const bool overflows = !pending_.entries.empty() && (pending_.entries.size() + 1 > max_entries_ ||
                                                       pending_bytes_ + entry_bytes > max_bytes_);
  // On overflow send what we have; the entry starts the next batch and waits,
  // without a "full" check, for the next push or the timer (as the reference).
  std::optional<Bytes> emitted = overflows ? flush() : std::nullopt;
  pending_.entries.push_back(TrunkEntry{session_id, Bytes(payload.begin(), payload.end())});
  pending_bytes_ += entry_bytes;
  if (!overflows && (pending_.entries.size() >= max_entries_ || pending_bytes_ >= max_bytes_)) {
    emitted = flush();
  }
  return emitted;
}

std::optional<Bytes> TrunkBatcher::flush() {
  if (pending_.entries.empty()) return std::nullopt;
  Bytes frame = encode_trunk_frame(pending_);
  pending_.entries.clear();
  pending_bytes_ = kTrunkFrameHeaderSize;
  return frame;
}

}  // namespace wzp::wire

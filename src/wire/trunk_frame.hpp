// TrunkFrame: several media packets of one sender batched into one datagram
// by a relay (wire spec §6), and the relay-side batcher.
//
//   count:u16 BE, then count x { session_id[2], len:u16 BE, payload[len] }
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace wzp::wire {

inline constexpr size_t kTrunkFrameHeaderSize = 2;
inline constexpr size_t kTrunkEntryOverhead = 4;

using SessionTag = ByteArray<2>;

struct TrunkEntry {
  SessionTag session_id{};
  Bytes payload;

  friend bool operator==(const TrunkEntry&, const TrunkEntry&) = default;
};

struct TrunkFrame {
  std::vector<TrunkEntry> entries;

  friend bool operator==(const TrunkFrame&, const TrunkFrame&) = default;
};

/// Encoded size: 2 + sum(4 + payload).
size_t trunk_frame_size(const TrunkFrame& frame) noexcept;

/// Encode. The count and each length are truncated to 16 bits, as the
/// reference does; callers keep to at most 65535 entries of at most 65535 bytes.
Bytes encode_trunk_frame(const TrunkFrame& frame);

/// Decode. Errors (Errc::malformed): fewer than 2 bytes, an entry header
/// truncated, an entry length beyond the end of the data. Bytes after the last
/// announced entry are ignored.
Result<TrunkFrame> decode_trunk_frame(ByteView data);

/// The relay's trunk tag for a session: its hex label parsed two characters at
/// a time into the first two bytes, zero-padded when the label is shorter.
/// A pair that is not valid hex gives 0.
SessionTag session_tag_from_hex(std::string_view session_id_hex);

/// Batches entries for one receiver (wire §6.2, relay §7.6). The caller flushes
/// on its own 5 ms timer.
class TrunkBatcher {
 public:
  static constexpr size_t kDefaultMaxEntries = 10;
  static constexpr size_t kDefaultMaxBytes = 1200;  // including the 2-byte count
  static constexpr uint32_t kFlushIntervalMs = 5;

  explicit TrunkBatcher(size_t max_entries = kDefaultMaxEntries, size_t max_bytes = kDefaultMaxBytes) noexcept
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  /// Add an entry. Returns an encoded frame when one must be sent now: if the
  /// batch is non-empty and the entry would exceed a limit, the current batch
  /// (the entry then starts the next one); otherwise, if after appending the
  /// batch reached a limit, the batch with the entry.
  std::optional<Bytes> push(const SessionTag& session_id, ByteView payload);

  /// The pending batch encoded, or nullopt if it is empty. Empties the batcher.
  std::optional<Bytes> flush();

  size_t pending_entries() const noexcept { return pending_.entries.size(); }
  /// Encoded size of the pending batch (2 when empty).
  size_t pending_bytes() const noexcept { return pending_bytes_; }

 private:
  size_t max_entries_;
  size_t max_bytes_;
  TrunkFrame pending_;
  size_t pending_bytes_ = kTrunkFrameHeaderSize;
};

}  // namespace wzp::wire

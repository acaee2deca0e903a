// Compact media framing (wire spec §5): a type byte, then either a full
// MediaPacket (FULL) or a 4-byte MiniHeader + payload (MINI) whose header is
// reconstructed from the previous one. Defined by the protocol but never sent
// to reference peers of this version (they would misparse the type byte).
#pragma once

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "wire/media_header.hpp"
#include "wire/media_packet.hpp"

namespace wzp::wire {

inline constexpr uint8_t kFrameTypeFull = 0x00;
inline constexpr uint8_t kFrameTypeMini = 0x01;
inline constexpr size_t kMiniHeaderSize = 4;
/// A FULL frame is emitted at least every this many frames.
inline constexpr uint32_t kFullFrameInterval = 50;

struct MiniHeader {
  uint16_t timestamp_delta_ms = 0;  // this timestamp minus the previous one, truncated to 16 bits
  uint16_t payload_len = 0;         // payload bytes following the mini header

  friend bool operator==(const MiniHeader&, const MiniHeader&) = default;
};

ByteArray<kMiniHeaderSize> encode_mini_header(const MiniHeader& mini) noexcept;
/// Parse the first 4 bytes. Errors: Errc::malformed if fewer than 4 bytes.
Result<MiniHeader> decode_mini_header(ByteView data);

/// The header a MINI frame stands for: `baseline` with seq + 1 and
/// timestamp + delta (both wrapping), every other field copied except the
/// quality-report flag, which is cleared because a MINI frame never carries
/// a trailer (the reference copies it too).
MediaHeader expand_mini_header(const MediaHeader& baseline, const MiniHeader& mini) noexcept;

/// Encoder side of the compact context. Frames 0, 50, 100, ... are FULL.
class CompactEncoder {
 public:
  /// Append the compact frame for `packet` to `out`. A packet that cannot be a
  /// MINI frame (it carries a QualityReport or its payload exceeds 65535 bytes)
  /// is sent FULL and restarts the interval.
  void encode(const MediaHeader& header, ByteView payload, const std::optional<QualityReport>& quality_report,
              Bytes& out);
  Bytes encode(const MediaPacket& packet);

  /// Frames emitted since the last FULL frame (0 = the next frame is FULL).
  uint32_t frames_since_full() const noexcept { return frames_since_full_; }
  /// Force the next frame to be FULL.
  void reset() noexcept { frames_since_full_ = 0; }

 private:
  std::optional<MediaHeader> last_;
  uint32_t frames_since_full_ = 0;
};

/// Decoder side of the compact context.
class CompactDecoder {
 public:
  /// Decode one compact frame. Errors (Errc::malformed): empty input, unknown
  /// type byte, FULL frame that is not a valid MediaPacket, MINI frame shorter
  /// than its header or announced payload, MINI frame before any FULL frame.
  /// Bytes after a MINI frame's payload are ignored. A failed decode leaves the
  /// context unchanged.
  Result<MediaPacket> decode(ByteView frame);

  /// Set the context as if a FULL frame with this header had been decoded.
  void set_baseline(const MediaHeader& header) noexcept { last_ = header; }
  const std::optional<MediaHeader>& baseline() const noexcept { return last_; }

 private:
  std::optional<MediaHeader> last_;
};

}  // namespace wzp::wire

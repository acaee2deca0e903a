// MediaPacketizer: the send side of the media wire. Encoded frames in, datagrams out:
// source packets as the reference sends them, libwzp Reed–Solomon repair packets after
// each block (repair_format.hpp), comfort-noise packets during silence suppression.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "media/fec/fec_encoder.hpp"
#include "wire/media_header.hpp"
#include "wire/quality_profile.hpp"
#include "wire/quality_report.hpp"

namespace wzp::media {

/// Comfort-noise packets: one per this many consecutive suppressed frames (media spec §7.2).
inline constexpr uint32_t kComfortNoiseEvery = 10;

class MediaPacketizer {
 public:
  explicit MediaPacketizer(const wire::QualityProfile& profile);

  /// One encoded frame: appends its source packet (12-byte header + frame) to `out`, then,
  /// when the block is full, the block's repair packets. Advances seq/timestamp. A frame
  /// longer than kFecMaxFrameBytes closes the open block and goes out alone, unprotected.
  void push_frame(ByteView encoded, std::vector<Bytes>& out);

  /// A frame silence suppression did not send: closes the open block early (its repairs are
  /// appended), advances the timestamp only; every 10th consecutive one also appends a
  /// comfort-noise packet (codec 5, 1-byte payload `cn_level`), outside every block.
  void push_silent_frame(std::vector<Bytes>& out, uint8_t cn_level = 50);

  /// Close the open block (repairs appended), switch profile; the block id advances.
  void set_profile(const wire::QualityProfile& profile, std::vector<Bytes>& out);

  /// Attach this report (Q bit + 4-byte trailer) to the next source or comfort-noise packet.
  void attach_report(const wire::QualityReport& report);

  const wire::QualityProfile& profile() const noexcept { return profile_; }

  /// The next packet's sequence number, the next frame's timestamp, the open block's id.
  uint16_t next_seq() const noexcept { return seq_; }
  uint32_t next_timestamp() const noexcept { return timestamp_; }
  uint8_t block_id() const noexcept { return block_id_; }

  struct Stats {
    uint64_t source_packets = 0, repair_packets = 0, cn_packets = 0, blocks = 0, bytes = 0;
  };
  Stats stats() const noexcept { return stats_; }

 private:
  void close_block(std::vector<Bytes>& out);
  void emit(const wire::MediaHeader& header, ByteView payload, bool with_report, std::vector<Bytes>& out);

  wire::QualityProfile profile_;
  size_t block_k_;      // frames per block of the profile
  uint8_t ratio_code_;  // encoded profile fec ratio
  FecEncoder fec_;
  uint16_t seq_ = 0;
  uint32_t timestamp_ = 0;
  uint8_t block_id_ = 0;
  uint32_t silent_run_ = 0;  // consecutive suppressed frames
  std::optional<wire::QualityReport> report_;
  Stats stats_;
};

}  // namespace wzp::media

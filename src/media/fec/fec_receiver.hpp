// FecReceiver: the receive side of libwzp's Reed–Solomon FEC, one per remote sender.
// It keeps each block's source frames and repair symbols, rebuilds the missing frames as
// soon as any K of the block's K + R symbols are in, and hands back only frames that had
// not arrived, with the sequence number and timestamp they were sent with.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "media/fec/erasure_code.hpp"
#include "wire/codec_id.hpp"
#include "wire/media_packet.hpp"

namespace wzp::media {

struct RecoveredFrame {
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  wire::CodecId codec = wire::CodecId::opus24k;
  Bytes frame;
};

/// A source frame the receiver knows was sent but has not got: where it sits in the
/// sender's timeline, so the jitter buffer can conceal it at the right time and still play it
/// if FEC rebuilds it before then.
struct ExpectedFrame {
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  wire::CodecId codec = wire::CodecId::opus24k;
  uint32_t frame_ms = 20;
};

/// What the block structure tells about the sender's sequence space beyond the packet itself.
struct SeqHints {
  std::vector<uint16_t> no_audio;      // repair or comfort-noise seqs: nothing to play
  std::vector<ExpectedFrame> missing;  // source frames not received (yet)
  void clear() noexcept {
    no_audio.clear();
    missing.clear();
  }
};

struct FecReceiverConfig {
  uint32_t max_blocks_behind = 8;  // blocks more ids behind the newest are dropped
  uint32_t max_age_ms = 2000;      // blocks untouched for this much media time are dropped
};

class FecReceiver {
 public:
  explicit FecReceiver(FecReceiverConfig config = {});

  /// Every parsed packet of that sender (source, repair, CN). Appends to `recovered` the
  /// source frames this packet let it rebuild that had NOT arrived themselves.
  ///
  /// Blocks are told apart by id and by their first sequence number (seq - fec_symbol,
  /// the same for a block's sources and repairs), so an id reused after wrapping starts a
  /// fresh block. The clock for expiry is the sender's media timestamp (the newest seen):
  /// no wall time is needed. Comfort-noise packets and repairs without libwzp's marker (a
  /// reference sender's RaptorQ symbols) are never decoded. The block is rebuilt as soon as
  /// K symbols are in (one attempt), and a rebuilt frame is returned only if the block is
  /// self-consistent: every received source fits the block's symbol size, every rebuilt
  /// length prefix fits the symbol and the padding after it is zero.
  ///
  /// With `hints`, also appends what the packet's block tells about seqs not received, once
  /// the sender is known to be a libwzp one (a repair with libwzp's marker has come): its
  /// blocks hold time-contiguous frames, and every seq between a block's sources and the
  /// next block's are repairs or comfort noise. A reference sender's blocks may span a
  /// silence, so nothing is inferred for it.
  void on_packet(const wire::MediaPacketView& packet, std::vector<RecoveredFrame>& recovered,
                 SeqHints* hints = nullptr);

  struct Stats {
    uint64_t blocks_decoded = 0;        // blocks with missing frames rebuilt
    uint64_t frames_recovered = 0;      // frames returned
    uint64_t blocks_unrecoverable = 0;  // rebuilt data inconsistent: nothing returned
    uint64_t blocks_expired = 0;        // dropped with frames missing and too few symbols
    uint64_t foreign_repairs = 0;       // reference RaptorQ repairs, unusable
    uint64_t malformed = 0;             // repairs or sources that contradict their block
    uint64_t stale = 0;                 // packets of blocks already dropped
  };
  Stats stats() const noexcept { return stats_; }
  /// Blocks held now (bounded by max_blocks_behind + 1).
  size_t blocks_held() const noexcept { return blocks_.size(); }

 private:
  struct Source {
    uint16_t seq = 0;
    uint32_t timestamp = 0;
    Bytes frame;
  };
  struct Block {
    uint8_t id = 0;
    uint16_t seq0 = 0;     // sequence number of symbol 0
    uint32_t last_ts = 0;  // newest timestamp of its packets (expiry)
    uint8_t k = 0;         // 0 until a repair tells
    size_t t = 0;          // symbol size, from the repairs
    wire::CodecId codec = wire::CodecId::opus24k;
    uint32_t repair_ts = 0;  // time just after the last frame
    std::array<std::optional<Source>, kFecMaxSource> sources;
    std::array<Bytes, kFecMaxRepair> repairs;  // by repair index; empty = absent
    bool done = false;                         // complete, rebuilt or given up
    bool rebuilt = false;                      // its missing frames were returned
    bool gap_told = false;                     // every seq up to the next block's was hinted
    int32_t no_audio_told = 0;                 // seqs after the sources hinted so far
  };

  void advance_clock(const wire::MediaHeader& header);
  void expire();
  bool is_stale(const wire::MediaHeader& header) const;
  Block* find_block(const wire::MediaHeader& header);
  void drop(Block& block);
  void try_rebuild(Block& block, std::vector<RecoveredFrame>& recovered);
  bool missing_sources(const Block& block) const;
  Block* adjacent(const Block& block, int direction);
  uint32_t frame_ms_of(const Block& block) const;
  void describe(Block& block, SeqHints& hints);

  FecReceiverConfig config_;
  bool have_clock_ = false;
  uint16_t newest_seq_ = 0;
  uint32_t newest_ts_ = 0;
  uint8_t newest_block_ = 0;
  bool libwzp_sender_ = false;  // a repair with libwzp's marker has come from this sender
  std::vector<Block> blocks_;
  Stats stats_;
};

}  // namespace wzp::media

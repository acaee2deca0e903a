// libwzp's Reed–Solomon repair packets and the length-prefixed symbols they protect.
//
// A repair packet's header: is_repair = 1, codec and fec ratio of the block's profile,
// fec_block = block id, fec_symbol = K + i, reserved = kRepairMarker. Its payload: one byte
// K (the block's source frames), then a symbol of T bytes. Every symbol of a block (source
// or repair) is T = 2 + the block's longest frame bytes: the frame's length as LE16, the
// frame, zero padding. Source packets still carry the bare frame, as the reference's do.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "wire/media_header.hpp"
#include "wire/quality_profile.hpp"

namespace wzp::media {

/// Header byte 10 of a libwzp repair packet (a reference sender writes 0 there).
inline constexpr uint8_t kRepairMarker = 0x01;
/// Longest frame a block protects (the longest Opus packet); longer ones go unprotected.
inline constexpr size_t kFecMaxFrameBytes = 1275;
inline constexpr size_t kSymbolPrefixBytes = 2;

/// Whether the packet is a libwzp repair packet that FecReceiver decodes.
inline bool is_libwzp_repair(const wire::MediaHeader& header) noexcept {
  return header.is_repair && header.reserved == kRepairMarker;
}

/// Whether the packet's sequence number carries audio for the jitter buffer. Repair
/// packets (libwzp's or a reference sender's) take a sequence number each but hold no
/// audio: a receiver tells its jitter buffer about them (note_repair_seq) so their numbers
/// never count as lost frames (media spec §11.2).
inline bool carries_audio(const wire::MediaHeader& header) noexcept { return !header.is_repair; }

struct RepairPayload {
  uint8_t k = 0;    // source frames in the block
  ByteView symbol;  // T bytes
};

/// Split a repair payload. Errors (Errc::malformed): empty, K = 0 or K > 32, a symbol
/// shorter than 2 bytes or longer than 2 + kFecMaxFrameBytes.
Result<RepairPayload> parse_repair_payload(ByteView payload);

/// Write `frame` as a symbol into `symbol` (LE16 length, the frame, zero padding).
/// `symbol` holds at least 2 + frame.size() bytes.
void write_symbol(ByteView frame, MutableByteView symbol) noexcept;

/// The frame inside a symbol. Errors: Errc::malformed if the length prefix exceeds the
/// symbol (never a frame that reads into the padding's neighbour).
Result<ByteView> read_symbol(ByteView symbol);

/// Repair symbols for a block of `k` frames at `ratio`: ceil(k * ratio) in binary32, at
/// least 1 when ratio > 0, at most 32 and 64 - k. 0 for ratio <= 0 or NaN.
size_t repair_count(size_t k, float ratio) noexcept;

/// Source frames per block for a profile: frames_per_block clamped to 1..32.
size_t block_frames(const wire::QualityProfile& profile) noexcept;

}  // namespace wzp::media

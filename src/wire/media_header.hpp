// MediaHeader: the 12-byte header at the start of every media datagram
// (wire spec §4.1).
//
//   byte 0: V(1) T(1) codec(4) Q(1) F6(1)   byte 1: F5..F0(6) 00
//   2-3 seq (BE)  4-7 timestamp (BE)  8 fec_block  9 fec_symbol  10 reserved  11 csrc_count
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "wire/codec_id.hpp"

namespace wzp::wire {

inline constexpr size_t kMediaHeaderSize = 12;

struct MediaHeader {
  uint8_t version = 0;  // only bit 0 is written; not validated on read
  bool is_repair = false;
  CodecId codec = CodecId::opus24k;
  bool has_quality_report = false;
  uint8_t fec_ratio_encoded = 0;  // 7-bit code; bit 7 is lost on write
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  uint8_t fec_block = 0;
  uint8_t fec_symbol = 0;
  uint8_t reserved = 0;    // opaque, copied verbatim
  uint8_t csrc_count = 0;  // opaque, copied verbatim

  friend bool operator==(const MediaHeader&, const MediaHeader&) = default;
};

/// Write the 12 header bytes to `out` (which must hold kMediaHeaderSize bytes).
void write_media_header(const MediaHeader& header, uint8_t* out) noexcept;

/// The 12 header bytes.
ByteArray<kMediaHeaderSize> encode_media_header(const MediaHeader& header) noexcept;

/// Parse the first 12 bytes of `data` (later bytes are not looked at).
/// Errors: Errc::malformed if fewer than 12 bytes or the codec value is 6..15.
/// The two low bits of byte 1 are ignored; the version bit is not checked.
Result<MediaHeader> decode_media_header(ByteView data);

}  // namespace wzp::wire

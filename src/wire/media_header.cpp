#include "wire/media_header.hpp"

#include <string>

namespace wzp::wire {

void write_media_header(const MediaHeader& header, uint8_t* out) noexcept {
  const uint8_t fec = header.fec_ratio_encoded & 0x7F;
  out[0] = static_cast<uint8_t>(((header.version & 1) << 7) | (header.is_repair ? 0x40 : 0) |
                                ((codec_wire(header.codec) & 0x0F) << 2) |
                                (header.has_quality_report ? 0x02 : 0) | (fec >> 6));
  out[1] = static_cast<uint8_t>((fec & 0x3F) << 2);
  store_be16(out + 2, header.seq);
  store_be32(out + 4, header.timestamp);
  out[8] = header.fec_block;
  out[9] = header.fec_symbol;
  out[10] = header.reserved;
  out[11] = header.csrc_count;
}

ByteArray<kMediaHeaderSize> encode_media_header(const MediaHeader& header) noexcept {
  ByteArray<kMediaHeaderSize> out;
  write_media_header(header, out.data());
  return out;
}

Result<MediaHeader> decode_media_header(ByteView data) {
  if (data.size() < kMediaHeaderSize) {
    return make_error(Errc::malformed, "media header needs 12 bytes, got " + std::to_string(data.size()));
  }
  const uint8_t b0 = data[0];
  const uint8_t codec_value = (b0 >> 2) & 0x0F;
  const auto codec = codec_from_wire(codec_value);
  if (!codec) {
    return make_error(Errc::malformed, "media header has invalid codec id " + std::to_string(codec_value));
  }
  MediaHeader h;
  h.version = b0 >> 7;
  h.is_repair = (b0 & 0x40) != 0;
  h.codec = *codec;
  h.has_quality_report = (b0 & 0x02) != 0;
  h.fec_ratio_encoded = static_cast<uint8_t>(((b0 & 0x01) << 6) | (data[1] >> 2));
  h.seq = load_be16(&data[2]);
  h.timestamp = load_be32(&data[4]);
  h.fec_block = data[8];
  h.fec_symbol = data[9];
  h.reserved = data[10];
  h.csrc_count = data[11];
  return h;
}

}  // namespace wzp::wire

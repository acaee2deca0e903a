#include "wire/mini_frame.hpp"

#include <limits>
#include <string>

namespace wzp::wire {

ByteArray<kMiniHeaderSize> encode_mini_header(const MiniHeader& mini) noexcept {
  ByteArray<kMiniHeaderSize> out;
  store_be16(out.data(), mini.timestamp_delta_ms);
  store_be16(out.data() + 2, mini.payload_len);
  return out;
}

Result<MiniHeader> decode_mini_header(ByteView data) {
  if (data.size() < kMiniHeaderSize) {
    return make_error(Errc::malformed, "mini header needs 4 bytes, got " + std::to_string(data.size()));
  }
  return MiniHeader{load_be16(data.data()), load_be16(data.data() + 2)};
}

MediaHeader expand_mini_header(const MediaHeader& baseline, const MiniHeader& mini) noexcept {
  MediaHeader h = baseline;
  h.seq = static_cast<uint16_t>(baseline.seq + 1);
  h.timestamp = baseline.timestamp + mini.timestamp_delta_ms;  // u32 wraps
  h.has_quality_report = false;
  return h;
}

void CompactEncoder::encode(const MediaHeader& header, ByteView payload,
                            const std::optional<QualityReport>& quality_report, Bytes& out) {
  const bool mini_possible = last_.has_value() && !quality_report.has_value() &&
                             payload.size() <= std::numeric_limits<uint16_t>::max();
  if (mini_possible && frames_since_full_ > 0 && frames_since_full_ < kFullFrameInterval) {
    const MiniHeader mini{static_cast<uint16_t>(header.timestamp - last_->timestamp),
                          static_cast<uint16_t>(payload.size())};
    out.push_back(kFrameTypeMini);
    const auto bytes = encode_mini_header(mini);
    out.insert(out.end(), bytes.begin(), bytes.end());
    out.insert(out.end(), payload.begin(), payload.end());
    ++frames_since_full_;
  } else {
    out.push_back(kFrameTypeFull);
    append_media_packet(out, header, payload, quality_report);
    frames_since_full_ = 1;
  }
  last_ = header;
}

Bytes CompactEncoder::encode(const MediaPacket& packet) {
  Bytes out;
  encode(packet.header, packet.payload, packet.quality_report, out);
  return out;
}

Result<MediaPacket> CompactDecoder::decode(ByteView frame) {
  if (frame.empty()) return make_error(Errc::malformed, "compact frame is empty");
  const ByteView body = frame.subspan(1);
  switch (frame[0]) {
    case kFrameTypeFull: {
      auto packet = decode_media_packet(body);
      if (!packet) return std::move(packet).error();
      last_ = packet->header;
      return packet;
    }
    case kFrameTypeMini: {
      auto mini = decode_mini_header(body);
      if (!mini) return std::move(mini).error();
      const ByteView rest = body.subspan(kMiniHeaderSize);
      if (rest.size() < mini->payload_len) {
        return make_error(Errc::malformed, "mini frame announces " + std::to_string(mini->payload_len) +
                                               " payload bytes but has " + std::to_string(rest.size()));
      }
      if (!last_) return make_error(Errc::malformed, "mini frame before any full frame (no baseline)");
      MediaPacket packet{expand_mini_header(*last_, *mini),
                         Bytes(rest.begin(), rest.begin() + mini->payload_len), std::nullopt};
      last_ = packet.header;
      return packet;
    }
    default: return make_error(Errc::malformed, "unknown compact frame type " + std::to_string(frame[0]));
  }
}

}  // namespace wzp::wire

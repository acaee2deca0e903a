#include "wire/media_packet.hpp"

#include <algorithm>
#include <string>

namespace wzp::wire {

size_t media_packet_size(size_t payload_len, bool has_quality_report) noexcept {
  return kMediaHeaderSize + payload_len + (has_quality_report ? kQualityReportSize : 0);
}

void append_media_packet(Bytes& out, const MediaHeader& header, ByteView payload,
                         const std::optional<QualityReport>& quality_report) {
  const size_t start = out.size();
  out.resize(start + media_packet_size(payload.size(), quality_report.has_value()));
  MediaHeader written = header;
  written.has_quality_report = quality_report.has_value();
  uint8_t* p = out.data() + start;
  write_media_header(written, p);
  p += kMediaHeaderSize;
  if (!payload.empty()) std::copy(payload.begin(), payload.end(), p);
  if (quality_report) write_quality_report(*quality_report, p + payload.size());
}

Bytes encode_media_packet(const MediaPacket& packet) {
  Bytes out;
  append_media_packet(out, packet.header, packet.payload, packet.quality_report);
  return out;
}

Result<MediaPacketView> parse_media_packet(ByteView datagram) {
  auto header = decode_media_header(datagram);
  if (!header) return std::move(header).error();
  MediaPacketView view{*header, datagram.subspan(kMediaHeaderSize), std::nullopt};
  if (view.header.has_quality_report) {
    if (view.payload.size() < kQualityReportSize) {
      return make_error(Errc::malformed, "media packet has the quality-report flag but only " +
                                             std::to_string(view.payload.size()) +
                                             " bytes after the header (need 4)");
    }
    const size_t payload_len = view.payload.size() - kQualityReportSize;
    auto report = decode_quality_report(view.payload.subspan(payload_len));
    if (!report) return std::move(report).error();
    view.quality_report = *report;
    view.payload = view.payload.first(payload_len);
  }
  return view;
}

MediaPacket to_media_packet(const MediaPacketView& view) {
  return MediaPacket{view.header, Bytes(view.payload.begin(), view.payload.end()), view.quality_report};
}

Result<MediaPacket> decode_media_packet(ByteView datagram) {
  auto view = parse_media_packet(datagram);
  if (!view) return std::move(view).error();
  return to_media_packet(*view);
}

}  // namespace wzp::wire

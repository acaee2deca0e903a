// MediaPacket: one media datagram = MediaHeader + payload + optional
// QualityReport trailer (wire spec §4.3-4.5). There is no payload length
// field: the payload is everything between the header and the trailer.
#pragma once

#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "wire/media_header.hpp"
#include "wire/quality_report.hpp"

namespace wzp::wire {

struct MediaPacket {
  MediaHeader header;
  Bytes payload;
  std::optional<QualityReport> quality_report;

  friend bool operator==(const MediaPacket&, const MediaPacket&) = default;
};

/// A parsed packet whose payload points into the parsed buffer (no copy).
struct MediaPacketView {
  MediaHeader header;
  ByteView payload;
  std::optional<QualityReport> quality_report;
};

/// Encoded size: 12 + payload + (4 if a report is present).
size_t media_packet_size(size_t payload_len, bool has_quality_report) noexcept;

/// Append header, payload and trailer to `out`. The Q bit written is taken from
/// whether `quality_report` is present (header.has_quality_report is ignored),
/// so the output always parses back: the reference instead writes the flag and
/// the trailer independently and can produce unparseable packets.
void append_media_packet(Bytes& out, const MediaHeader& header, ByteView payload,
                         const std::optional<QualityReport>& quality_report);

/// The datagram bytes of `packet` (Q bit as in append_media_packet).
Bytes encode_media_packet(const MediaPacket& packet);

/// Parse a datagram without copying the payload. Errors (Errc::malformed, with
/// a message saying which): fewer than 12 bytes, codec value 6..15, Q=1 with
/// fewer than 4 bytes after the header. The version bit is not checked.
Result<MediaPacketView> parse_media_packet(ByteView datagram);

/// As parse_media_packet, copying the payload.
Result<MediaPacket> decode_media_packet(ByteView datagram);

/// Copy a view into an owning packet.
MediaPacket to_media_packet(const MediaPacketView& view);

}  // namespace wzp::wire

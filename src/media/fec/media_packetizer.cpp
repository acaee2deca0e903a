#include "media/fec/media_packetizer.hpp"

#include "media/fec/repair_format.hpp"
#include "wire/fec_ratio.hpp"
#include "wire/media_packet.hpp"

namespace wzp::media {

MediaPacketizer::MediaPacketizer(const wire::QualityProfile& profile)
    : profile_(profile),
      block_k_(block_frames(profile)),
      ratio_code_(wire::encode_fec_ratio(profile.fec_ratio)) {}

void MediaPacketizer::emit(const wire::MediaHeader& header, ByteView payload, bool with_report,
                           std::vector<Bytes>& out) {
  std::optional<wire::QualityReport> report;
  if (with_report) report.swap(report_);
  Bytes datagram;
  datagram.reserve(wire::media_packet_size(payload.size(), report.has_value()));
  wire::append_media_packet(datagram, header, payload, report);
  stats_.bytes += datagram.size();
  out.push_back(std::move(datagram));
}

void MediaPacketizer::push_frame(ByteView encoded, std::vector<Bytes>& out) {
  silent_run_ = 0;
  const bool protect = encoded.size() <= kFecMaxFrameBytes;
  if (!protect) close_block(out);

  wire::MediaHeader header;
  header.codec = profile_.codec;
  header.fec_ratio_encoded = ratio_code_;
  header.seq = seq_++;
  header.timestamp = timestamp_;
  header.fec_block = block_id_;
  header.fec_symbol = static_cast<uint8_t>(fec_.size());
  emit(header, encoded, true, out);
  ++stats_.source_packets;
  timestamp_ += profile_.frame_duration_ms;

  if (!protect) {
    // Alone in a block of its own without repairs, so the next block starts fresh.
    ++block_id_;
    ++stats_.blocks;
    return;
  }
  fec_.add(encoded);
  if (fec_.size() >= block_k_) close_block(out);
}

void MediaPacketizer::close_block(std::vector<Bytes>& out) {
  if (fec_.empty()) return;
  const size_t k = fec_.size();
  const size_t r = repair_count(k, profile_.fec_ratio);
  auto repairs = fec_.repairs(r);
  if (repairs.ok()) {
    Bytes payload(1 + fec_.symbol_size());
    payload[0] = static_cast<uint8_t>(k);
    wire::MediaHeader header;
    header.is_repair = true;
    header.codec = profile_.codec;
    header.fec_ratio_encoded = ratio_code_;
    header.timestamp = timestamp_;  // just after the block's last frame
    header.fec_block = block_id_;
    header.reserved = kRepairMarker;
    for (size_t i = 0; i < repairs->size(); ++i) {
      std::copy((*repairs)[i].begin(), (*repairs)[i].end(), payload.begin() + 1);
      header.seq = seq_++;
      header.fec_symbol = static_cast<uint8_t>(k + i);
      emit(header, payload, false, out);
      ++stats_.repair_packets;
    }
  }
  // A block whose repairs could not be built still closes (as the reference does).
  fec_.clear();
  ++block_id_;
  ++stats_.blocks;
}

void MediaPacketizer::push_silent_frame(std::vector<Bytes>& out, uint8_t cn_level) {
  // Close now: repairs for the end of a talk spurt must not wait for the next one (N-10).
  close_block(out);
  timestamp_ += profile_.frame_duration_ms;
  ++silent_run_;
  if (silent_run_ % kComfortNoiseEvery != 0) return;
  // Outside every block (N-8): the receiver's FEC ignores codec 5.
  wire::MediaHeader header;
  header.codec = wire::CodecId::comfort_noise;
  header.seq = seq_++;
  header.timestamp = timestamp_;
  header.fec_block = block_id_;
  const uint8_t payload[1] = {cn_level};
  emit(header, payload, true, out);
  ++stats_.cn_packets;
}

void MediaPacketizer::set_profile(const wire::QualityProfile& profile, std::vector<Bytes>& out) {
  // The open block closes with its own profile's repairs; the next id is a fresh block (N-9).
  close_block(out);
  profile_ = profile;
  block_k_ = block_frames(profile);
  ratio_code_ = wire::encode_fec_ratio(profile.fec_ratio);
}

void MediaPacketizer::attach_report(const wire::QualityReport& report) { report_ = report; }

}  // namespace wzp::media

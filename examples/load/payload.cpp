#include "payload.hpp"

#include <opus.h>
#include <wzp.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "../call/wav_file.hpp"

namespace load {

Payload Payload::filler(size_t bytes) {
  Payload p;
  p.filler_bytes_ = std::max(bytes, kStampBytes);
  return p;
}

Payload Payload::opus(std::vector<std::vector<uint8_t>> frames) {
  Payload p;
  p.frames_ = std::move(frames);
  return p;
}

size_t Payload::max_datagram() const {
  size_t payload = filler_bytes_;
  for (const auto& f : frames_) payload = std::max(payload, kStampBytes + f.size());
  return kMediaHeaderBytes + payload;
}

double Payload::mean_payload_bytes() const {
  if (frames_.empty()) return static_cast<double>(filler_bytes_);
  double sum = 0;
  for (const auto& f : frames_) sum += static_cast<double>(kStampBytes + f.size());
  return sum / static_cast<double>(frames_.size());
}

size_t Payload::build(uint8_t* out, const Stamp& stamp, uint32_t interval_ms) const {
  wzp_media_header h;
  std::memset(&h, 0, sizeof h);
  h.codec = WZP_CODEC_OPUS24K;
  h.seq = static_cast<uint16_t>(stamp.seq);
  h.timestamp = stamp.seq * interval_ms;
  wzp_media_header_encode(&h, out);
  put_stamp(out, stamp);
  uint8_t* body = out + kStampOffset + kStampBytes;
  if (frames_.empty()) {
    const size_t n = filler_bytes_ - kStampBytes;
    std::memset(body, 0xA5, n);
    return kStampOffset + filler_bytes_;
  }
  const auto& frame = frames_[(stamp.sender * 7919u + stamp.seq) % frames_.size()];
  std::memcpy(body, frame.data(), frame.size());
  return kStampOffset + kStampBytes + frame.size();
}

bool encode_opus_frames(const std::string& path, int bitrate, std::vector<std::vector<uint8_t>>& frames,
                        std::string& error) {
  std::vector<int16_t> pcm;
  if (!call_tool::read_wav_48k_mono(path, pcm, error)) return false;
  constexpr size_t kFrame = 960;  // 20 ms at 48 kHz
  if (pcm.size() < kFrame) {
    error = "'" + path + "' holds less than 20 ms of sound";
    return false;
  }
  int rc = OPUS_OK;
  std::unique_ptr<OpusEncoder, void (*)(OpusEncoder*)> encoder(
      opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &rc), opus_encoder_destroy);
  if (rc != OPUS_OK || !encoder) {
    error = std::string("opus_encoder_create: ") + opus_strerror(rc);
    return false;
  }
  opus_encoder_ctl(encoder.get(), OPUS_SET_BITRATE(bitrate));
  frames.clear();
  uint8_t packet[1275];
  for (size_t at = 0; at + kFrame <= pcm.size(); at += kFrame) {
    const int n =
        opus_encode(encoder.get(), pcm.data() + at, static_cast<int>(kFrame), packet, sizeof packet);
    if (n < 0) {
      error = std::string("opus_encode: ") + opus_strerror(n);
      return false;
    }
    frames.emplace_back(packet, packet + n);
  }
  return true;
}

}  // namespace load

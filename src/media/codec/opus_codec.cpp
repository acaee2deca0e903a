#include "media/codec/opus_codec.hpp"

#include <opus/opus.h>

#include <algorithm>
#include <climits>
#include <string>

namespace wzp::media {
namespace {

Error opus_error(Errc code, const char* what, int err) {
  return make_error(code, std::string("opus: ") + what + ": " + opus_strerror(err));
}

bool valid_frame_ms(uint32_t frame_ms) { return frame_ms == 20 || frame_ms == 40; }

// Concealment and FEC lengths must be whole 2.5 ms steps (libopus refuses others).
constexpr size_t kStepSamples = kSampleRate / 400;

Status check_lost_length(size_t frame_samples, size_t out_size) {
  if (frame_samples == 0 || frame_samples % kStepSamples != 0 || frame_samples > INT_MAX) {
    return make_error(Errc::invalid_argument, "opus: a lost frame is a positive multiple of 2.5 ms");
  }
  if (out_size < frame_samples)
    return make_error(Errc::buffer_too_small, "opus: output shorter than the frame");
  return {};
}

}  // namespace

bool is_opus(wire::CodecId codec) noexcept {
  return codec == wire::CodecId::opus24k || codec == wire::CodecId::opus16k || codec == wire::CodecId::opus6k;
}

void OpusVoiceEncoder::Deleter::operator()(::OpusEncoder* encoder) const noexcept {
  opus_encoder_destroy(encoder);
}
void OpusVoiceDecoder::Deleter::operator()(::OpusDecoder* decoder) const noexcept {
  opus_decoder_destroy(decoder);
}

Result<OpusVoiceEncoder> OpusVoiceEncoder::create(wire::CodecId codec, uint32_t frame_ms) {
  int err = OPUS_OK;
  std::unique_ptr<::OpusEncoder, Deleter> raw(
      opus_encoder_create(kSampleRate, 1, OPUS_APPLICATION_VOIP, &err));
  if (!raw || err != OPUS_OK) return opus_error(Errc::no_memory, "encoder_create", err);
  // The reference's settings; failures here would be library bugs, not caller errors.
  if (opus_encoder_ctl(raw.get(), OPUS_SET_INBAND_FEC(1)) != OPUS_OK ||
      opus_encoder_ctl(raw.get(), OPUS_SET_DTX(1)) != OPUS_OK ||
      opus_encoder_ctl(raw.get(), OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK) {
    return make_error(Errc::internal, "opus: encoder settings refused");
  }
  OpusVoiceEncoder encoder(std::move(raw));
  WZP_TRY(encoder.configure(codec, frame_ms));
  return encoder;
}

Status OpusVoiceEncoder::configure(wire::CodecId codec, uint32_t frame_ms) {
  if (!is_opus(codec)) return make_error(Errc::invalid_argument, "opus: not an Opus codec id");
  if (!valid_frame_ms(frame_ms)) return make_error(Errc::invalid_argument, "opus: frames are 20 or 40 ms");
  if (codec != codec_) opus_encoder_ctl(encoder_.get(), OPUS_RESET_STATE);
  const auto bitrate = static_cast<opus_int32>(wire::codec_bitrate_bps(codec));
  const int err = opus_encoder_ctl(encoder_.get(), OPUS_SET_BITRATE(bitrate));
  if (err != OPUS_OK) return opus_error(Errc::internal, "set bitrate", err);
  codec_ = codec;
  frame_ms_ = frame_ms;
  return {};
}

Status OpusVoiceEncoder::set_expected_loss_pct(int pct) {
  const int err = opus_encoder_ctl(encoder_.get(), OPUS_SET_PACKET_LOSS_PERC(std::clamp(pct, 0, 100)));
  if (err != OPUS_OK) return opus_error(Errc::internal, "set packet loss", err);
  return {};
}

Result<size_t> OpusVoiceEncoder::encode(PcmView pcm, std::span<uint8_t> out) {
  if (pcm.size() != frame_samples()) {
    return make_error(Errc::invalid_length, "opus: expected " + std::to_string(frame_samples()) +
                                                " samples, got " + std::to_string(pcm.size()));
  }
  if (out.empty()) return make_error(Errc::buffer_too_small, "opus: no room for the packet");
  const auto capacity = static_cast<opus_int32>(std::min<size_t>(out.size(), INT_MAX));
  const opus_int32 len =
      opus_encode(encoder_.get(), pcm.data(), static_cast<int>(pcm.size()), out.data(), capacity);
  if (len < 0) {
    return opus_error(len == OPUS_BUFFER_TOO_SMALL ? Errc::buffer_too_small : Errc::internal, "encode", len);
  }
  return static_cast<size_t>(len);
}

Result<OpusVoiceDecoder> OpusVoiceDecoder::create() {
  int err = OPUS_OK;
  std::unique_ptr<::OpusDecoder, Deleter> raw(opus_decoder_create(kSampleRate, 1, &err));
  if (!raw || err != OPUS_OK) return opus_error(Errc::no_memory, "decoder_create", err);
  return OpusVoiceDecoder(std::move(raw));
}

Result<size_t> OpusVoiceDecoder::decode(ByteView packet, PcmSpan out) {
  // An empty packet would silently mean "conceal" to libopus; that is conceal()'s job.
  if (packet.empty()) return make_error(Errc::invalid_argument, "opus: empty packet");
  if (packet.size() > INT_MAX) return make_error(Errc::too_large, "opus: packet too large");
  const auto len = static_cast<opus_int32>(packet.size());
  const int samples = opus_packet_get_nb_samples(packet.data(), len, kSampleRate);
  if (samples <= 0)
    return opus_error(Errc::malformed, "packet", samples == 0 ? OPUS_INVALID_PACKET : samples);
  if (out.size() < static_cast<size_t>(samples)) {
    return make_error(Errc::buffer_too_small,
                      "opus: the packet holds " + std::to_string(samples) + " samples");
  }
  const int got = opus_decode(decoder_.get(), packet.data(), len, out.data(), samples, 0);
  if (got < 0) return opus_error(Errc::malformed, "decode", got);
  return static_cast<size_t>(got);
}

Result<size_t> OpusVoiceDecoder::decode_fec(ByteView next_packet, size_t frame_samples, PcmSpan out) {
  if (next_packet.empty()) return make_error(Errc::invalid_argument, "opus: empty packet");
  if (next_packet.size() > INT_MAX) return make_error(Errc::too_large, "opus: packet too large");
  WZP_TRY(check_lost_length(frame_samples, out.size()));
  const auto len = static_cast<opus_int32>(next_packet.size());
  if (opus_packet_get_nb_samples(next_packet.data(), len, kSampleRate) <= 0) {
    return make_error(Errc::malformed, "opus: invalid packet");
  }
  const int got =
      opus_decode(decoder_.get(), next_packet.data(), len, out.data(), static_cast<int>(frame_samples), 1);
  if (got < 0) return opus_error(Errc::malformed, "decode fec", got);
  return static_cast<size_t>(got);
}

Result<size_t> OpusVoiceDecoder::conceal(size_t frame_samples, PcmSpan out) {
  WZP_TRY(check_lost_length(frame_samples, out.size()));
  const int got = opus_decode(decoder_.get(), nullptr, 0, out.data(), static_cast<int>(frame_samples), 0);
  if (got < 0) return opus_error(Errc::internal, "conceal", got);
  return static_cast<size_t>(got);
}

void OpusVoiceDecoder::reset() { opus_decoder_ctl(decoder_.get(), OPUS_RESET_STATE); }

}  // namespace wzp::media

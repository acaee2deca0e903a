#include "media/codec/audio_decoder.hpp"

namespace wzp::media {

Result<AudioDecoder> AudioDecoder::create() { return AudioDecoder(); }

Status AudioDecoder::enter(wire::CodecId codec) {
  const bool was_codec2 = last_ && is_codec2(*last_);
  if (is_opus(codec)) {
    // The Opus state is kept across a Codec2 stretch, as the sender keeps its encoder's: the two
    // stay in step, like after a long loss.
    if (!opus_) {
      auto created = OpusVoiceDecoder::create();
      if (!created) return std::move(created).error();
      opus_.emplace(std::move(created).value());
    }
  } else if (is_codec2(codec)) {
    if (!codec2_) {
      auto created = Codec2VoiceDecoder::create();
      if (!created) return std::move(created).error();
      codec2_.emplace(std::move(created).value());
    } else if (!was_codec2 && last_) {
      codec2_->restart();
    }
  } else {
    return make_error(Errc::invalid_argument, "comfort noise is not a codec frame");
  }
  last_ = codec;
  return {};
}

Result<size_t> AudioDecoder::decode(wire::CodecId codec, ByteView frame, PcmSpan out) {
  WZP_TRY(enter(codec));
  if (is_opus(codec)) return opus_->decode(frame, out);
  return codec2_->decode(codec, frame, out);
}

Result<size_t> AudioDecoder::decode_fec(wire::CodecId codec, ByteView next_frame, size_t frame_samples,
                                        PcmSpan out) {
  if (is_codec2(codec)) return make_error(Errc::not_supported, "codec2 carries no in-band FEC");
  WZP_TRY(enter(codec));
  return opus_->decode_fec(next_frame, frame_samples, out);
}

Result<size_t> AudioDecoder::conceal(wire::CodecId last_codec, size_t frame_samples, PcmSpan out) {
  WZP_TRY(enter(last_codec));
  if (is_opus(last_codec)) return opus_->conceal(frame_samples, out);
  return codec2_->conceal(frame_samples, out);
}

}  // namespace wzp::media

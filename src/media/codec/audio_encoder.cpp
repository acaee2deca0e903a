#include "media/codec/audio_encoder.hpp"

#include <string>

namespace wzp::media {

Status check_codec_profile(const wire::QualityProfile& profile) {
  const uint32_t ms = profile.frame_duration_ms;
  if (is_opus(profile.codec) || profile.codec == wire::CodecId::codec2_3200) {
    if (ms == 20 || ms == 40) return {};
  } else if (profile.codec == wire::CodecId::codec2_1200) {
    if (ms == 40) return {};
  } else {
    return make_error(Errc::invalid_argument, "comfort noise is not an audio codec");
  }
  return make_error(Errc::invalid_argument, std::string(wire::codec_name(profile.codec)) + " cannot use " +
                                                std::to_string(ms) + " ms frames");
}

Result<AudioEncoder> AudioEncoder::create(const wire::QualityProfile& profile) {
  WZP_TRY(check_codec_profile(profile));
  // Opus starts at the profile's settings, or at Opus24k/20 ms while a Codec2 profile is active.
  const bool opus_active = is_opus(profile.codec);
  auto opus = OpusVoiceEncoder::create(opus_active ? profile.codec : wire::CodecId::opus24k,
                                       opus_active ? profile.frame_duration_ms : 20);
  if (!opus) return std::move(opus).error();
  auto codec2 = Codec2VoiceEncoder::create();
  if (!codec2) return std::move(codec2).error();
  return AudioEncoder(profile, std::move(opus).value(), std::move(codec2).value());
}

Result<Bytes> AudioEncoder::encode(PcmView pcm) {
  auto len = encode(pcm, scratch_);
  if (!len) return std::move(len).error();
  return Bytes(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(*len));
}

Result<size_t> AudioEncoder::encode(PcmView pcm, std::span<uint8_t> out) {
  if (pcm.size() != frame_samples()) {
    return make_error(Errc::invalid_length, "encoder: expected " + std::to_string(frame_samples()) +
                                                " samples, got " + std::to_string(pcm.size()));
  }
  if (is_opus(profile_.codec)) return opus_.encode(pcm, out);
  return codec2_.encode(profile_.codec, pcm, out);
}

Status AudioEncoder::set_profile(const wire::QualityProfile& profile) {
  WZP_TRY(check_codec_profile(profile));
  if (is_opus(profile.codec)) {
    WZP_TRY(opus_.configure(profile.codec, profile.frame_duration_ms));
  } else if (!is_codec2(profile_.codec)) {
    // Back to Codec2 after Opus: its resampler history is stale, start it from silence.
    codec2_.restart();
  }
  profile_ = profile;
  return {};
}

void AudioEncoder::set_expected_loss_pct(int pct) {
  loss_pct_ = pct < 0 ? 0 : (pct > 100 ? 100 : pct);
  // Only a library bug can make this fail; the previous figure then stays in force.
  (void)opus_.set_expected_loss_pct(loss_pct_);
}

}  // namespace wzp::media

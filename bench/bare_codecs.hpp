// The bare-library baselines the media benchmarks share: one frame through libopus, or through
// libspeexdsp + libcodec2 (48 kHz -> 8 kHz -> Codec2 -> 8 kHz -> 48 kHz), with the settings
// libwzp's codec layer uses and no wrapper of ours.
#pragma once

#include <codec2/codec2.h>
#include <opus/opus.h>
#include <speex/speex_resampler.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "media/pcm.hpp"
#include "wire/quality_profile.hpp"

namespace wzp::bench {

class BareOpus {
 public:
  BareOpus(wire::QualityProfile profile, int expected_loss_pct)
      : samples_(static_cast<int>(media::samples_per_frame(profile.frame_duration_ms))) {
    int err = 0;
    encoder_.reset(opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err));
    decoder_.reset(opus_decoder_create(48000, 1, &err));
    opus_encoder_ctl(encoder_.get(), OPUS_SET_BITRATE(static_cast<opus_int32>(wire::codec_bitrate_bps(profile.codec))));
    opus_encoder_ctl(encoder_.get(), OPUS_SET_INBAND_FEC(1));
    opus_encoder_ctl(encoder_.get(), OPUS_SET_DTX(1));
    opus_encoder_ctl(encoder_.get(), OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    opus_encoder_ctl(encoder_.get(), OPUS_SET_PACKET_LOSS_PERC(expected_loss_pct));
  }
  size_t frame_samples() const { return static_cast<size_t>(samples_); }
  /// Encodes frame_samples() samples of `pcm` and decodes them into `out`; the decoded count.
  int round_trip(const int16_t* pcm, int16_t* out) {
    const opus_int32 len = opus_encode(encoder_.get(), pcm, samples_, bits_.data(), static_cast<opus_int32>(bits_.size()));
    return opus_decode(decoder_.get(), bits_.data(), len, out, samples_, 0);
  }

 private:
  struct EncoderDeleter {
    void operator()(OpusEncoder* e) const { opus_encoder_destroy(e); }
  };
  struct DecoderDeleter {
    void operator()(OpusDecoder* d) const { opus_decoder_destroy(d); }
  };
  int samples_;
  std::unique_ptr<OpusEncoder, EncoderDeleter> encoder_;
  std::unique_ptr<OpusDecoder, DecoderDeleter> decoder_;
  std::vector<uint8_t> bits_ = std::vector<uint8_t>(1275);
};

class BareCodec2Chain {
 public:
  explicit BareCodec2Chain(wire::QualityProfile profile)
      : samples_(static_cast<spx_uint32_t>(media::samples_per_frame(profile.frame_duration_ms))) {
    const int mode = profile.codec == wire::CodecId::codec2_3200 ? CODEC2_MODE_3200 : CODEC2_MODE_1200;
    encoder_.reset(codec2_create(mode));
    decoder_.reset(codec2_create(mode));
    int err = 0;
    down_.reset(speex_resampler_init(1, 48000, 8000, 5, &err));
    up_.reset(speex_resampler_init(1, 8000, 48000, 5, &err));
    codec_samples_ = static_cast<spx_uint32_t>(codec2_samples_per_frame(encoder_.get()));
    codec_bytes_ = static_cast<size_t>(codec2_bytes_per_frame(encoder_.get()));
    low_.resize(samples_ / 6);
    bits_.resize((samples_ / 6 / codec_samples_ + 1) * codec_bytes_);
  }
  size_t frame_samples() const { return samples_; }
  /// frame_samples() samples of `pcm` down to 8 kHz, through Codec2 and back up into `out`.
  void round_trip(const int16_t* pcm, int16_t* out) {
    spx_uint32_t in_len = samples_, low_len = samples_ / 6;
    speex_resampler_process_int(down_.get(), 0, pcm, &in_len, low_.data(), &low_len);
    for (spx_uint32_t at = 0, k = 0; at + codec_samples_ <= low_len; at += codec_samples_, ++k) {
      codec2_encode(encoder_.get(), bits_.data() + k * codec_bytes_, low_.data() + at);
    }
    for (spx_uint32_t at = 0, k = 0; at + codec_samples_ <= low_len; at += codec_samples_, ++k) {
      codec2_decode(decoder_.get(), low_.data() + at, bits_.data() + k * codec_bytes_);
    }
    spx_uint32_t out_len = samples_;
    speex_resampler_process_int(up_.get(), 0, low_.data(), &low_len, out, &out_len);
  }

 private:
  struct Codec2Deleter {
    void operator()(CODEC2* c) const { codec2_destroy(c); }
  };
  struct SpeexDeleter {
    void operator()(SpeexResamplerState* s) const { speex_resampler_destroy(s); }
  };
  spx_uint32_t samples_;
  spx_uint32_t codec_samples_ = 0;
  size_t codec_bytes_ = 0;
  std::unique_ptr<CODEC2, Codec2Deleter> encoder_, decoder_;
  std::unique_ptr<SpeexResamplerState, SpeexDeleter> down_, up_;
  std::vector<int16_t> low_;
  std::vector<uint8_t> bits_;
};

}  // namespace wzp::bench

// Codec costs per frame (encode + decode of one frame of speech-like PCM) beside same-run
// baselines:
//   AudioEncoder + AudioDecoder, Opus profiles     vs bare libopus (same settings)
//   AudioEncoder + AudioDecoder, Codec2 profiles   vs bare libspeexdsp + libcodec2 (same chain)
//   Resampler 48k -> 8k -> 48k                     vs bare libspeexdsp
#include <benchmark/benchmark.h>
#include <codec2/codec2.h>
#include <opus/opus.h>
#include <speex/speex_resampler.h>

#include <memory>
#include <vector>

#include "media/codec/audio_decoder.hpp"
#include "media/codec/audio_encoder.hpp"
#include "media/codec/resampler.hpp"
#include "media/codec_signals.hpp"

namespace {

using namespace wzp::media;
using wzp::wire::CodecId;
using wzp::wire::QualityProfile;

constexpr QualityProfile kOpus16k{CodecId::opus16k, 0.2f, 20, 5};
constexpr QualityProfile kCodec2Fast{CodecId::codec2_3200, 0.5f, 20, 5};
constexpr int kLossPct = 10;  // in-band FEC active, as in a call that sees loss

const std::vector<int16_t>& speech() {
  static const std::vector<int16_t> pcm = test::speech_like(2.0);
  return pcm;
}

// Walks the test signal frame by frame, wrapping around.
class FrameCursor {
 public:
  explicit FrameCursor(size_t frame) : frame_(frame) {}
  PcmView next() {
    if (at_ + frame_ > speech().size()) at_ = 0;
    PcmView view(speech().data() + at_, frame_);
    at_ += frame_;
    return view;
  }

 private:
  size_t frame_;
  size_t at_ = 0;
};

void wzp_codec(benchmark::State& state, QualityProfile profile) {
  auto enc = AudioEncoder::create(profile);
  auto dec = AudioDecoder::create();
  if (!enc.ok() || !dec.ok()) return state.SkipWithError("create failed");
  enc->set_expected_loss_pct(kLossPct);
  FrameCursor cursor(enc->frame_samples());
  std::vector<uint8_t> bits(kMaxEncodedFrameBytes);
  std::vector<int16_t> out(kMaxFrameSamples);
  size_t bytes = 0;
  for (auto _ : state) {
    auto len = enc->encode(cursor.next(), bits);
    auto got = dec->decode(profile.codec, std::span(bits.data(), *len), out);
    benchmark::DoNotOptimize(got);
    bytes += *len;
  }
  state.counters["bytes_per_frame"] = static_cast<double>(bytes) / static_cast<double>(state.iterations());
}

struct OpusEncDeleter {
  void operator()(OpusEncoder* e) const { opus_encoder_destroy(e); }
};
struct OpusDecDeleter {
  void operator()(OpusDecoder* d) const { opus_decoder_destroy(d); }
};

void bare_opus(benchmark::State& state, QualityProfile profile) {
  int err = 0;
  std::unique_ptr<OpusEncoder, OpusEncDeleter> enc(
      opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err));
  std::unique_ptr<OpusDecoder, OpusDecDeleter> dec(opus_decoder_create(48000, 1, &err));
  opus_encoder_ctl(enc.get(),
                   OPUS_SET_BITRATE(static_cast<opus_int32>(wzp::wire::codec_bitrate_bps(profile.codec))));
  opus_encoder_ctl(enc.get(), OPUS_SET_INBAND_FEC(1));
  opus_encoder_ctl(enc.get(), OPUS_SET_DTX(1));
  opus_encoder_ctl(enc.get(), OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
  opus_encoder_ctl(enc.get(), OPUS_SET_PACKET_LOSS_PERC(kLossPct));
  const int n = static_cast<int>(samples_per_frame(profile.frame_duration_ms));
  FrameCursor cursor(static_cast<size_t>(n));
  std::vector<uint8_t> bits(512);
  std::vector<int16_t> out(kMaxFrameSamples);
  for (auto _ : state) {
    const opus_int32 len = opus_encode(enc.get(), cursor.next().data(), n, bits.data(), 512);
    const int got = opus_decode(dec.get(), bits.data(), len, out.data(), n, 0);
    benchmark::DoNotOptimize(got);
  }
}

struct Codec2Deleter {
  void operator()(CODEC2* c) const { codec2_destroy(c); }
};
struct SpeexDeleter {
  void operator()(SpeexResamplerState* s) const { speex_resampler_destroy(s); }
};

void bare_codec2(benchmark::State& state, QualityProfile profile) {
  const int mode = profile.codec == CodecId::codec2_3200 ? CODEC2_MODE_3200 : CODEC2_MODE_1200;
  std::unique_ptr<CODEC2, Codec2Deleter> enc(codec2_create(mode));
  std::unique_ptr<CODEC2, Codec2Deleter> dec(codec2_create(mode));
  int err = 0;
  std::unique_ptr<SpeexResamplerState, SpeexDeleter> down(speex_resampler_init(1, 48000, 8000, 5, &err));
  std::unique_ptr<SpeexResamplerState, SpeexDeleter> up(speex_resampler_init(1, 8000, 48000, 5, &err));
  const auto n = static_cast<spx_uint32_t>(samples_per_frame(profile.frame_duration_ms));
  const auto spf = static_cast<spx_uint32_t>(codec2_samples_per_frame(enc.get()));
  const auto bpf = static_cast<size_t>(codec2_bytes_per_frame(enc.get()));
  FrameCursor cursor(n);
  std::vector<int16_t> low(n / 6), out(n);
  std::vector<uint8_t> bits(16);
  for (auto _ : state) {
    spx_uint32_t in_len = n, low_len = n / 6;
    speex_resampler_process_int(down.get(), 0, cursor.next().data(), &in_len, low.data(), &low_len);
    for (spx_uint32_t at = 0, k = 0; at + spf <= low_len; at += spf, ++k) {
      codec2_encode(enc.get(), bits.data() + k * bpf, low.data() + at);
    }
    for (spx_uint32_t at = 0, k = 0; at + spf <= low_len; at += spf, ++k) {
      codec2_decode(dec.get(), low.data() + at, bits.data() + k * bpf);
    }
    spx_uint32_t out_len = n;
    speex_resampler_process_int(up.get(), 0, low.data(), &low_len, out.data(), &out_len);
    benchmark::DoNotOptimize(out.data());
  }
}

void wzp_resampler(benchmark::State& state) {
  auto down = Resampler::create(48000, 8000);
  auto up = Resampler::create(8000, 48000);
  FrameCursor cursor(960);
  std::vector<int16_t> low(160), out(960);
  for (auto _ : state) {
    auto a = down->process(cursor.next(), low);
    auto b = up->process(low, out);
    benchmark::DoNotOptimize(b);
  }
}

void bare_resampler(benchmark::State& state) {
  int err = 0;
  std::unique_ptr<SpeexResamplerState, SpeexDeleter> down(speex_resampler_init(1, 48000, 8000, 5, &err));
  std::unique_ptr<SpeexResamplerState, SpeexDeleter> up(speex_resampler_init(1, 8000, 48000, 5, &err));
  FrameCursor cursor(960);
  std::vector<int16_t> low(160), out(960);
  for (auto _ : state) {
    spx_uint32_t in_len = 960, low_len = 160, out_len = 960;
    speex_resampler_process_int(down.get(), 0, cursor.next().data(), &in_len, low.data(), &low_len);
    speex_resampler_process_int(up.get(), 0, low.data(), &low_len, out.data(), &out_len);
    benchmark::DoNotOptimize(out.data());
  }
}

BENCHMARK_CAPTURE(wzp_codec, GOOD, wzp::wire::kProfileGood);
BENCHMARK_CAPTURE(bare_opus, GOOD, wzp::wire::kProfileGood);
BENCHMARK_CAPTURE(wzp_codec, Opus16k, kOpus16k);
BENCHMARK_CAPTURE(bare_opus, Opus16k, kOpus16k);
BENCHMARK_CAPTURE(wzp_codec, DEGRADED, wzp::wire::kProfileDegraded);
BENCHMARK_CAPTURE(bare_opus, DEGRADED, wzp::wire::kProfileDegraded);
BENCHMARK_CAPTURE(wzp_codec, CATASTROPHIC, wzp::wire::kProfileCatastrophic);
BENCHMARK_CAPTURE(bare_codec2, CATASTROPHIC, wzp::wire::kProfileCatastrophic);
BENCHMARK_CAPTURE(wzp_codec, Codec2_3200, kCodec2Fast);
BENCHMARK_CAPTURE(bare_codec2, Codec2_3200, kCodec2Fast);
BENCHMARK(wzp_resampler);
BENCHMARK(bare_resampler);

}  // namespace

BENCHMARK_MAIN();

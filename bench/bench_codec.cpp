// Codec costs per frame (encode + decode of one frame of speech-like PCM) beside same-run
// baselines:
//   AudioEncoder + AudioDecoder, Opus profiles     vs bare libopus (same settings)
//   AudioEncoder + AudioDecoder, Codec2 profiles   vs bare libspeexdsp + libcodec2 (same chain)
//   Resampler 48k -> 8k -> 48k                     vs bare libspeexdsp
#include <benchmark/benchmark.h>
#include <speex/speex_resampler.h>

#include <memory>
#include <vector>

#include "media/codec/audio_decoder.hpp"
#include "media/codec/audio_encoder.hpp"
#include "media/codec/resampler.hpp"
#include "media/codec_signals.hpp"
#include "bare_codecs.hpp"

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

void bare_opus(benchmark::State& state, QualityProfile profile) {
  wzp::bench::BareOpus bare(profile, kLossPct);
  FrameCursor cursor(bare.frame_samples());
  std::vector<int16_t> out(kMaxFrameSamples);
  for (auto _ : state) benchmark::DoNotOptimize(bare.round_trip(cursor.next().data(), out.data()));
}

void bare_codec2(benchmark::State& state, QualityProfile profile) {
  wzp::bench::BareCodec2Chain bare(profile);
  FrameCursor cursor(bare.frame_samples());
  std::vector<int16_t> out(kMaxFrameSamples);
  for (auto _ : state) {
    bare.round_trip(cursor.next().data(), out.data());
    benchmark::DoNotOptimize(out.data());
  }
}

struct SpeexDeleter {
  void operator()(SpeexResamplerState* s) const { speex_resampler_destroy(s); }
};

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

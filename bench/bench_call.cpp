// The call engine's cost per 20/40 ms frame (send: silence check + encode + FEC + packetise;
// receive: parse + FEC + jitter buffer + decode), next to bare libopus / libcodec2 encoding
// and decoding the same frames in the same run.
#include <benchmark/benchmark.h>
#include <codec2/codec2.h>
#include <opus/opus.h>

#include <cmath>
#include <memory>
#include <numbers>
#include <vector>

#include "media/call/call_engine.hpp"

namespace {

using wzp::media::CallEngine;

// A voiced, varying signal (no silence: every frame is encoded).
std::vector<int16_t> signal(size_t n) {
  std::vector<int16_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    const double t = double(i) / 48000;
    out[i] = static_cast<int16_t>(4000 * std::sin(2 * std::numbers::pi * 180 * t) +
                                  2000 * std::sin(2 * std::numbers::pi * 720 * t * (1 + 0.1 * std::sin(t))));
  }
  return out;
}

void call_engine(benchmark::State& state, wzp::wire::QualityProfile profile) {
  std::vector<wzp::Bytes> wire;
  CallEngine::Sinks tx_sinks;
  tx_sinks.datagram = [&](wzp::ByteView d) { wire.emplace_back(d.begin(), d.end()); };
  wzp::media::CallEngineConfig config;
  config.profile = profile;
  config.adapt = false;
  auto tx = CallEngine::create(config, std::move(tx_sinks));
  CallEngine::Sinks rx_sinks;
  rx_sinks.datagram = [](wzp::ByteView) {};
  auto rx = CallEngine::create(config, std::move(rx_sinks));
  const size_t frame = wzp::media::samples_per_frame(profile.frame_duration_ms);
  const auto pcm = signal(frame * 500);
  std::vector<int16_t> out(wzp::media::kPlayoutSamples);
  size_t at = 0;
  int64_t now = 0;
  for (auto _ : state) {
    (void)(*tx)->send_pcm(std::span<const int16_t>(pcm.data() + at, frame), now);
    for (auto& d : wire) (*rx)->on_datagram(0, d, now);
    wire.clear();
    for (size_t s = 0; s < frame; s += wzp::media::kPlayoutSamples) {
      (*rx)->pull(0, out, now);
      now += 20;
    }
    at = (at + frame) % pcm.size();
  }
  state.SetItemsProcessed(state.iterations());
}

struct OpusEncDeleter {
  void operator()(OpusEncoder* e) const { opus_encoder_destroy(e); }
};
struct OpusDecDeleter {
  void operator()(OpusDecoder* d) const { opus_decoder_destroy(d); }
};

void bare_opus(benchmark::State& state, wzp::wire::QualityProfile profile) {
  int err = 0;
  std::unique_ptr<OpusEncoder, OpusEncDeleter> enc(
      opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err));
  std::unique_ptr<OpusDecoder, OpusDecDeleter> dec(opus_decoder_create(48000, 1, &err));
  opus_encoder_ctl(enc.get(),
                   OPUS_SET_BITRATE(static_cast<opus_int32>(wzp::wire::codec_bitrate_bps(profile.codec))));
  opus_encoder_ctl(enc.get(), OPUS_SET_INBAND_FEC(1));
  opus_encoder_ctl(enc.get(), OPUS_SET_PACKET_LOSS_PERC(1));
  const int frame = static_cast<int>(wzp::media::samples_per_frame(profile.frame_duration_ms));
  const auto pcm = signal(size_t(frame) * 500);
  std::vector<uint8_t> bits(512);
  std::vector<int16_t> out(1920);
  size_t at = 0;
  for (auto _ : state) {
    const int len = opus_encode(enc.get(), pcm.data() + at, frame, bits.data(), 512);
    benchmark::DoNotOptimize(opus_decode(dec.get(), bits.data(), len, out.data(), frame, 0));
    at = (at + size_t(frame)) % pcm.size();
  }
  state.SetItemsProcessed(state.iterations());
}

struct Codec2Deleter {
  void operator()(CODEC2* c) const { codec2_destroy(c); }
};

// Bare Codec2 at 8 kHz: the resampling the call needs is not counted here.
void bare_codec2(benchmark::State& state, int mode, int frames_per_packet) {
  std::unique_ptr<CODEC2, Codec2Deleter> enc(codec2_create(mode)), dec(codec2_create(mode));
  const int n = codec2_samples_per_frame(enc.get());
  std::vector<short> pcm(size_t(n) * 100);
  for (size_t i = 0; i < pcm.size(); ++i)
    pcm[i] = short(4000 * std::sin(2 * std::numbers::pi * 180 * double(i) / 8000));
  std::vector<unsigned char> bits(size_t(codec2_bytes_per_frame(enc.get())));
  std::vector<short> out(static_cast<size_t>(n));
  size_t at = 0;
  for (auto _ : state) {
    for (int f = 0; f < frames_per_packet; ++f) {
      codec2_encode(enc.get(), bits.data(), pcm.data() + at);
      codec2_decode(dec.get(), out.data(), bits.data());
      at = (at + size_t(n)) % (pcm.size() - size_t(n));
    }
  }
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(call_engine, GOOD, wzp::wire::kProfileGood);
BENCHMARK_CAPTURE(bare_opus, GOOD, wzp::wire::kProfileGood);
BENCHMARK_CAPTURE(call_engine, RESILIENT, wzp::wire::kProfileResilient);
BENCHMARK_CAPTURE(bare_opus, RESILIENT, wzp::wire::kProfileResilient);
BENCHMARK_CAPTURE(call_engine, DEGRADED, wzp::wire::kProfileDegraded);
BENCHMARK_CAPTURE(bare_opus, DEGRADED, wzp::wire::kProfileDegraded);
BENCHMARK_CAPTURE(call_engine, CATASTROPHIC, wzp::wire::kProfileCatastrophic);
BENCHMARK_CAPTURE(bare_codec2, CATASTROPHIC, CODEC2_MODE_1200, 1);
BENCHMARK_MAIN();

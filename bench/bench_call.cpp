// The call engine's cost per 20/40 ms frame (send: silence check + encode + FEC + packetise;
// receive: parse + FEC + jitter buffer + decode), next to bare libopus, or bare
// libspeexdsp + libcodec2 (the same resampling chain), encoding and decoding the same frames in
// the same run.
#include <benchmark/benchmark.h>
#include <cmath>
#include <memory>
#include <numbers>
#include <vector>

#include "bare_codecs.hpp"
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

void bare_opus(benchmark::State& state, wzp::wire::QualityProfile profile) {
  // The engine's encoder expects 1 % loss until a report says otherwise (in-band FEC live).
  wzp::bench::BareOpus bare(profile, 1);
  const auto pcm = signal(bare.frame_samples() * 500);
  std::vector<int16_t> out(1920);
  size_t at = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(bare.round_trip(pcm.data() + at, out.data()));
    at = (at + bare.frame_samples()) % pcm.size();
  }
  state.SetItemsProcessed(state.iterations());
}

// The chain the call runs for Codec2: 48 kHz -> 8 kHz, encode, decode, 8 kHz -> 48 kHz.
void bare_codec2(benchmark::State& state, wzp::wire::QualityProfile profile) {
  wzp::bench::BareCodec2Chain bare(profile);
  const auto pcm = signal(bare.frame_samples() * 500);
  std::vector<int16_t> out(1920);
  size_t at = 0;
  for (auto _ : state) {
    bare.round_trip(pcm.data() + at, out.data());
    benchmark::DoNotOptimize(out.data());
    at = (at + bare.frame_samples()) % pcm.size();
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
BENCHMARK_CAPTURE(bare_codec2, CATASTROPHIC, wzp::wire::kProfileCatastrophic);
BENCHMARK_MAIN();

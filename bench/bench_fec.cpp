// FEC and packetisation costs per block, beside same-run baselines:
//   MediaPacketizer (K frames -> sources + repairs)   vs bare ISA-L ec_encode_data on the
//                                                        block's ready padded symbols
//   FecReceiver (one block with min(R, K) sources     vs bare ISA-L decode of the same
//   lost, rebuilt)                                       erasures (invert, init, encode)
//   and, for scale, one bare libopus encode of a 20 ms frame at 24 kbit/s.
#include <benchmark/benchmark.h>
#include <isa-l/erasure_code.h>
#include <opus.h>

#include <cmath>
#include <memory>
#include <random>
#include <vector>

#include "media/fec/erasure_code.hpp"
#include "media/fec/fec_receiver.hpp"
#include "media/fec/media_packetizer.hpp"
#include "media/fec/repair_format.hpp"
#include "wire/media_packet.hpp"

namespace {

using namespace wzp;
using namespace wzp::media;

struct Case {
  wire::QualityProfile profile;
  size_t frame_bytes;  // typical encoded frame of the codec
};

// GOOD, DEGRADED, CATASTROPHIC, RESILIENT, RESILIENT_DEEP.
const Case kCases[] = {
    {wire::kProfileGood, 60},      {wire::kProfileDegraded, 30},      {wire::kProfileCatastrophic, 6},
    {wire::kProfileResilient, 40}, {wire::kProfileResilientDeep, 40},
};

std::vector<Bytes> frames_for(const Case& c, size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Bytes> frames(count);
  for (auto& f : frames) {
    // Opus is VBR: lengths vary around the nominal size; Codec2 frames are fixed.
    const size_t len = c.frame_bytes <= 8 ? c.frame_bytes : c.frame_bytes - 8 + rng() % 17;
    f.resize(len);
    for (auto& b : f) b = static_cast<uint8_t>(rng());
  }
  return frames;
}

size_t k_of(const Case& c) { return c.profile.frames_per_block; }
size_t r_of(const Case& c) { return repair_count(k_of(c), c.profile.fec_ratio); }

void set_labels(benchmark::State& state, const Case& c) {
  state.SetLabel("K=" + std::to_string(k_of(c)) + " R=" + std::to_string(r_of(c)) +
                 " frame=" + std::to_string(c.frame_bytes) + "B");
  state.counters["blocks/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void packetize_block(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  const auto frames = frames_for(c, k_of(c) * 64, 1);
  MediaPacketizer packetizer(c.profile);
  std::vector<Bytes> out;
  size_t next = 0;
  for (auto _ : state) {
    out.clear();
    for (size_t i = 0; i < k_of(c); ++i) packetizer.push_frame(frames[next++ % frames.size()], out);
    benchmark::DoNotOptimize(out.data());
  }
  set_labels(state, c);
}

// range(1): 0 = over T bytes as a direct call would, 1 = over T rounded up to 64 bytes
// (what MediaPacketizer codes over, erasure_code.hpp coded_length).
size_t bare_length(const Case& c, int64_t aligned) {
  const size_t t = 2 + c.frame_bytes + 8;  // the block's longest frame
  return aligned != 0 ? coded_length(t) : t;
}

void bare_encode(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  const size_t k = k_of(c);
  const size_t r = r_of(c);
  const size_t t = bare_length(c, state.range(1));
  std::vector<uint8_t> matrix((k + r) * k);
  std::vector<uint8_t> tables(32 * k * r);
  gf_gen_cauchy1_matrix(matrix.data(), static_cast<int>(k + r), static_cast<int>(k));
  ec_init_tables(static_cast<int>(k), static_cast<int>(r), matrix.data() + k * k, tables.data());
  std::vector<Bytes> symbols(k + r, Bytes(t, 0x5A));
  std::vector<uint8_t*> sources, repairs;
  for (size_t i = 0; i < k; ++i) sources.push_back(symbols[i].data());
  for (size_t i = 0; i < r; ++i) repairs.push_back(symbols[k + i].data());
  for (auto _ : state) {
    ec_encode_data(static_cast<int>(t), static_cast<int>(k), static_cast<int>(r), tables.data(),
                   sources.data(), repairs.data());
    benchmark::DoNotOptimize(repairs[0][0]);
  }
  set_labels(state, c);
}

// A stream of blocks, each with min(R, K) sources lost, cycled through one receiver.
void receive_rebuild(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  const size_t k = k_of(c);
  const size_t lost = std::min(r_of(c), k);
  const size_t blocks = 4096 / (k + r_of(c)) + 1;  // long enough to wrap seq and block ids
  const auto frames = frames_for(c, k * blocks, 2);
  MediaPacketizer packetizer(c.profile);
  std::vector<std::vector<Bytes>> per_block(blocks);
  for (size_t b = 0; b < blocks; ++b) {
    std::vector<Bytes> out;
    for (size_t i = 0; i < k; ++i) packetizer.push_frame(frames[b * k + i], out);
    for (size_t i = lost; i < out.size(); ++i) per_block[b].push_back(std::move(out[i]));
  }
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  size_t b = 0;
  for (auto _ : state) {
    recovered.clear();
    for (const auto& d : per_block[b]) {
      auto packet = wire::parse_media_packet(d);
      receiver.on_packet(*packet, recovered);
    }
    b = (b + 1) % blocks;
    benchmark::DoNotOptimize(recovered.data());
  }
  state.counters["recovered/block"] = benchmark::Counter(
      static_cast<double>(receiver.stats().frames_recovered) / static_cast<double>(state.iterations()));
  set_labels(state, c);
}

void bare_decode(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  const size_t k = k_of(c);
  const size_t r = r_of(c);
  const size_t lost = std::min(r, k);
  const size_t t = bare_length(c, state.range(1));
  std::vector<uint8_t> matrix((k + r) * k);
  gf_gen_cauchy1_matrix(matrix.data(), static_cast<int>(k + r), static_cast<int>(k));
  std::vector<Bytes> symbols(k + r, Bytes(t, 0x33));
  std::vector<uint8_t*> inputs;
  std::vector<uint8_t> survivors;
  for (size_t i = lost; i < lost + k; ++i) {
    survivors.push_back(static_cast<uint8_t>(i));
    inputs.push_back(symbols[i].data());
  }
  std::vector<Bytes> out(lost, Bytes(t));
  std::vector<uint8_t*> outputs;
  for (auto& o : out) outputs.push_back(o.data());
  std::vector<uint8_t> rows(k * k), inverse(k * k), decode_rows(lost * k), tables(32 * k * lost);
  for (auto _ : state) {
    for (size_t i = 0; i < k; ++i) std::copy_n(matrix.data() + survivors[i] * k, k, rows.data() + i * k);
    gf_invert_matrix(rows.data(), inverse.data(), static_cast<int>(k));
    for (size_t m = 0; m < lost; ++m) std::copy_n(inverse.data() + m * k, k, decode_rows.data() + m * k);
    ec_init_tables(static_cast<int>(k), static_cast<int>(lost), decode_rows.data(), tables.data());
    ec_encode_data(static_cast<int>(t), static_cast<int>(k), static_cast<int>(lost), tables.data(),
                   inputs.data(), outputs.data());
    benchmark::DoNotOptimize(outputs[0][0]);
  }
  set_labels(state, c);
}

struct OpusEncoderDeleter {
  void operator()(OpusEncoder* e) const { opus_encoder_destroy(e); }
};

void bare_opus_encode_20ms(benchmark::State& state) {
  int error = 0;
  std::unique_ptr<OpusEncoder, OpusEncoderDeleter> encoder(
      opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &error));
  opus_encoder_ctl(encoder.get(), OPUS_SET_BITRATE(24000));
  std::vector<opus_int16> pcm(960);
  for (size_t i = 0; i < pcm.size(); ++i) {
    pcm[i] = static_cast<opus_int16>(8000 * std::sin(2 * 3.14159265 * 440 * static_cast<double>(i) / 48000));
  }
  std::vector<unsigned char> out(1500);
  for (auto _ : state) {
    const int n =
        opus_encode(encoder.get(), pcm.data(), 960, out.data(), static_cast<opus_int32>(out.size()));
    benchmark::DoNotOptimize(n);
  }
}

}  // namespace

BENCHMARK(packetize_block)->DenseRange(0, 4);
BENCHMARK(bare_encode)->ArgsProduct({{0, 1, 2, 3, 4}, {0, 1}});
BENCHMARK(receive_rebuild)->DenseRange(0, 4);
BENCHMARK(bare_decode)->ArgsProduct({{0, 1, 2, 3, 4}, {0, 1}});
BENCHMARK(bare_opus_encode_20ms);
BENCHMARK_MAIN();

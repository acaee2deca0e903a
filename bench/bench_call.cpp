// The call engine's cost per 20/40 ms frame (send: silence check + encode + FEC + packetise;
// receive: parse + FEC + jitter buffer + decode), next to bare libopus, or bare
// libspeexdsp + libcodec2 (the same resampling chain), encoding and decoding the same frames in
// the same run.
//
// End-to-end encryption (e2e::FrameProtection as the engines' payload protection, keys handed
// over directly as after the key exchange), in the same run:
//   BM_CallFrame/plain vs /e2e    one GOOD frame sent and received (encode, packetise, protect,
//                                 unprotect, decode), the same input
//   BM_CallFramePaired            the same two, frame by frame in one loop (drift cancels out)
//   BM_FrameProtectUnprotect      FrameProtection::protect + unprotect of one media datagram
//                                 (12-byte header + 100-byte payload); its same-size baselines
//                                 are bench_crypto's BM_SframeProtectUnprotect (bare SFrame) and
//                                 BM_BareGnutlsAesGcm (bare GnuTLS AES-128-GCM seal + open)
//   BM_CallLoss20                 a 20 s call under 20 % seeded datagram loss, clear and
//                                 encrypted: what the receiver played (counters), which must match
#include <benchmark/benchmark.h>
#include <cmath>
#include <ctime>
#include <memory>
#include <numbers>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "bare_codecs.hpp"
#include "e2e/frame_protection.hpp"
#include "e2e/policy.hpp"
#include "e2e/sender_key.hpp"
#include "media/call/call_engine.hpp"
#include "wire/media_packet.hpp"

namespace {

using wzp::e2e::FrameProtection;
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

// A sender and a receiver engine joined directly (no network), both with e2e::FrameProtection
// (policy required; the sender's key handed to the receiver as the key exchange would) or both
// with the engine's default identity protection. Adaptation is off: both runs send the same packets.
struct CallPair {
  std::vector<wzp::Bytes> wire;  // what the sender sent since the last delivery
  std::unique_ptr<CallEngine> tx, rx;
  std::shared_ptr<FrameProtection> tx_protection, rx_protection;  // null: clear

  static std::unique_ptr<CallPair> create(const wzp::wire::QualityProfile& profile, bool e2e) {
    auto pair = std::make_unique<CallPair>();
    CallPair* self = pair.get();
    wzp::media::CallEngineConfig config;
    config.profile = profile;
    config.adapt = false;
    CallEngine::Sinks tx_sinks;
    tx_sinks.datagram = [self](wzp::ByteView d) { self->wire.emplace_back(d.begin(), d.end()); };
    auto tx = CallEngine::create(config, std::move(tx_sinks));
    CallEngine::Sinks rx_sinks;
    rx_sinks.datagram = [](wzp::ByteView) {};
    auto rx = CallEngine::create(config, std::move(rx_sinks));
    if (!tx || !rx) return nullptr;
    pair->tx = std::move(*tx);
    pair->rx = std::move(*rx);
    if (e2e) {
      pair->tx_protection = std::make_shared<FrameProtection>(wzp::e2e::Policy::required);
      pair->rx_protection = std::make_shared<FrameProtection>(wzp::e2e::Policy::required);
      const auto key = wzp::e2e::SenderKey::fresh();
      if (!pair->tx_protection->set_send_key(key) ||
          !pair->rx_protection->add_receive_key("tx", key.kid(), key.base, false))
        return nullptr;
      pair->tx->set_protection(pair->tx_protection);
      pair->rx->set_protection(pair->rx_protection);
    }
    return pair;
  }
};

// One frame through both engines: send_pcm, every datagram delivered, one frame of playout.
// Returns the datagrams sent.
size_t call_frame(CallPair& pair, std::span<const int16_t> frame, int64_t& now, std::vector<int16_t>& out) {
  (void)pair.tx->send_pcm(frame, now);
  for (auto& d : pair.wire) pair.rx->on_datagram(0, d, now);
  const size_t sent = pair.wire.size();
  pair.wire.clear();
  for (size_t s = 0; s < frame.size(); s += wzp::media::kPlayoutSamples) {
    pair.rx->pull(0, out, now);
    now += 20;
  }
  return sent;
}

bool all_opened(const CallPair& pair, uint64_t datagrams) {
  if (!pair.rx_protection) return true;
  const auto c = pair.rx_protection->counters();
  return c.decrypted == datagrams && c.decrypt_failed + c.malformed + c.replayed + c.missing_key == 0;
}

// One GOOD frame per iteration. The e2e run differs only by the protection stage (the same PCM,
// the same packets).
void BM_CallFrame(benchmark::State& state, bool e2e) {
  const auto profile = wzp::wire::kProfileGood;
  auto pair = CallPair::create(profile, e2e);
  if (!pair) {
    state.SkipWithError("call setup failed");
    return;
  }
  const size_t frame = wzp::media::samples_per_frame(profile.frame_duration_ms);
  const auto pcm = signal(frame * 500);
  std::vector<int16_t> out(wzp::media::kPlayoutSamples);
  size_t at = 0;
  int64_t now = 0;
  uint64_t datagrams = 0;
  for (auto _ : state) {
    datagrams += call_frame(*pair, std::span<const int16_t>(pcm.data() + at, frame), now, out);
    at = (at + frame) % pcm.size();
  }
  state.SetItemsProcessed(state.iterations());
  const double iterations = double(std::max<int64_t>(1, state.iterations()));
  const auto played = pair->rx->source_stats(0);
  state.counters["datagrams/frame"] = double(datagrams) / iterations;
  state.counters["decoded/frame"] = played ? double(played->decoded) / iterations : 0.0;
  if (!all_opened(*pair, datagrams)) state.SkipWithError("not every datagram was opened");
}

// This thread's CPU time (preemption by the machine's other work is not counted).
int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The two calls above frame by frame in one loop (which goes first alternates), each frame timed
// on its own in thread CPU time: on a shared machine whose speed drifts between repetitions,
// both see the same drift, so the difference is the protection's. Counters: CPU microseconds per
// frame, clear and encrypted, their difference and ratio. The time column is one frame of each.
void BM_CallFramePaired(benchmark::State& state) {
  const auto profile = wzp::wire::kProfileGood;
  auto plain = CallPair::create(profile, false), enc = CallPair::create(profile, true);
  if (!plain || !enc) {
    state.SkipWithError("call setup failed");
    return;
  }
  const size_t frame = wzp::media::samples_per_frame(profile.frame_duration_ms);
  const auto pcm = signal(frame * 500);
  std::vector<int16_t> out(wzp::media::kPlayoutSamples);
  size_t at = 0;
  int64_t now_plain = 0, now_enc = 0;
  uint64_t datagrams_enc = 0;
  int64_t spent_plain = 0, spent_enc = 0;
  bool enc_first = false;
  for (auto _ : state) {
    const std::span<const int16_t> input(pcm.data() + at, frame);
    for (int k = 0; k < 2; ++k) {
      const bool e2e = (k == 0) == enc_first;
      const int64_t t0 = thread_cpu_ns();
      const size_t sent = call_frame(e2e ? *enc : *plain, input, e2e ? now_enc : now_plain, out);
      (e2e ? spent_enc : spent_plain) += thread_cpu_ns() - t0;
      if (e2e) datagrams_enc += sent;
    }
    enc_first = !enc_first;
    at = (at + frame) % pcm.size();
  }
  const double iterations = double(std::max<int64_t>(1, state.iterations()));
  const double plain_us = double(spent_plain) / 1000 / iterations;
  const double enc_us = double(spent_enc) / 1000 / iterations;
  state.counters["plain_us"] = plain_us;
  state.counters["e2e_us"] = enc_us;
  state.counters["overhead_us"] = enc_us - plain_us;
  state.counters["e2e/plain"] = plain_us > 0 ? enc_us / plain_us : 0.0;
  if (!all_opened(*enc, datagrams_enc)) state.SkipWithError("not every datagram was opened");
}

// FrameProtection::protect (sender) + unprotect (receiver) of one media datagram: a GOOD media
// header and a `payload`-byte payload, no quality report. Each iteration copies the plain
// datagram in first (protect works in place): a memcpy of 112 bytes into reserved space.
void BM_FrameProtectUnprotect(benchmark::State& state) {
  const auto payload = static_cast<size_t>(state.range(0));
  FrameProtection tx(wzp::e2e::Policy::required), rx(wzp::e2e::Policy::required);
  const auto key = wzp::e2e::SenderKey::fresh();
  if (!tx.set_send_key(key) || !rx.add_receive_key("tx", key.kid(), key.base, false)) {
    state.SkipWithError("key setup failed");
    return;
  }
  wzp::wire::MediaHeader header;
  header.codec = wzp::wire::CodecId::opus24k;
  header.seq = 1;
  header.timestamp = 960;
  wzp::Bytes plain;
  wzp::wire::append_media_packet(plain, header, wzp::Bytes(payload, 7), std::nullopt);
  wzp::Bytes datagram, scratch;
  datagram.reserve(256);
  scratch.reserve(256);
  size_t sealed_size = 0;
  for (auto _ : state) {
    datagram.assign(plain.begin(), plain.end());
    if (!tx.protect(datagram)) {
      state.SkipWithError("protect failed");
      break;
    }
    sealed_size = datagram.size();
    auto opened = rx.unprotect(1, datagram, scratch);
    if (!opened || opened->size() != plain.size()) {
      state.SkipWithError("unprotect failed");
      break;
    }
    benchmark::DoNotOptimize(opened->data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["plain_bytes"] = double(plain.size());
  state.counters["sealed_bytes"] = double(sealed_size);
}

// What one receiver played of a call under seeded loss.
struct LossRun {
  wzp::media::JitterBuffer::Stats jitter{};
  wzp::media::FecReceiver::Stats fec{};
  uint64_t sent = 0, dropped = 0, decoded = 0, not_marked = 0, opened = 0;
  uint32_t pcm_hash = 2166136261u;  // FNV-1a of every sample played
};

std::optional<LossRun> run_under_loss(bool e2e, int frames, double loss, uint64_t seed) {
  const auto profile = wzp::wire::kProfileGood;
  auto pair = CallPair::create(profile, e2e);
  if (!pair) return std::nullopt;
  const size_t frame = wzp::media::samples_per_frame(profile.frame_duration_ms);
  const auto pcm = signal(frame * 500);
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution drop(loss);
  std::vector<int16_t> out(wzp::media::kPlayoutSamples);
  LossRun run;
  size_t at = 0;
  int64_t now = 0;
  for (int f = 0; f < frames; ++f) {
    (void)pair->tx->send_pcm(std::span<const int16_t>(pcm.data() + at, frame), now);
    for (auto& d : pair->wire) {
      ++run.sent;
      if (e2e && (d.size() <= wzp::e2e::kEncryptedMarkerOffset ||
                  d[wzp::e2e::kEncryptedMarkerOffset] != wzp::e2e::kEncryptedMarker))
        ++run.not_marked;
      if (drop(rng)) {
        ++run.dropped;
        continue;
      }
      pair->rx->on_datagram(0, d, now);
    }
    pair->wire.clear();
    for (size_t s = 0; s < frame; s += wzp::media::kPlayoutSamples) {
      pair->rx->pull(0, out, now);
      for (const int16_t x : out) {
        run.pcm_hash = (run.pcm_hash ^ static_cast<uint16_t>(x)) * 16777619u;
      }
      now += 20;
    }
    at = (at + frame) % pcm.size();
  }
  const auto st = pair->rx->source_stats(0);
  if (!st) return std::nullopt;
  run.jitter = st->jitter;
  run.fec = st->fec;
  run.decoded = st->decoded;
  if (e2e) run.opened = pair->rx_protection->counters().decrypted;
  return run;
}

// A 20 s GOOD call (1000 frames) under 20 % datagram loss (the same seed: the same datagrams
// dropped), clear and encrypted, per iteration. Counters: frames the receiver played from data
// (decoded or rebuilt by Reed-Solomon), made up by Opus in-band FEC, concealed; pcm_equal is 1
// when both runs played exactly the same samples. Fails if anything differs.
void BM_CallLoss20(benchmark::State& state) {
  constexpr int kFrames = 1000;
  constexpr double kLoss = 0.2;
  constexpr uint64_t kSeed = 4242;
  std::optional<LossRun> plain, enc;
  for (auto _ : state) {
    plain = run_under_loss(false, kFrames, kLoss, kSeed);
    enc = run_under_loss(true, kFrames, kLoss, kSeed);
    if (!plain || !enc) {
      state.SkipWithError("call setup failed");
      return;
    }
  }
  if (!plain || !enc) return;
  auto& c = state.counters;
  c["sent"] = double(plain->sent);
  c["dropped_plain"] = double(plain->dropped);
  c["dropped_e2e"] = double(enc->dropped);
  c["played_plain"] = double(plain->jitter.played);
  c["played_e2e"] = double(enc->jitter.played);
  c["rs_rebuilt_plain"] = double(plain->jitter.recovered_played);
  c["rs_rebuilt_e2e"] = double(enc->jitter.recovered_played);
  c["opus_fec_plain"] = double(plain->jitter.fec_next);
  c["opus_fec_e2e"] = double(enc->jitter.fec_next);
  c["concealed_plain"] = double(plain->jitter.concealed);
  c["concealed_e2e"] = double(enc->jitter.concealed);
  c["pcm_equal"] = plain->pcm_hash == enc->pcm_hash ? 1.0 : 0.0;
  const bool same = plain->sent == enc->sent && plain->dropped == enc->dropped &&
                    plain->jitter.played == enc->jitter.played &&
                    plain->jitter.recovered_played == enc->jitter.recovered_played &&
                    plain->jitter.fec_next == enc->jitter.fec_next &&
                    plain->jitter.concealed == enc->jitter.concealed && plain->decoded == enc->decoded &&
                    plain->fec.frames_recovered == enc->fec.frames_recovered &&
                    plain->pcm_hash == enc->pcm_hash;
  if (!same) state.SkipWithError("encryption changed what was played under loss");
  if (enc->not_marked != 0 || enc->opened != enc->sent - enc->dropped)
    state.SkipWithError("not every encrypted datagram was sealed and opened");
}

}  // namespace

BENCHMARK_CAPTURE(BM_CallFrame, plain, false);
BENCHMARK_CAPTURE(BM_CallFrame, e2e, true);
BENCHMARK(BM_CallFramePaired);
BENCHMARK(BM_FrameProtectUnprotect)->Arg(100);
BENCHMARK(BM_CallLoss20)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(call_engine, GOOD, wzp::wire::kProfileGood);
BENCHMARK_CAPTURE(bare_opus, GOOD, wzp::wire::kProfileGood);
BENCHMARK_CAPTURE(call_engine, RESILIENT, wzp::wire::kProfileResilient);
BENCHMARK_CAPTURE(bare_opus, RESILIENT, wzp::wire::kProfileResilient);
BENCHMARK_CAPTURE(call_engine, DEGRADED, wzp::wire::kProfileDegraded);
BENCHMARK_CAPTURE(bare_opus, DEGRADED, wzp::wire::kProfileDegraded);
BENCHMARK_CAPTURE(call_engine, CATASTROPHIC, wzp::wire::kProfileCatastrophic);
BENCHMARK_CAPTURE(bare_codec2, CATASTROPHIC, wzp::wire::kProfileCatastrophic);
BENCHMARK_MAIN();

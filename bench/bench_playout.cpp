// The jitter buffer, beside same-run baselines:
//   push + pop of one 60-byte frame per period  vs std::map insert + erase of the same frame
//   the delay the buffer adds on a simulated path (virtual clock) with 0 and 20 ms jitter,
//   with and without 5 % loss rebuilt by FEC: reported as counters (ms), not CPU time.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <queue>
#include <random>
#include <vector>

#include "media/playout/jitter_buffer.hpp"

namespace {

using wzp::Bytes;
using wzp::media::JitterBuffer;
using wzp::media::JitterEntry;

constexpr size_t kFrameBytes = 60;  // a GOOD (Opus 24k) frame
constexpr uint32_t kDepth = 3;      // frames held in steady state (60 ms at 20 ms frames)

JitterEntry entry(uint32_t i) {
  JitterEntry e;
  e.seq = static_cast<uint16_t>(i);
  e.timestamp = i * 20;
  e.frame.assign(kFrameBytes, static_cast<uint8_t>(i));
  return e;
}

// Steady state: every period one frame arrives on time and one is played.
void BM_JitterBufferPushPop(benchmark::State& state) {
  JitterBuffer jb;
  uint32_t i = 0;
  for (; i < kDepth; ++i) jb.push(entry(i), i * 20);
  const Bytes payload(kFrameBytes, 7);
  for (auto _ : state) {
    JitterEntry e;
    e.seq = static_cast<uint16_t>(i);
    e.timestamp = i * 20;
    e.frame = payload;
    jb.push(std::move(e), int64_t{i} * 20);
    auto out = jb.pop(int64_t{i} * 20);
    benchmark::DoNotOptimize(out);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JitterBufferPushPop);

// Baseline: the bare ordered container the buffer is built on, same frame copy.
void BM_MapInsertErase(benchmark::State& state) {
  std::map<uint32_t, Bytes> m;
  uint32_t i = 0;
  for (; i < kDepth; ++i) m.emplace(i, Bytes(kFrameBytes, 1));
  const Bytes payload(kFrameBytes, 7);
  for (auto _ : state) {
    m.emplace(i, payload);
    auto node = m.extract(m.begin());
    benchmark::DoNotOptimize(node);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MapInsertErase);

// A 5-minute GOOD call on a virtual clock: 30 ms base transit plus uniform [0, jitter] ms,
// `loss_pct` random loss with blocks of 5 + 1 repair rebuilt when any 5 arrive. Counters:
// the delay the buffer adds (mean and maximum over played frames), its final target, and
// frames played / concealed per 100 sent.
void BM_AddedDelay(benchmark::State& state) {
  const auto jitter = static_cast<uint32_t>(state.range(0));
  const double loss = static_cast<double>(state.range(1)) / 100.0;
  constexpr uint32_t kFrames = 15000;
  double mean = 0, max_delay = 0, target = 0, played = 0, concealed = 0;
  for (auto _ : state) {
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    struct Arrival {
      int64_t at;
      uint32_t frame;  // kFrames + block for a repair
    };
    const auto later = [](const Arrival& a, const Arrival& b) { return a.at > b.at; };
    std::priority_queue<Arrival, std::vector<Arrival>, decltype(later)> q(later);
    for (uint32_t f = 0; f < kFrames; ++f) {
      const auto send = [&](uint32_t what) {
        if (unit(rng) >= loss) q.push({f * 20 + 30 + static_cast<int64_t>(unit(rng) * (jitter + 1)), what});
      };
      send(f);
      if (f % 5 == 4) send(kFrames + f / 5);
    }
    JitterBuffer jb;
    std::vector<uint8_t> got(kFrames, 0);
    std::vector<uint8_t> block_count(kFrames / 5, 0);
    double sum = 0;
    uint64_t n = 0;
    uint32_t mx = 0;
    const auto seq_of = [](uint32_t f) { return static_cast<uint16_t>(f + f / 5); };
    for (int64_t tick = 0; tick < int64_t{kFrames} * 20 + 1000; tick += 20) {
      while (!q.empty() && q.top().at <= tick) {
        const Arrival a = q.top();
        q.pop();
        const uint32_t block = a.frame >= kFrames ? a.frame - kFrames : a.frame / 5;
        if (a.frame >= kFrames) {
          jb.note_repair_seq(static_cast<uint16_t>(block * 6 + 5));
        } else {
          got[a.frame] = 1;
          JitterEntry e = entry(a.frame);
          e.seq = seq_of(a.frame);
          jb.push(std::move(e), a.at);
        }
        if (++block_count[block] == 5) {  // any 5 of 6: rebuild what is missing
          for (uint32_t f = block * 5; f < block * 5 + 5; ++f) {
            if (got[f]) continue;
            got[f] = 1;
            JitterEntry e = entry(f);
            e.seq = seq_of(f);
            e.recovered = true;
            jb.push(std::move(e), a.at);
          }
        }
      }
      const auto out = jb.pop(tick);
      if (out.kind == JitterBuffer::Playout::Kind::frame) {
        const uint32_t d = jb.stats().current_delay_ms;
        sum += d;
        mx = std::max(mx, d);
        ++n;
      }
    }
    const auto st = jb.stats();
    mean = n ? sum / static_cast<double>(n) : 0;
    max_delay = mx;
    target = st.target_delay_ms;
    played = 100.0 * static_cast<double>(st.played) / kFrames;
    concealed = 100.0 * static_cast<double>(st.concealed + st.fec_next) / kFrames;
  }
  state.counters["added_delay_mean_ms"] = mean;
  state.counters["added_delay_max_ms"] = max_delay;
  state.counters["target_ms"] = target;
  state.counters["played_pct"] = played;
  state.counters["concealed_pct"] = concealed;
}
BENCHMARK(BM_AddedDelay)
    ->Args({0, 0})
    ->Args({20, 0})
    ->Args({0, 5})
    ->Args({20, 5})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();

// The adaptive delay: the estimator (the reference's adaptive jitter tests, adapted to
// milliseconds), spikes and their decay, and long simulated calls on a virtual clock with
// loss, jitter, FEC blocks (repair seqs in the sequence space) and silence suppression.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <queue>
#include <random>
#include <vector>

#include "jitter_test_util.hpp"
#include "media/playout/delay_estimator.hpp"
#include "media/playout/jitter_buffer.hpp"

namespace wzp::media {
namespace {

using test::Kind;

TEST(DelayEstimator, StableArrivalsKeepTheMinimum) {
  DelayEstimator e;
  for (int i = 0; i < 200; ++i) e.on_arrival(i * 20, i * 20 + 35, false);
  EXPECT_EQ(e.target_ms(200 * 20), 40u);
  EXPECT_EQ(e.jitter_ms(), 0u);
  EXPECT_EQ(e.base(), 35);
}

TEST(DelayEstimator, AlternatingJitterRaisesTheTarget) {
  DelayEstimator e;
  for (int i = 0; i < 200; ++i) e.on_arrival(i * 20, i * 20 + (i % 2 ? 60 : 0), false);
  EXPECT_GE(e.target_ms(4000), 70u);  // the 60 ms lateness plus the 10 ms margin
  EXPECT_GT(e.jitter_ms(), 30u);
}

TEST(DelayEstimator, DecaysAfterRecovery) {
  DelayEstimator e;
  int64_t t = 0;
  for (int i = 0; i < 200; ++i, t += 20) e.on_arrival(t, t + (i % 2 ? 30 : -30), false);
  const uint32_t high = e.target_ms(t);
  const uint32_t jitter = e.jitter_ms();
  for (int i = 0; i < 400; ++i, t += 20) e.on_arrival(t, t - 30, false);  // 8 s on time
  EXPECT_LT(e.target_ms(t), high);
  EXPECT_LT(e.jitter_ms(), jitter);
  EXPECT_EQ(e.target_ms(t + 60000), 40u);
}

TEST(DelayEstimator, TargetIsClamped) {
  DelayEstimatorConfig c;
  c.min_delay_ms = 60;
  c.max_delay_ms = 200;
  DelayEstimator e(c);
  for (int i = 0; i < 100; ++i) e.on_arrival(i * 20, i * 20 + (i % 2 ? 500 : 0), false);
  EXPECT_EQ(e.target_ms(2000), 200u);
  EXPECT_EQ(DelayEstimator(c).target_ms(0), 60u);
}

TEST(DelayEstimator, FirstUpdateOnlySeeds) {
  DelayEstimator e;
  EXPECT_EQ(e.on_arrival(0, 100, false), 0);
  EXPECT_EQ(e.jitter_ms(), 0u);
  EXPECT_EQ(e.on_arrival(20, 170, false), 50);
  EXPECT_GT(e.jitter_ms(), 0u);
  EXPECT_LE(e.jitter_ms(), 50u);
}

TEST(DelayEstimator, RecoveredFramesRaiseTheTargetOnlyWhenWaitingForFec) {
  DelayEstimatorConfig c;
  DelayEstimator waiting(c);
  c.wait_for_fec = false;
  DelayEstimator not_waiting(c);
  for (auto* e : {&waiting, &not_waiting}) {
    for (int i = 0; i < 10; ++i) e->on_arrival(i * 20, i * 20, false);
    e->on_arrival(100, 200, true);  // rebuilt by the block's repair, 100 ms after its time
    EXPECT_EQ(e->base(), 0);        // recovered frames never move the base
  }
  EXPECT_EQ(waiting.target_ms(200), 110u);
  EXPECT_EQ(not_waiting.target_ms(200), 40u);
}

// ---- Simulated calls --------------------------------------------------------------------

struct Profile {
  wire::CodecId codec;
  uint32_t frame_ms;
  uint32_t k;  // source frames per block
  uint32_t r;  // repairs per block
};
constexpr Profile kGood{wire::CodecId::opus24k, 20, 5, 1};
constexpr Profile kDegraded{wire::CodecId::opus6k, 40, 10, 5};

struct Network {
  double loss = 0.0;
  uint32_t jitter_ms = 0;  // uniform extra delay in [0, jitter_ms]
  uint32_t base_ms = 30;
  // Optional spike: packets sent in [spike_from, spike_to) get spike_ms more delay.
  int64_t spike_from = -1, spike_to = -1;
  uint32_t spike_ms = 0;
};

struct Talk {
  bool suppress = false;  // 2 s talk spurts, 1 s suppressed (a CN every 10 frames)
};

struct CallResult {
  JitterBuffer::Stats stats;
  JitterBuffer::Stats stats_at_end;  // when the sender stopped, before the buffer drained
  uint64_t frames_sent = 0;
  uint64_t frames_available = 0;  // frames that arrived or FEC rebuilt, in time or not
  uint32_t max_delay = 0;         // the largest current delay while frames played
  uint32_t max_target = 0;        // the largest target seen
  uint32_t final_delay = 0;
  std::vector<uint32_t> delay_per_second;  // current delay sampled once a second
};

// One sender -> network -> FEC (any K of K+R rebuild the block) -> jitter buffer -> a
// playout clock that pops when the previous frame has been played.
CallResult simulate(const Profile& p, const Network& net, const Talk& talk, uint32_t frames, uint64_t seed,
                    JitterConfig config = {}) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  struct Packet {
    int64_t arrival;
    int kind;  // 0 source, 1 repair, 2 CN
    uint16_t seq;
    uint32_t ts;
    uint32_t block;
  };
  const auto later = [](const Packet& a, const Packet& b) { return a.arrival > b.arrival; };
  std::priority_queue<Packet, std::vector<Packet>, decltype(later)> wire_q(later);

  uint16_t seq = 0;
  uint32_t block = 0, in_block = 0, suppressed = 0;
  std::map<uint32_t, std::vector<std::pair<uint16_t, uint32_t>>> block_sources;  // seq, ts
  const auto send = [&](int kind, uint16_t s, uint32_t ts, int64_t at) {
    if (unit(rng) < net.loss) return;
    int64_t delay = net.base_ms + static_cast<int64_t>(unit(rng) * (net.jitter_ms + 1));
    if (at >= net.spike_from && at < net.spike_to) delay += net.spike_ms;
    wire_q.push(Packet{at + delay, kind, s, ts, block});
  };
  const auto close_block = [&](uint32_t ts_after, int64_t at) {
    if (in_block == 0) return;
    for (uint32_t i = 0; i < p.r; ++i) send(1, seq++, ts_after, at);
    ++block;
    in_block = 0;
  };

  CallResult result;
  JitterBuffer jb(config);
  std::map<uint32_t, uint32_t> block_received;
  std::map<uint32_t, bool> block_done;
  std::map<uint16_t, bool> arrived;  // per source seq
  std::map<uint16_t, bool> available;
  int64_t next_tick = 0;
  int64_t next_sample = 1000;
  const auto receive_until = [&](int64_t t) {
    while (!wire_q.empty() && wire_q.top().arrival <= t) {
      const Packet pk = wire_q.top();
      wire_q.pop();
      if (pk.kind == 2) {
        jb.push(test::comfort_noise(pk.seq, pk.ts), pk.arrival);
        continue;
      }
      if (pk.kind == 1) {
        jb.note_repair_seq(pk.seq);
      } else {
        arrived[pk.seq] = true;
        available[pk.seq] = true;
        jb.push(test::audio(pk.seq, pk.ts, p.codec), pk.arrival);
      }
      ++block_received[pk.block];
      if (block_done[pk.block] || pk.block >= block) continue;  // done, or still open
      // The block's sources still missing are rebuilt once any K of its packets arrived.
      const auto& sources = block_sources[pk.block];
      if (block_received[pk.block] >= sources.size()) {
        block_done[pk.block] = true;
        for (const auto& [s, ts] : sources) {
          if (arrived[s]) continue;
          available[s] = true;
          jb.push(test::audio(s, ts, p.codec, true), pk.arrival);
        }
      }
    }
  };
  const auto play_until = [&](int64_t t) {
    while (next_tick <= t) {
      receive_until(next_tick);
      const auto out = jb.pop(next_tick);
      const auto st = jb.stats();
      result.max_target = std::max(result.max_target, st.target_delay_ms);
      if (out.kind == Kind::frame) result.max_delay = std::max(result.max_delay, st.current_delay_ms);
      if (next_tick >= next_sample) {
        result.delay_per_second.push_back(st.current_delay_ms);
        next_sample += 1000;
      }
      next_tick += out.frame_ms;
    }
  };

  for (uint32_t f = 0; f < frames; ++f) {
    const uint32_t ts = f * p.frame_ms;
    const int64_t at = ts;
    play_until(at);
    const bool silent = talk.suppress && (ts % 3000) >= 2000;
    if (silent) {
      close_block(ts, at);
      if (++suppressed % 10 == 0) send(2, seq++, ts + p.frame_ms, at);
      continue;
    }
    suppressed = 0;
    block_sources[block].push_back({seq, ts});
    send(0, seq++, ts, at);
    ++result.frames_sent;
    if (++in_block == p.k) close_block(ts + p.frame_ms, at);
  }
  result.stats_at_end = jb.stats();
  play_until(static_cast<int64_t>(frames) * p.frame_ms + 2000);
  result.frames_available = available.size();
  result.stats = jb.stats();
  result.final_delay = result.stats.current_delay_ms;
  return result;
}

TEST(JitterCall, TenMinutesNoDriftWithRepairSeqsLossAndJitter) {
  // 30 000 GOOD frames; one repair seq per block; 5 % loss; 0-40 ms jitter.
  const auto r = simulate(kGood, {0.05, 40}, {}, 30000, 7);
  EXPECT_EQ(r.frames_sent, 30000u);
  EXPECT_LE(r.max_delay, r.max_target + 2 * 20);
  EXPECT_LE(r.max_target, 200u);  // network lateness (40) or FEC recovery (<= 100) plus margin
  for (uint32_t d : r.delay_per_second) ASSERT_LE(d, r.max_target + 2 * 20);
  // Played (received or recovered) + concealed + dropped account for every frame.
  const auto& s = r.stats;
  EXPECT_GE(s.played + s.fec_next + s.concealed + s.dropped_to_catch_up + s.late, 30000u - 10);
  // Every frame that arrived or that FEC rebuilt is played, bar a few (late or dropped).
  EXPECT_GE(s.played, r.frames_available * 995 / 1000);
  EXPECT_GE(r.frames_available, 30000u * 98 / 100);
  EXPECT_GT(s.recovered_played, 30000u * 4 / 100);
  EXPECT_LE(s.recovered_late, s.recovered_played / 100);
  EXPECT_EQ(r.stats_at_end.underruns, 0u);
}

TEST(JitterCall, TenMinutesDegradedAtTwentyPercentLoss) {
  // DEGRADED: 40 ms frames, K 10, R 5: the delay grows to let recovered frames play.
  const auto r = simulate(kDegraded, {0.20, 20}, {}, 15000, 11);
  EXPECT_LE(r.max_delay, r.max_target + 2 * 40);
  EXPECT_LE(r.max_target, 500u);
  EXPECT_GE(r.stats.played, r.frames_available * 99 / 100);
  EXPECT_GT(r.stats.recovered_played, r.frames_sent * 15 / 100);
  EXPECT_LE(r.stats.recovered_late, r.stats.recovered_played / 50);
  const uint32_t last = r.delay_per_second.back();
  EXPECT_LE(last, r.max_target + 2 * 40);
}

TEST(JitterCall, TenMinutesWithSilenceSuppression) {
  const auto r = simulate(kGood, {0.0, 30}, {true}, 30000, 13);
  EXPECT_LE(r.max_delay, r.max_target + 2 * 20);
  EXPECT_GT(r.stats.comfort_noise, 30000u / 4);
  EXPECT_GE(r.stats.played, r.frames_available * 99 / 100);
  EXPECT_EQ(r.stats.concealed + r.stats.fec_next, r.frames_available - r.stats.played);
}

TEST(JitterCall, NoLossNoJitterPlaysEveryFrameAtTheMinimumDelay) {
  const auto r = simulate(kGood, {}, {}, 3000, 1);
  EXPECT_EQ(r.stats.played, 3000u);
  EXPECT_EQ(r.stats.concealed, 0u);
  EXPECT_EQ(r.stats_at_end.stretched, 0u);
  EXPECT_EQ(r.stats.underruns, 1u);  // the end of the call
  EXPECT_GE(r.max_delay, 40u);       // the first tick at or after the 40 ms target
  EXPECT_LT(r.max_delay, 60u);
  EXPECT_EQ(r.max_target, 40u);
}

TEST(JitterCall, SpikeRaisesTheTargetThenTheDelayComesBack) {
  // 300 ms extra delay for packets sent between 10 s and 11 s, otherwise a clean path.
  Network net;
  net.spike_from = 10000;
  net.spike_to = 11000;
  net.spike_ms = 300;
  const auto r = simulate(kGood, net, {}, 3000, 3);  // 60 s
  EXPECT_GE(r.max_target, 300u);
  EXPECT_GE(r.stats.underruns, 1u);
  EXPECT_GT(r.stats.dropped_to_catch_up, 5u);  // the delay is brought back by dropping frames
  EXPECT_LE(r.max_delay, r.max_target + 2 * 20);
  // Before the spike the delay is the minimum; after it, it returns there.
  EXPECT_LE(r.delay_per_second.at(8), 60u);
  EXPECT_GE(*std::max_element(r.delay_per_second.begin() + 10, r.delay_per_second.begin() + 14), 250u);
  EXPECT_LE(r.delay_per_second.at(55), 70u);
  EXPECT_EQ(r.stats.played + r.stats.dropped_to_catch_up + r.stats.concealed + r.stats.late, 3000u);
}

TEST(JitterCall, SameSeedSameResult) {
  const auto a = simulate(kGood, {0.1, 30}, {}, 2000, 5);
  const auto b = simulate(kGood, {0.1, 30}, {}, 2000, 5);
  EXPECT_EQ(a.stats.played, b.stats.played);
  EXPECT_EQ(a.stats.concealed, b.stats.concealed);
  EXPECT_EQ(a.delay_per_second, b.delay_per_second);
}

}  // namespace
}  // namespace wzp::media

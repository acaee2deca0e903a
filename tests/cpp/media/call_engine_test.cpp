// Two CallEngines back to back on a virtual clock, through a seeded lossy channel.
#include "media/call/call_engine.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <iostream>
#include <memory>
#include <numbers>
#include <vector>

#include "common/tones.hpp"
#include "media/call/network_impairment.hpp"
#include "wire/media_packet.hpp"

namespace wzp::media {
namespace {

constexpr int64_t kTick = 20;

using wzp::test::Tone;
using wzp::test::tone_power;

struct Side {
  std::unique_ptr<CallEngine> engine;
  std::vector<Bytes> sent;
  std::vector<ProfileChange> changes;
  std::vector<wire::SignalMessage> signals;
};

std::unique_ptr<Side> make_side(CallEngineConfig config = {}) {
  auto side = std::make_unique<Side>();
  Side* s = side.get();
  CallEngine::Sinks sinks;
  sinks.datagram = [s](ByteView d) { s->sent.emplace_back(d.begin(), d.end()); };
  sinks.signal = [s](const wire::SignalMessage& m) { s->signals.push_back(m); };
  sinks.profile = [s](const ProfileChange& c) { s->changes.push_back(c); };
  auto engine = CallEngine::create(config, std::move(sinks));
  EXPECT_TRUE(engine.ok());
  s->engine = std::move(*engine);
  return side;
}

// A and B both talk (tones) through one impaired channel each way.
class Duplex {
 public:
  explicit Duplex(ImpairmentConfig net, CallEngineConfig config = {})
      : a_(make_side(config)), b_(make_side(config)), ab_(net), ba_(with_seed(net, net.seed + 7)) {}

  static ImpairmentConfig with_seed(ImpairmentConfig c, uint64_t seed) {
    c.seed = seed;
    return c;
  }
  void set_loss(double pct) {
    auto c = ab_.config();
    c.loss_pct = pct;
    ab_ = NetworkImpairment(c);
    ba_ = NetworkImpairment(with_seed(c, c.seed + 7));
  }

  // Runs `ms` of call; returns B's playout of A over that time.
  void run(int64_t ms, std::vector<int16_t>* heard_by_b = nullptr) {
    std::array<int16_t, kPlayoutSamples> out{};
    for (int64_t end = now_ + ms; now_ < end; now_ += kTick) {
      auto fa = tone_a_.next(), fb = tone_b_.next();
      ASSERT_TRUE(a_->engine->send_pcm(fa, now_).ok());
      ASSERT_TRUE(b_->engine->send_pcm(fb, now_).ok());
      move(*a_, ab_);
      move(*b_, ba_);
      for (auto& d : ab_.due(now_)) b_->engine->on_datagram(0, d, now_);
      for (auto& d : ba_.due(now_)) a_->engine->on_datagram(0, d, now_);
      b_->engine->pull(0, out, now_);
      if (heard_by_b) heard_by_b->insert(heard_by_b->end(), out.begin(), out.end());
      a_->engine->pull(0, out, now_);
      const auto st = b_->engine->source_stats(0);
      if (st) max_delay_ = std::max(max_delay_, st->jitter.current_delay_ms);
    }
  }

  Side& a() { return *a_; }
  Side& b() { return *b_; }
  uint32_t max_delay_ms() const { return max_delay_; }

 private:
  void move(Side& s, NetworkImpairment& net) {
    for (auto& d : s.sent) net.submit(std::move(d), now_);
    s.sent.clear();
  }
  std::unique_ptr<Side> a_, b_;
  NetworkImpairment ab_, ba_;
  Tone tone_a_{440}, tone_b_{660};
  int64_t now_ = 0;
  uint32_t max_delay_ = 0;
};

struct Played {
  // Frames played from a packet, rebuilt by Reed–Solomon FEC or by Opus in-band FEC, of the
  // frames due; only concealment counts against it.
  double fraction;
  uint64_t played, fec_next, concealed;
};

Played played(const CallEngine::SourceStats& st) {
  const auto& j = st.jitter;
  const uint64_t due = j.played + j.fec_next + j.concealed;
  return {due ? double(j.played + j.fec_next) / double(due) : 0.0, j.played, j.fec_next, j.concealed};
}

// The settled profile's share of frames played under random loss, over `minutes`.
Played settled_call(double loss_pct, uint32_t burst, int minutes, wire::QualityProfile* settled) {
  Duplex call(ImpairmentConfig{loss_pct, burst, 10, 1234});
  call.run(30'000);  // the controller settles
  const auto before = *call.b().engine->source_stats(0);
  call.run(int64_t{minutes} * 60'000);
  const auto after = *call.b().engine->source_stats(0);
  *settled = call.a().engine->profile();
  CallEngine::SourceStats delta = after;
  delta.jitter.played -= before.jitter.played;
  delta.jitter.fec_next -= before.jitter.fec_next;
  delta.jitter.concealed -= before.jitter.concealed;
  EXPECT_LE(call.max_delay_ms(), 1000u) << "the playout delay must stay bounded";
  const auto& f = after.fec;
  const auto& j = after.jitter;
  std::cout << "loss " << loss_pct << "% burst " << burst << ": fec decoded " << f.blocks_decoded
            << " recovered " << f.frames_recovered << " unrecoverable " << f.blocks_unrecoverable
            << " expired " << f.blocks_expired << " stale " << f.stale << " malformed " << f.malformed
            << "; jitter recovered_played " << j.recovered_played << " recovered_late " << j.recovered_late
            << " late " << j.late << " underruns " << j.underruns << " dropped " << j.dropped_to_catch_up
            << " target " << j.target_delay_ms << " delay " << j.current_delay_ms << " max delay "
            << call.max_delay_ms() << "\n";
  return played(delta);
}

TEST(CallEngine, CleanCallPlaysEveryFrameWithGood) {
  Duplex call(ImpairmentConfig{0, 1, 0, 1});
  std::vector<int16_t> heard;
  call.run(10'000, &heard);
  const auto st = *call.b().engine->source_stats(0);
  EXPECT_EQ(st.jitter.concealed, 0u);
  EXPECT_GE(st.jitter.played, 10'000u / 20 - 10);  // all but the initial playout delay
  EXPECT_EQ(call.a().engine->profile(), wire::kProfileGood);
  EXPECT_TRUE(call.a().changes.empty());
  // B hears A's 440 Hz, not its own 660 Hz.
  std::span<const int16_t> tail(heard.end() - 48'000, heard.end());
  EXPECT_GT(tone_power(tail, 440), 100 * tone_power(tail, 660));
  EXPECT_GT(call.a().engine->sender_stats().reports_received, 5u);
}

TEST(CallEngine, GoodIsKeptAtFivePercentLoss) {
  Duplex call(ImpairmentConfig{5, 1, 10, 55});
  call.run(120'000);
  EXPECT_EQ(call.a().engine->profile(), wire::kProfileGood);
  EXPECT_EQ(call.b().engine->profile(), wire::kProfileGood);
}

// The settled profile plays at least `min_fraction` of the frames over `minutes`.
void expect_played(double loss_pct, uint32_t burst, int minutes, double min_fraction) {
  wire::QualityProfile settled;
  const auto p = settled_call(loss_pct, burst, minutes, &settled);
  EXPECT_GE(p.fraction, min_fraction) << "played " << p.played << " fec_next " << p.fec_next << " concealed "
                                      << p.concealed << " codec " << int(settled.codec);
}

TEST(CallEngine, TenPercentLoss) { expect_played(10, 1, 2, 0.99); }
TEST(CallEngine, TwentyPercentLossTenMinutes) { expect_played(20, 1, 10, 0.99); }
TEST(CallEngine, ThirtyPercentLoss) { expect_played(30, 1, 3, 0.97); }
// Bursts defeat short blocks more often (the issue sets no frames-played target for them, only
// STOI); measured 95.2 % with this seed. The bound guards against regressions.
TEST(CallEngine, TwentyPercentLossInBurstsOfThree) { expect_played(20, 3, 3, 0.93); }

TEST(CallEngine, ProfileFollowsRisingAndFallingLoss) {
  Duplex call(ImpairmentConfig{0, 1, 10, 99});
  call.run(20'000);
  EXPECT_EQ(call.a().engine->profile(), wire::kProfileGood);
  call.set_loss(30);
  call.run(60'000);
  EXPECT_NE(call.a().engine->profile(), wire::kProfileGood) << "30 % loss must leave GOOD";
  ASSERT_FALSE(call.a().changes.empty());
  EXPECT_TRUE(call.a().changes.front().reporter.has_value());
  // Each change was announced with a QualityUpdate recommending the new profile.
  ASSERT_EQ(call.a().signals.size(), call.a().changes.size());
  const auto* update = std::get_if<wire::QualityUpdate>(&call.a().signals.front());
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(update->recommended_profile, call.a().changes.front().profile);
  call.set_loss(0);
  call.run(120'000);
  EXPECT_EQ(call.a().engine->profile(), wire::kProfileGood) << "a clean network must bring GOOD back";
  // B followed A's codec from the packets' headers.
  EXPECT_EQ(call.b().engine->source_stats(0)->codec, wire::kProfileGood.codec);
}

TEST(CallEngine, ForcedProfileStaysUntilAdaptive) {
  Duplex call(ImpairmentConfig{0, 1, 0, 3});
  ASSERT_TRUE(call.a().engine->force_profile(wire::kProfileCatastrophic, 0).ok());
  call.run(30'000);
  EXPECT_EQ(call.a().engine->profile(), wire::kProfileCatastrophic);
  EXPECT_EQ(call.b().engine->source_stats(0)->codec, wire::kProfileCatastrophic.codec);
  EXPECT_EQ(call.b().engine->source_stats(0)->jitter.concealed, 0u);
  call.a().engine->set_adaptive(30'000);
  call.run(60'000);
  EXPECT_EQ(call.a().engine->profile(), wire::kProfileGood);
  wire::QualityProfile bad = wire::kProfileGood;
  bad.frame_duration_ms = 30;
  EXPECT_FALSE(call.a().engine->force_profile(bad, 0).ok());
}

TEST(CallEngine, MalformedDatagramsAreCountedAndReceptionGoesOn) {
  Duplex call(ImpairmentConfig{0, 1, 0, 4});
  call.run(2'000);
  auto& b = *call.b().engine;
  const std::array<uint8_t, 3> short_packet{1, 2, 3};
  std::array<uint8_t, 12> bad_codec{};
  bad_codec[0] = 0x0F << 2;  // codec 15
  b.on_datagram(0, short_packet, 2'000);
  b.on_datagram(0, bad_codec, 2'000);
  b.on_datagram(9, short_packet, 2'000);  // creates no source
  EXPECT_EQ(b.sender_stats().malformed, 3u);
  EXPECT_EQ(b.source_stats(0)->malformed, 2u);
  EXPECT_FALSE(b.source_stats(9).has_value());
  const auto before = b.source_stats(0)->jitter.played;
  call.run(2'000);
  EXPECT_GT(b.source_stats(0)->jitter.played, before + 90);
}

TEST(CallEngine, SilenceSendsComfortNoiseAndPlaysIt) {
  auto a = make_side(), b = make_side();
  std::array<int16_t, kPlayoutSamples> quiet{}, out{};
  Tone tone(300);
  int64_t now = 0;
  double noise_energy = 0;
  for (int i = 0; i < 300; ++i, now += kTick) {
    auto frame = i < 100 ? tone.next() : quiet;
    ASSERT_TRUE(a->engine->send_pcm(frame, now).ok());
    for (auto& d : a->sent) b->engine->on_datagram(0, d, now);
    a->sent.clear();
    b->engine->pull(0, out, now);
    if (i > 200) {
      for (int16_t s : out) noise_energy += double(s) * s;
    }
  }
  const auto st = a->engine->sender_stats();
  EXPECT_GT(st.frames_suppressed, 150u);
  EXPECT_GT(st.packetizer.cn_packets, 10u);
  EXPECT_GT(b->engine->source_stats(0)->cn_packets, 10u);
  EXPECT_GT(noise_energy, 0.0) << "suppressed periods are filled with comfort noise, not silence";
}

TEST(CallEngine, FourSourcesMixed) {
  auto rx = make_side();
  const std::array<double, 4> freqs{300, 500, 700, 1100};
  std::vector<std::unique_ptr<Side>> senders;
  std::vector<Tone> tones;
  for (double f : freqs) {
    senders.push_back(make_side());
    tones.emplace_back(f, 4000);
  }
  std::vector<int16_t> mixed;
  std::array<std::vector<int16_t>, 4> each;
  std::array<int16_t, kPlayoutSamples> out{};
  int64_t now = 0;
  for (int i = 0; i < 250; ++i, now += kTick) {
    for (uint16_t s = 0; s < 4; ++s) {
      ASSERT_TRUE(senders[s]->engine->send_pcm(tones[s].next(), now).ok());
      for (auto& d : senders[s]->sent) rx->engine->on_datagram(static_cast<uint16_t>(10 + s), d, now);
      senders[s]->sent.clear();
    }
    if (i < 200) {
      rx->engine->pull_mixed(out, now);
      mixed.insert(mixed.end(), out.begin(), out.end());
    } else {
      for (uint16_t s = 0; s < 4; ++s) {
        rx->engine->pull(static_cast<uint16_t>(10 + s), out, now);
        each[s].insert(each[s].end(), out.begin(), out.end());
      }
    }
  }
  EXPECT_EQ(rx->engine->sources(), (std::vector<uint16_t>{10, 11, 12, 13}));
  std::span<const int16_t> tail(mixed.end() - 96'000, mixed.end());
  const double off = tone_power(tail, 900);
  for (double f : freqs) EXPECT_GT(tone_power(tail, f), 50 * off) << "the mix holds " << f << " Hz";
  for (size_t s = 0; s < 4; ++s) {
    std::span<const int16_t> t(each[s].end() - 24'000, each[s].end());
    for (size_t o = 0; o < 4; ++o) {
      if (o != s) {
        EXPECT_GT(tone_power(t, freqs[s]), 50 * tone_power(t, freqs[o])) << s << " vs " << o;
      }
    }
  }
  // A source silent past the timeout is forgotten.
  rx->engine->expire(now + 31'000);
  EXPECT_TRUE(rx->engine->sources().empty());
}

}  // namespace
}  // namespace wzp::media

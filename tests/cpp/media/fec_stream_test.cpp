// A packetised stream through seeded random loss into a FecReceiver: it recovers exactly
// what the code allows (counted independently from which packets survived), and the
// fraction of frames played matches the binomial model of docs/PERFORMANCE.md.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <tuple>

#include "fec_test_util.hpp"
#include "media/fec/repair_format.hpp"

namespace wzp::media {
namespace {

using fec_test::feed;
using fec_test::header_of;
using fec_test::make_frames;

struct Sent {
  Bytes datagram;
  size_t block = 0;  // sender-side block serial (not the wrapping id)
  bool source = false;
};

struct Stream {
  std::vector<Sent> packets;
  std::map<uint16_t, Bytes> frames_by_seq;
  size_t frames = 0;
};

// `count` frames; with `talk_spurts`, silences of 6..30 suppressed frames now and then.
Stream make_stream(const wire::QualityProfile& profile, size_t count, bool talk_spurts, uint64_t seed) {
  Stream stream;
  MediaPacketizer packetizer(profile);
  const auto frames = make_frames(count, 10, 80, seed);
  std::mt19937_64 rng(seed ^ 0x5eed);
  size_t block = 0;
  std::vector<Bytes> out;
  auto take = [&] {
    for (auto& d : out) {
      const auto h = header_of(d);
      Sent sent;
      sent.source = !h.is_repair && h.codec != wire::CodecId::comfort_noise;
      if (sent.source && h.fec_symbol == 0) ++block;
      sent.block = block;
      sent.datagram = std::move(d);
      stream.packets.push_back(std::move(sent));
    }
    out.clear();
  };
  for (size_t i = 0; i < count; ++i) {
    if (talk_spurts && rng() % 40 == 0) {
      const size_t silence = 6 + rng() % 25;
      for (size_t s = 0; s < silence; ++s) packetizer.push_silent_frame(out);
      take();
    }
    stream.frames_by_seq[packetizer.next_seq()] = frames[i];
    packetizer.push_frame(frames[i], out);
    take();
  }
  stream.frames = count;
  return stream;
}

struct Outcome {
  size_t received_sources = 0;
  size_t expected_recovered = 0;  // from the surviving counts per block
  size_t recovered = 0;           // what the receiver returned
};

Outcome run(const Stream& stream, double loss, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution lost(loss);
  struct Count {
    size_t sources = 0, repairs = 0, survivors = 0, sources_survived = 0;
  };
  std::map<size_t, Count> blocks;
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  Outcome outcome;
  for (const auto& sent : stream.packets) {
    const bool arrives = !lost(rng);
    if (sent.block != 0 && header_of(sent.datagram).codec != wire::CodecId::comfort_noise) {
      auto& c = blocks[sent.block];
      (sent.source ? c.sources : c.repairs)++;
      if (arrives) {
        ++c.survivors;
        if (sent.source) ++c.sources_survived;
      }
    }
    if (!arrives) continue;
    if (sent.source) ++outcome.received_sources;
    feed(receiver, sent.datagram, recovered);
  }
  for (const auto& [serial, c] : blocks) {
    if (c.survivors >= c.sources) outcome.expected_recovered += c.sources - c.sources_survived;
  }
  outcome.recovered = recovered.size();
  for (const auto& r : recovered) {
    EXPECT_EQ(r.frame, stream.frames_by_seq.at(r.seq)) << "seq " << r.seq;
  }
  const auto stats = receiver.stats();
  EXPECT_EQ(stats.frames_recovered, recovered.size());
  EXPECT_EQ(stats.blocks_unrecoverable, 0U);
  EXPECT_EQ(stats.malformed, 0U);
  return outcome;
}

// Frames played by FEC alone under independent loss p: a frame is lost and not rebuilt
// when R or more of the other K + R - 1 packets of its block are lost too.
double model_played(size_t k, size_t r, double p) {
  const size_t n = k + r - 1;
  double tail = 0;
  for (size_t i = r; i <= n; ++i) {
    tail += std::tgamma(n + 1.0) / (std::tgamma(i + 1.0) * std::tgamma(n - i + 1.0)) * std::pow(p, i) *
            std::pow(1 - p, n - i);
  }
  return 1 - p * tail;
}

TEST(FecStream, RecoversExactlyWhatSurvivingCountsAllow) {
  const std::vector<wire::QualityProfile> profiles{wire::kProfileGood, wire::kProfileDegraded,
                                                   wire::kProfileCatastrophic, wire::kProfileResilient,
                                                   wire::kProfileResilientDeep};
  uint64_t seed = 100;
  for (const auto& profile : profiles) {
    const Stream stream = make_stream(profile, 3000, true, ++seed);
    for (const double loss : {0.1, 0.2, 0.3}) {
      const Outcome o = run(stream, loss, ++seed);
      EXPECT_EQ(o.recovered, o.expected_recovered)
          << "codec " << int(wire::codec_wire(profile.codec)) << " loss " << loss;
      EXPECT_GT(o.expected_recovered, 0U);
    }
  }
}

TEST(FecStream, PlayedFractionFollowsTheModel) {
  struct Case {
    wire::QualityProfile profile;
    double loss;
  };
  const std::vector<Case> cases{
      {wire::kProfileGood, 0.05},         {wire::kProfileGood, 0.2},          {wire::kProfileDegraded, 0.2},
      {wire::kProfileCatastrophic, 0.3},  {wire::kProfileResilient, 0.2},     {wire::kProfileResilient, 0.3},
      {wire::kProfileResilientDeep, 0.2}, {wire::kProfileResilientDeep, 0.3},
  };
  uint64_t seed = 900;
  for (const auto& c : cases) {
    const size_t frames = 20000;
    const Stream stream = make_stream(c.profile, frames, false, ++seed);
    const Outcome o = run(stream, c.loss, ++seed);
    const double played = static_cast<double>(o.received_sources + o.recovered) / frames;
    const size_t k = c.profile.frames_per_block;
    const double model = model_played(k, repair_count(k, c.profile.fec_ratio), c.loss);
    // Binomial standard error of the lost fraction over 20 000 frames, four of them.
    const double tolerance = 4 * std::sqrt(model * (1 - model) / frames) + 1e-4;
    EXPECT_NEAR(played, model, tolerance) << "K " << k << " loss " << c.loss;
  }
}

TEST(FecStream, ResilientProfilesMeetTheTargets) {
  // The targets: >= 99 % of frames played at 20 % random loss, >= 97 % at 30 %.
  EXPECT_GE(model_played(5, 5, 0.2), 0.99);
  EXPECT_GE(model_played(5, 5, 0.3), 0.97);
  EXPECT_GE(model_played(8, 8, 0.2), 0.99);
  EXPECT_GE(model_played(8, 8, 0.3), 0.98);
  // The reference's GOOD and DEGRADED cannot.
  EXPECT_LT(model_played(5, 1, 0.2), 0.9);
  EXPECT_LT(model_played(10, 5, 0.2), 0.99);
  uint64_t seed = 7000;
  for (const auto& [profile, loss, target] :
       {std::tuple{wire::kProfileResilient, 0.2, 0.99}, std::tuple{wire::kProfileResilientDeep, 0.3, 0.97}}) {
    const size_t frames = 20000;
    const Stream stream = make_stream(profile, frames, false, ++seed);
    const Outcome o = run(stream, loss, ++seed);
    EXPECT_GE(static_cast<double>(o.received_sources + o.recovered) / frames, target);
  }
}

}  // namespace
}  // namespace wzp::media

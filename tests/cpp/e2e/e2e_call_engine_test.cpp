// Two CallEngines with FrameProtection as their payload protection (keys exchanged directly),
// on a virtual clock: the tone gets through encrypted, and under loss encryption changes
// nothing about what is played.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numbers>
#include <random>
#include <span>
#include <vector>

#include "common/tones.hpp"
#include "e2e/frame_protection.hpp"
#include "e2e/policy.hpp"
#include "e2e/sender_key.hpp"
#include "media/call/call_engine.hpp"
#include "media/pcm.hpp"

namespace wzp::e2e {
namespace {

using media::CallEngine;
using media::kPlayoutSamples;

constexpr int64_t kTick = 20;
constexpr uint16_t kFromA = 1, kFromB = 2;  // source ids as each side sees the other

using wzp::test::Tone;
using wzp::test::tone_power;

struct Endpoint {
  std::unique_ptr<CallEngine> engine;
  std::shared_ptr<FrameProtection> protection;  // null: the engine's identity protection
  std::vector<Bytes> sent;
};

std::unique_ptr<Endpoint> make_endpoint(bool encrypted) {
  auto ep = std::make_unique<Endpoint>();
  Endpoint* e = ep.get();
  media::CallEngineConfig config;
  config.adapt = false;  // the profile stays: the runs compared see the same packets
  CallEngine::Sinks sinks;
  sinks.datagram = [e](ByteView d) { e->sent.emplace_back(d.begin(), d.end()); };
  auto engine = CallEngine::create(config, std::move(sinks));
  EXPECT_TRUE(engine.ok());
  if (engine) e->engine = std::move(*engine);
  if (encrypted) {
    e->protection = std::make_shared<FrameProtection>(Policy::required);
    e->engine->set_protection(e->protection);
  }
  return ep;
}

// Each side's sender key, given to the other directly (no key exchange).
void exchange_keys(Endpoint& a, Endpoint& b) {
  const SenderKey ka = SenderKey::fresh(), kb = SenderKey::fresh();
  ASSERT_TRUE(a.protection->set_send_key(ka).ok());
  ASSERT_TRUE(b.protection->set_send_key(kb).ok());
  ASSERT_TRUE(b.protection->add_receive_key("a", ka.kid(), ka.base, false).ok());
  ASSERT_TRUE(a.protection->add_receive_key("b", kb.kid(), kb.base, false).ok());
}

// A talks (440 Hz) and B talks (660 Hz) for `ms`, each direction dropping `loss` of the
// datagrams with its own seeded generator.
struct Duplex {
  explicit Duplex(bool encrypted, double loss = 0, uint64_t seed = 1)
      : a(make_endpoint(encrypted)), b(make_endpoint(encrypted)), ab(seed), ba(seed + 7), drop(loss) {
    if (encrypted) exchange_keys(*a, *b);
  }

  void run(int64_t ms) {
    std::array<int16_t, kPlayoutSamples> out{};
    for (const int64_t end = now + ms; now < end; now += kTick) {
      ASSERT_TRUE(a->engine->send_pcm(tone_a.next(), now).ok());
      ASSERT_TRUE(b->engine->send_pcm(tone_b.next(), now).ok());
      carry(*a, *b, kFromA, ab, dropped_ab, delivered_ab);
      carry(*b, *a, kFromB, ba, dropped_ba, delivered_ba);
      b->engine->pull(kFromA, out, now);
      heard_by_b.insert(heard_by_b.end(), out.begin(), out.end());
      a->engine->pull(kFromB, out, now);
      heard_by_a.insert(heard_by_a.end(), out.begin(), out.end());
    }
  }

  void carry(Endpoint& from, Endpoint& to, uint16_t source, std::mt19937_64& rng, size_t& dropped,
             size_t& delivered) {
    for (const auto& d : from.sent) {
      ++sent;
      if (from.protection && (d.size() < 12 || d[kEncryptedMarkerOffset] != kEncryptedMarker)) ++not_marked;
      if (drop(rng)) {
        ++dropped;
        continue;
      }
      ++delivered;
      to.engine->on_datagram(source, d, now);
    }
    from.sent.clear();
  }

  std::unique_ptr<Endpoint> a, b;
  std::mt19937_64 ab, ba;
  std::bernoulli_distribution drop;
  Tone tone_a{440}, tone_b{660};
  int64_t now = 0;
  size_t sent = 0, not_marked = 0;
  size_t dropped_ab = 0, delivered_ab = 0, dropped_ba = 0, delivered_ba = 0;
  std::vector<int16_t> heard_by_b, heard_by_a;
};

TEST(E2eCallEngine, ToneReachesTheOtherSideEncrypted) {
  Duplex call(true);
  call.run(2'000);
  EXPECT_EQ(call.not_marked, 0u) << "every datagram on the wire is end-to-end encrypted";

  // B plays A's 440 Hz (not its own 660 Hz) over the last second.
  ASSERT_GE(call.heard_by_b.size(), 48'000u);
  std::span<const int16_t> tail(call.heard_by_b.end() - 48'000, call.heard_by_b.end());
  const double p440 = tone_power(tail, 440);
  EXPECT_GT(p440, 100 * tone_power(tail, 660));
  EXPECT_GT(p440, 100 * tone_power(tail, 1000));
  EXPECT_GT(p440, 1e6) << "the tone is played at its level (amplitude 8000: about 1.6e7)";
  std::span<const int16_t> tail_a(call.heard_by_a.end() - 48'000, call.heard_by_a.end());
  EXPECT_GT(tone_power(tail_a, 660), 100 * tone_power(tail_a, 440));

  const auto st = call.b->engine->source_stats(kFromA);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->malformed, 0u);
  EXPECT_EQ(call.b->engine->sender_stats().malformed, 0u);
  EXPECT_EQ(st->packets, call.delivered_ab);
  EXPECT_EQ(st->jitter.concealed, 0u);
  EXPECT_GE(st->jitter.played, 2'000u / 20 - 15) << "all but the initial playout delay";
  EXPECT_GT(st->decoded, 0u);

  const auto rx = call.b->protection->counters();
  EXPECT_EQ(rx.decrypted, call.delivered_ab);
  EXPECT_EQ(rx.decrypt_failed + rx.malformed + rx.replayed + rx.missing_key + rx.held + rx.clear_refused, 0u);
  EXPECT_EQ(call.a->protection->counters().encrypted, call.delivered_ab);
  EXPECT_GT(call.a->engine->sender_stats().reports_received, 0u) << "B's quality reports ride encrypted too";
}

TEST(E2eCallEngine, EncryptionLosesNothingUnderTwentyPercentLoss) {
  Duplex plain(false, 0.2, 4242), enc(true, 0.2, 4242);
  plain.run(10'000);
  enc.run(10'000);
  ASSERT_EQ(enc.not_marked, 0u);
  ASSERT_EQ(plain.sent, enc.sent) << "the same packets were sent";
  ASSERT_EQ(plain.dropped_ab, enc.dropped_ab) << "and the same ones dropped";
  EXPECT_GT(enc.dropped_ab, (enc.dropped_ab + enc.delivered_ab) / 10) << "the impairment did drop";

  const auto p = plain.b->engine->source_stats(kFromA).value();
  const auto e = enc.b->engine->source_stats(kFromA).value();
  EXPECT_EQ(e.jitter.played, p.jitter.played);
  EXPECT_EQ(e.jitter.recovered_played, p.jitter.recovered_played);
  EXPECT_EQ(e.jitter.fec_next, p.jitter.fec_next);
  EXPECT_EQ(e.jitter.concealed, p.jitter.concealed);
  EXPECT_EQ(e.fec.frames_recovered, p.fec.frames_recovered);
  EXPECT_EQ(e.packets, p.packets);
  EXPECT_GT(e.jitter.recovered_played + e.jitter.fec_next + e.jitter.concealed, 0u)
      << "losses had to be made up for";
  EXPECT_EQ(e.malformed, 0u);
  EXPECT_EQ(enc.b->engine->sender_stats().malformed, 0u);
  EXPECT_EQ(enc.heard_by_b, plain.heard_by_b) << "B plays exactly the same audio";
  EXPECT_EQ(enc.heard_by_a, plain.heard_by_a);

  const auto rx = enc.b->protection->counters();
  EXPECT_EQ(rx.decrypted, enc.delivered_ab);
  EXPECT_EQ(rx.decrypt_failed + rx.malformed + rx.replayed + rx.missing_key, 0u);
}

TEST(E2eCallEngine, FramesBeforeTheKeyArePlayedOnceItComes) {
  auto a = make_endpoint(true), b = make_endpoint(true);
  const SenderKey ka = SenderKey::fresh();
  ASSERT_TRUE(a->protection->set_send_key(ka).ok());
  Tone tone(440);
  std::array<int16_t, kPlayoutSamples> out{};
  int64_t now = 0;
  size_t held = 0;
  for (; now < 200; now += kTick) {  // the key is still on its way
    ASSERT_TRUE(a->engine->send_pcm(tone.next(), now).ok());
    for (const auto& d : a->sent) b->engine->on_datagram(kFromA, d, now);
    held += a->sent.size();
    a->sent.clear();
  }
  ASSERT_GT(held, 0u);
  EXPECT_FALSE(b->engine->source_stats(kFromA).has_value()) << "nothing readable yet";
  EXPECT_EQ(b->protection->counters().held, held);
  EXPECT_EQ(b->engine->sender_stats().malformed, 0u) << "held, not dropped";

  ASSERT_TRUE(b->protection->add_receive_key("a", ka.kid(), ka.base, false).ok());
  b->engine->release_held(now);
  auto st = b->engine->source_stats(kFromA);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->packets, held);
  EXPECT_EQ(b->protection->counters().released, held);

  std::vector<int16_t> heard;
  for (; now < 2'000; now += kTick) {
    ASSERT_TRUE(a->engine->send_pcm(tone.next(), now).ok());
    for (const auto& d : a->sent) b->engine->on_datagram(kFromA, d, now);
    a->sent.clear();
    b->engine->pull(kFromA, out, now);
    heard.insert(heard.end(), out.begin(), out.end());
  }
  std::span<const int16_t> tail(heard.end() - 48'000, heard.end());
  EXPECT_GT(tone_power(tail, 440), 100 * tone_power(tail, 660));
  EXPECT_EQ(b->engine->sender_stats().malformed, 0u);
  EXPECT_EQ(b->protection->counters().decrypt_failed, 0u);
}

}  // namespace
}  // namespace wzp::e2e

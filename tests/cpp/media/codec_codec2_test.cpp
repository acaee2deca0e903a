// Codec2 3200 and 1200 through the resampler: frame sizes, output lengths, a 500 Hz tone that
// keeps its pitch, speech-like spectra and envelopes, concealment, bad input.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "codec_signals.hpp"
#include "media/codec/codec2_codec.hpp"

namespace wzp::media {
namespace {

using wire::CodecId;

struct Codec2Run {
  std::vector<Bytes> packets;
  std::vector<int16_t> decoded;
};

Codec2Run run_codec2(CodecId codec, uint32_t frame_ms, const std::vector<int16_t>& pcm) {
  Codec2Run run;
  auto enc = Codec2VoiceEncoder::create();
  auto dec = Codec2VoiceDecoder::create();
  EXPECT_TRUE(enc.ok() && dec.ok());
  const size_t n = samples_per_frame(frame_ms);
  std::vector<uint8_t> buf(64);
  std::vector<int16_t> out(kMaxFrameSamples);
  for (size_t at = 0; at + n <= pcm.size(); at += n) {
    auto len = enc->encode(codec, PcmView(pcm.data() + at, n), buf);
    EXPECT_TRUE(len.ok()) << len.error().message;
    if (!len.ok()) break;
    run.packets.emplace_back(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*len));
    auto got = dec->decode(codec, run.packets.back(), out);
    EXPECT_TRUE(got.ok());
    EXPECT_EQ(*got, n);
    run.decoded.insert(run.decoded.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(*got));
  }
  return run;
}

struct Codec2Case {
  CodecId codec;
  uint32_t frame_ms;
  size_t bytes;
};

class Codec2RoundTrip : public ::testing::TestWithParam<Codec2Case> {};

// Codec2 models voice as harmonics of a pitch between 50 and 400 Hz (a pure 500 Hz sine comes
// out at 400 Hz; the resampler test checks 500 Hz alone). A 250 Hz voice-like tone must keep its
// pitch and its 500 Hz harmonic.
TEST_P(Codec2RoundTrip, HarmonicToneKeepsItsPitch) {
  const auto& c = GetParam();
  const auto pcm = test::harmonic_tone(250, 4000, 48000);
  const auto run = run_codec2(c.codec, c.frame_ms, pcm);
  ASSERT_EQ(run.decoded.size(), pcm.size());
  for (const auto& p : run.packets) EXPECT_EQ(p.size(), c.bytes);
  const size_t from = 9600, to = run.decoded.size();
  const double hz = test::autocorrelation_pitch_hz(run.decoded, from, to, 150, 450);
  RecordProperty("pitch_hz", std::to_string(hz));
  EXPECT_NEAR(hz, 250.0, 5.0);
  for (const double harmonic : {250.0, 500.0}) {
    const double on = test::goertzel(run.decoded, harmonic, from, to);
    for (const double off : {125.0, 375.0, 625.0}) {
      EXPECT_GT(on, 100 * test::goertzel(run.decoded, off, from, to)) << harmonic << " vs " << off;
    }
  }
}

// Codec2 is parametric (it does not keep the waveform), so it is judged on what it keeps: the
// long-term spectrum and the loudness envelope. Silence or noise out would fail both.
TEST_P(Codec2RoundTrip, SpeechKeepsItsSpectrumAndEnvelope) {
  const auto& c = GetParam();
  const auto pcm = test::speech_like(3.0);
  const auto run = run_codec2(c.codec, c.frame_ms, pcm);
  ASSERT_EQ(run.decoded.size(), pcm.size());
  const double spectrum = test::spectral_similarity(pcm, run.decoded, 9600);
  double best_env = 0;
  size_t best_lag = 0;
  for (size_t lag = 0; lag <= 2400; lag += 48) {
    const double env = test::envelope_correlation(pcm, run.decoded, lag, 9600);
    if (env > best_env) best_env = env, best_lag = lag;
  }
  RecordProperty("envelope_lag", std::to_string(best_lag));
  RecordProperty("spectral_similarity", std::to_string(spectrum));
  RecordProperty("envelope_correlation", std::to_string(best_env));
  EXPECT_GT(spectrum, 0.90);
  EXPECT_GT(best_env, 0.90);
}

INSTANTIATE_TEST_SUITE_P(Modes, Codec2RoundTrip,
                         ::testing::Values(Codec2Case{CodecId::codec2_3200, 20, 8},
                                           Codec2Case{CodecId::codec2_1200, 40, 6},
                                           Codec2Case{CodecId::codec2_3200, 40, 16}));

TEST(Codec2Codec, ConcealmentFadesTheLastFrameOnceThenSilence) {
  const auto pcm = test::tone(300, 8000, 9600);
  auto enc = Codec2VoiceEncoder::create();
  auto dec = Codec2VoiceDecoder::create();
  ASSERT_TRUE(enc.ok() && dec.ok());
  std::vector<uint8_t> bits(16);
  std::vector<int16_t> out(kMaxFrameSamples);
  for (size_t at = 0; at + 960 <= pcm.size(); at += 960) {
    auto len = enc->encode(CodecId::codec2_3200, PcmView(pcm.data() + at, 960), bits);
    ASSERT_TRUE(len.ok());
    ASSERT_TRUE(dec->decode(CodecId::codec2_3200, std::span(bits.data(), *len), out).ok());
  }
  auto first = dec->conceal(960, out);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(*first, 960u);
  const std::vector<int16_t> faded(out.begin(), out.begin() + 960);
  auto second = dec->conceal(960, out);
  ASSERT_TRUE(second.ok());
  const std::vector<int16_t> after(out.begin(), out.begin() + 960);
  auto energy = [](const std::vector<int16_t>& x, size_t from, size_t to) {
    double e = 0;
    for (size_t i = from; i < to; ++i) e += static_cast<double>(x[i]) * x[i];
    return e / static_cast<double>(to - from);
  };
  EXPECT_GT(energy(faded, 240, 480), 1e5);                          // the repeat is audible
  EXPECT_GT(energy(faded, 240, 480), 4 * energy(faded, 720, 960));  // and fades
  EXPECT_LT(energy(after, 480, 960), 1.0);                          // then silence
  auto long_gap = dec->conceal(1920, out);
  ASSERT_TRUE(long_gap.ok());
  EXPECT_EQ(*long_gap, 1920u);
}

TEST(Codec2Codec, BadInputIsAnErrorNeverACrash) {
  auto enc = Codec2VoiceEncoder::create();
  auto dec = Codec2VoiceDecoder::create();
  ASSERT_TRUE(enc.ok() && dec.ok());
  std::vector<int16_t> pcm(960), out(kMaxFrameSamples);
  std::vector<uint8_t> bits(64);
  EXPECT_EQ(enc->encode(CodecId::codec2_1200, pcm, bits).error().code,
            Errc::invalid_length);  // 20 ms at 1200
  EXPECT_EQ(enc->encode(CodecId::codec2_3200, PcmView(pcm.data(), 900), bits).error().code,
            Errc::invalid_length);
  EXPECT_EQ(enc->encode(CodecId::codec2_3200, pcm, std::span(bits.data(), 7)).error().code,
            Errc::buffer_too_small);
  EXPECT_EQ(enc->encode(CodecId::opus24k, pcm, bits).error().code, Errc::invalid_argument);

  EXPECT_EQ(dec->decode(CodecId::codec2_3200, {}, out).error().code, Errc::malformed);
  EXPECT_EQ(dec->decode(CodecId::codec2_3200, std::span(bits.data(), 7), out).error().code, Errc::malformed);
  EXPECT_EQ(dec->decode(CodecId::codec2_3200, std::span(bits.data(), 24), out).error().code, Errc::malformed);
  EXPECT_EQ(dec->decode(CodecId::codec2_1200, std::span(bits.data(), 8), out).error().code, Errc::malformed);
  EXPECT_EQ(
      dec->decode(CodecId::codec2_3200, std::span(bits.data(), 8), std::span(out.data(), 959)).error().code,
      Errc::buffer_too_small);
  EXPECT_EQ(dec->conceal(0, out).error().code, Errc::invalid_argument);
  EXPECT_EQ(dec->conceal(961, out).error().code, Errc::invalid_argument);

  // Every bit pattern is a Codec2 frame: garbage of the right size decodes to bounded audio.
  std::mt19937 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    for (auto& b : bits) b = static_cast<uint8_t>(rng());
    const bool fast = trial % 2 == 0;
    auto got = dec->decode(fast ? CodecId::codec2_3200 : CodecId::codec2_1200,
                           std::span(bits.data(), fast ? 8 : 6), out);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, fast ? 960u : 1920u);
  }
}

}  // namespace
}  // namespace wzp::media

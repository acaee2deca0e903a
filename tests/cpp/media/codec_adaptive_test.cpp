// AudioEncoder / AudioDecoder: one round trip per profile, profile switches mid-stream on both
// sides (the decoder follows each packet's codec id), and bad input.
#include <gtest/gtest.h>

#include <vector>

#include "codec_signals.hpp"
#include "media/codec/audio_decoder.hpp"
#include "media/codec/audio_encoder.hpp"

namespace wzp::media {
namespace {

using wire::CodecId;
using wire::QualityProfile;

constexpr QualityProfile kOpus16k{CodecId::opus16k, 0.2f, 20, 5};
constexpr QualityProfile kCodec2Fast{CodecId::codec2_3200, 0.5f, 20,
                                     5};  // the reference's Codec2 test profile

TEST(Pcm, FrameGeometry) {
  EXPECT_EQ(samples_per_frame(20), 960u);
  EXPECT_EQ(samples_per_frame(40), 1920u);
  EXPECT_EQ(frame_ms_of(CodecId::opus24k), 20u);
  EXPECT_EQ(frame_ms_of(CodecId::opus6k), 40u);
  EXPECT_EQ(frame_ms_of(CodecId::codec2_3200), 20u);
  EXPECT_EQ(frame_ms_of(CodecId::codec2_1200), 40u);
  EXPECT_EQ(frame_ms_of(CodecId::comfort_noise), 20u);
}

struct ProfileCase {
  const char* name;
  QualityProfile profile;
  bool waveform;  // Opus keeps the waveform; Codec2 only the spectrum and envelope
  double floor;
};

class AdaptiveRoundTrip : public ::testing::TestWithParam<ProfileCase> {};

TEST_P(AdaptiveRoundTrip, SpeechSurvives) {
  const auto& c = GetParam();
  auto enc = AudioEncoder::create(c.profile);
  auto dec = AudioDecoder::create();
  ASSERT_TRUE(enc.ok() && dec.ok());
  EXPECT_EQ(enc->profile(), c.profile);
  const auto pcm = test::speech_like(3.0);
  const size_t n = enc->frame_samples();
  std::vector<int16_t> decoded, out(kMaxFrameSamples);
  for (size_t at = 0; at + n <= pcm.size(); at += n) {
    auto frame = enc->encode(PcmView(pcm.data() + at, n));
    ASSERT_TRUE(frame.ok()) << frame.error().message;
    ASSERT_LE(frame->size(), kMaxEncodedFrameBytes);
    auto got = dec->decode(c.profile.codec, *frame, out);
    ASSERT_TRUE(got.ok()) << got.error().message;
    ASSERT_EQ(*got, n);
    decoded.insert(decoded.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
  }
  ASSERT_EQ(decoded.size(), pcm.size());
  const double score = c.waveform ? test::align(pcm, decoded, 1500, 9600).correlation
                                  : test::spectral_similarity(pcm, decoded, 9600);
  RecordProperty("score", std::to_string(score));
  EXPECT_GE(score, c.floor);
}

INSTANTIATE_TEST_SUITE_P(Profiles, AdaptiveRoundTrip,
                         ::testing::Values(ProfileCase{"GOOD", wire::kProfileGood, true, 0.95},
                                           ProfileCase{"DEGRADED", wire::kProfileDegraded, true, 0.75},
                                           ProfileCase{"CATASTROPHIC", wire::kProfileCatastrophic, false,
                                                       0.90},
                                           ProfileCase{"Opus16k", kOpus16k, true, 0.93},
                                           ProfileCase{"Codec2_3200", kCodec2Fast, false, 0.90}),
                         [](const auto& info) { return std::string(info.param.name); });

// GOOD -> CATASTROPHIC -> Opus16k -> Codec2 3200 -> GOOD, with no signalling to the decoder but
// the codec id of each frame: every frame decodes to its profile's length, and each stretch
// still carries the signal (Opus6k after Opus16k scored 0.68-0.80 before the encoder reset on a
// bitrate change, 0.93-0.95 after).
TEST(AdaptiveCodec, SwitchesProfilesMidStreamOnBothSides) {
  auto enc = AudioEncoder::create(wire::kProfileGood);
  auto dec = AudioDecoder::create();
  ASSERT_TRUE(enc.ok() && dec.ok());
  enc->set_expected_loss_pct(10);
  const auto pcm = test::speech_like(6.0);
  const QualityProfile plan[] = {wire::kProfileGood, wire::kProfileCatastrophic, kOpus16k,
                                 kCodec2Fast,        wire::kProfileDegraded,     wire::kProfileGood};
  std::vector<int16_t> decoded, out(kMaxFrameSamples);
  size_t at = 0;
  for (const auto& profile : plan) {
    ASSERT_TRUE(enc->set_profile(profile).ok());
    EXPECT_EQ(enc->profile(), profile);
    EXPECT_EQ(enc->expected_loss_pct(), 10);
    const size_t n = samples_per_frame(profile.frame_duration_ms);
    const size_t stretch_start = decoded.size();
    for (const size_t end = at + 48000; at + n <= end; at += n) {
      auto frame = enc->encode(PcmView(pcm.data() + at, n));
      ASSERT_TRUE(frame.ok()) << frame.error().message;
      auto got = dec->decode(profile.codec, *frame, out);
      ASSERT_TRUE(got.ok()) << got.error().message;
      ASSERT_EQ(*got, n);
      decoded.insert(decoded.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
    }
    // After the first 200 ms of each stretch, the decoded audio follows the input's loudness.
    const std::vector<int16_t> ref(pcm.begin() + static_cast<std::ptrdiff_t>(stretch_start),
                                   pcm.begin() + static_cast<std::ptrdiff_t>(at));
    const std::vector<int16_t> got(decoded.begin() + static_cast<std::ptrdiff_t>(stretch_start),
                                   decoded.end());
    double best = 0;
    for (size_t lag = 0; lag <= 1440; lag += 48)
      best = std::max(best, test::envelope_correlation(ref, got, lag, 9600));
    EXPECT_GT(best, 0.90) << wire::codec_name(profile.codec);
  }
  EXPECT_EQ(decoded.size(), at);
}

TEST(AdaptiveCodec, AllocationFreeEncodeMatchesTheBytesOne) {
  auto a = AudioEncoder::create(wire::kProfileGood);
  auto b = AudioEncoder::create(wire::kProfileGood);
  ASSERT_TRUE(a.ok() && b.ok());
  const auto pcm = test::speech_like(0.4);
  std::vector<uint8_t> buf(kMaxEncodedFrameBytes);
  for (size_t at = 0; at + 960 <= pcm.size(); at += 960) {
    auto bytes = a->encode(PcmView(pcm.data() + at, 960));
    auto len = b->encode(PcmView(pcm.data() + at, 960), buf);
    ASSERT_TRUE(bytes.ok() && len.ok());
    EXPECT_EQ(*bytes, Bytes(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*len)));
  }
}

TEST(AdaptiveCodec, RefusesProfilesItCannotRun) {
  EXPECT_FALSE(AudioEncoder::create({CodecId::comfort_noise, 0.0f, 20, 5}).ok());
  EXPECT_FALSE(AudioEncoder::create({CodecId::codec2_1200, 1.0f, 20, 8}).ok());  // 1200 is 40 ms frames
  EXPECT_FALSE(AudioEncoder::create({CodecId::opus24k, 0.2f, 60, 5}).ok());
  auto enc = AudioEncoder::create(wire::kProfileGood);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->set_profile({CodecId::opus16k, 0.2f, 30, 5}).error().code, Errc::invalid_argument);
  EXPECT_EQ(enc->profile(), wire::kProfileGood);  // unchanged
  std::vector<int16_t> pcm(1920);
  EXPECT_EQ(enc->encode(pcm).error().code, Errc::invalid_length);  // GOOD takes 960
  EXPECT_EQ(enc->encode(PcmView()).error().code, Errc::invalid_length);
}

TEST(AdaptiveCodec, DecoderRefusesWhatIsNotACodecFrame) {
  auto dec = AudioDecoder::create();
  ASSERT_TRUE(dec.ok());
  std::vector<int16_t> out(kMaxFrameSamples);
  const uint8_t cn[] = {50};
  EXPECT_EQ(dec->decode(CodecId::comfort_noise, cn, out).error().code, Errc::invalid_argument);
  EXPECT_EQ(dec->decode(CodecId::opus24k, {}, out).error().code, Errc::invalid_argument);
  EXPECT_EQ(dec->decode(CodecId::codec2_1200, {}, out).error().code, Errc::malformed);
  const uint8_t bits[8] = {};
  EXPECT_EQ(dec->decode_fec(CodecId::codec2_3200, bits, 960, out).error().code, Errc::not_supported);
  EXPECT_EQ(dec->decode_fec(CodecId::comfort_noise, bits, 960, out).error().code, Errc::invalid_argument);
  EXPECT_EQ(dec->conceal(CodecId::comfort_noise, 960, out).error().code, Errc::invalid_argument);
  // Concealment before anything arrived is silence-like, of the requested length.
  for (const auto codec : {CodecId::opus24k, CodecId::codec2_1200}) {
    auto got = dec->conceal(codec, 1920, out);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, 1920u);
  }
}

}  // namespace
}  // namespace wzp::media

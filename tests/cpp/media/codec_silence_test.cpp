// Silence detection (media.md §7.1 and the reference's silence tests, §15) and comfort noise.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "codec_signals.hpp"
#include "media/codec/comfort_noise.hpp"
#include "media/codec/silence_detector.hpp"

namespace wzp::media {
namespace {

TEST(SilenceDetector, FiveSilentFramesAreSentTheSixthIsSuppressed) {
  SilenceDetector detector;  // threshold 100, hangover 5
  const std::vector<int16_t> zeros(960, 0);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(detector.suppress(zeros)) << i;
  EXPECT_TRUE(detector.suppress(zeros));
  EXPECT_TRUE(detector.suppress(zeros));
}

TEST(SilenceDetector, SpeechIsNeverSuppressed) {
  SilenceDetector detector;
  const auto loud = test::tone(1000, 10000, 960 * 20);
  for (size_t at = 0; at < loud.size(); at += 960)
    EXPECT_FALSE(detector.suppress(PcmView(loud.data() + at, 960)));
}

TEST(SilenceDetector, SpeechEndsSuppressionAtOnce) {
  SilenceDetector detector(100.0, 3);
  const std::vector<int16_t> zeros(960, 0);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(detector.suppress(zeros)) << i;
  EXPECT_TRUE(detector.suppress(zeros));  // the 4th: more silent frames than the hangover
  EXPECT_TRUE(detector.suppress(zeros));
  const auto voice = test::tone(440, 5000, 1920);
  EXPECT_FALSE(detector.suppress(PcmView(voice.data(), 960)));
  EXPECT_FALSE(detector.suppress(PcmView(voice.data() + 960, 960)));
  // The hangover starts again from zero.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(detector.suppress(zeros)) << i;
  EXPECT_TRUE(detector.suppress(zeros));
}

TEST(SilenceDetector, ThresholdIsStrict) {
  SilenceDetector detector(100.0, 0);
  const std::vector<int16_t> at_threshold(960, 100);
  const std::vector<int16_t> below(960, 99);
  EXPECT_FALSE(detector.suppress(at_threshold));  // rms 100 is not < 100
  EXPECT_TRUE(detector.suppress(below));
  // A 40 ms frame counts as one frame.
  const std::vector<int16_t> long_quiet(1920, 10);
  EXPECT_TRUE(detector.suppress(long_quiet));
  detector.reset();
  EXPECT_FALSE(detector.suppressing());
}

TEST(SilenceDetector, Rms) {
  EXPECT_EQ(rms(std::vector<int16_t>(960, 0)), 0.0);
  EXPECT_NEAR(rms(std::vector<int16_t>(960, 100)), 100.0, 0.01);
  EXPECT_NEAR(rms(std::vector<int16_t>{3, 4}), 3.5355, 0.001);
  EXPECT_EQ(rms(PcmView()), 0.0);
  EXPECT_NEAR(rms(std::vector<int16_t>(4, -32768)), 32768.0, 0.01);
}

TEST(ComfortNoise, StaysWithinTheLevelAndUsesItsRange) {
  ComfortNoise noise(7);
  std::vector<int16_t> frame(960);
  double sum = 0, sq = 0;
  int min = 0, max = 0;
  for (int f = 0; f < 50; ++f) {
    noise.generate(frame);
    for (const int16_t s : frame) {
      ASSERT_GE(s, -50);
      ASSERT_LE(s, 50);
      sum += s;
      sq += static_cast<double>(s) * s;
      min = std::min<int>(min, s);
      max = std::max<int>(max, s);
    }
  }
  const double n = 50.0 * 960.0;
  EXPECT_EQ(min, -50);
  EXPECT_EQ(max, 50);
  EXPECT_NEAR(sum / n, 0.0, 1.0);
  EXPECT_NEAR(std::sqrt(sq / n), 50.0 / std::sqrt(3.0), 1.5);  // uniform: level / sqrt(3)
}

TEST(ComfortNoise, FollowsTheLevelByte) {
  ComfortNoise noise;
  std::vector<int16_t> frame(960);
  noise.set_level(0);
  noise.generate(frame);
  for (const int16_t s : frame) EXPECT_EQ(s, 0);
  noise.set_level(255);
  EXPECT_EQ(noise.level(), 255);
  noise.generate(frame);
  int peak = 0;
  for (const int16_t s : frame) peak = std::max(peak, std::abs(int{s}));
  EXPECT_LE(peak, 255);
  EXPECT_GT(peak, 200);
}

TEST(ComfortNoise, SeededAndReproducible) {
  ComfortNoise a(42), b(42), c(43);
  std::vector<int16_t> fa(960), fb(960), fc(960);
  a.generate(fa);
  b.generate(fb);
  c.generate(fc);
  EXPECT_EQ(fa, fb);
  EXPECT_NE(fa, fc);
  a.generate(fb);
  EXPECT_NE(fa, fb);  // the sequence moves on
}

}  // namespace
}  // namespace wzp::media

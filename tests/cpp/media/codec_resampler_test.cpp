// The libspeexdsp resampler between 48 kHz and Codec2's 8 kHz: exact lengths per frame, state
// carried across frames, a known delay, and a real anti-aliasing filter (a 6-sample box average
// would fold a 6 kHz tone onto 2 kHz at a third of its amplitude).
#include <gtest/gtest.h>

#include <vector>

#include "codec_signals.hpp"
#include "media/codec/resampler.hpp"

namespace wzp::media {
namespace {

std::vector<int16_t> run_frames(Resampler& r, const std::vector<int16_t>& in, size_t frame) {
  std::vector<int16_t> out;
  std::vector<int16_t> buf(frame * r.out_rate() / r.in_rate());
  for (size_t at = 0; at + frame <= in.size(); at += frame) {
    auto got = r.process(PcmView(in.data() + at, frame), buf);
    EXPECT_TRUE(got.ok());
    EXPECT_EQ(*got, buf.size());
    out.insert(out.end(), buf.begin(), buf.end());
  }
  return out;
}

TEST(Resampler, FrameLengthsAreExactBothWays) {
  auto down = Resampler::create(48000, 8000);
  auto up = Resampler::create(8000, 48000);
  ASSERT_TRUE(down.ok() && up.ok());
  const auto pcm = test::speech_like(0.5);
  for (const size_t frame : {960u, 1920u}) {
    const size_t whole = pcm.size() / frame * frame;
    const auto low = run_frames(*down, pcm, frame);
    EXPECT_EQ(low.size(), whole / 6);
    const auto high = run_frames(*up, low, frame / 6);
    EXPECT_EQ(high.size(), whole);
  }
  std::vector<int16_t> out(10);
  auto empty = down->process({}, out);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, 0u);
  std::vector<int16_t> short_out(159);
  EXPECT_EQ(down->process(PcmView(pcm.data(), 960), short_out).error().code, Errc::buffer_too_small);
  EXPECT_FALSE(Resampler::create(0, 8000).ok());
  EXPECT_FALSE(Resampler::create(48000, 8000, 11).ok());
}

// Frame by frame gives exactly what one call over the whole signal gives: no per-frame restart.
TEST(Resampler, StateIsCarriedAcrossFrames) {
  const auto pcm = test::speech_like(0.5);
  auto framed = Resampler::create(48000, 8000);
  auto whole = Resampler::create(48000, 8000);
  ASSERT_TRUE(framed.ok() && whole.ok());
  const auto a = run_frames(*framed, pcm, 960);
  const auto b = run_frames(*whole, pcm, pcm.size());
  EXPECT_EQ(a, b);
}

TEST(Resampler, RoundTripDelayIsTheFiltersReportedDelay) {
  auto down = Resampler::create(48000, 8000);
  auto up = Resampler::create(8000, 48000);
  ASSERT_TRUE(down.ok() && up.ok());
  const auto pcm = test::speech_like(1.0);
  const auto back = run_frames(*up, run_frames(*down, pcm, 960), 160);
  const size_t reported = down->delay_out_samples() * 6 + up->delay_out_samples();
  const auto a = test::align(pcm, back, 1000, 4800);
  RecordProperty("delay_samples", std::to_string(a.lag));
  RecordProperty("reported", std::to_string(reported));
  EXPECT_NEAR(static_cast<double>(a.lag), static_cast<double>(reported), 6.0);
  EXPECT_GT(a.correlation, 0.97);  // the signal is below 3.4 kHz: it survives 8 kHz sampling
}

// A 500 Hz tone down to 8 kHz and back keeps its frequency (zero crossings) and stays pure.
TEST(Resampler, ToneKeepsItsFrequencyThroughTheRoundTrip) {
  auto down = Resampler::create(48000, 8000);
  auto up = Resampler::create(8000, 48000);
  ASSERT_TRUE(down.ok() && up.ok());
  const auto pcm = test::tone(500, 10000, 48000);
  const auto back = run_frames(*up, run_frames(*down, pcm, 960), 160);
  ASSERT_EQ(back.size(), pcm.size());
  const double hz = test::zero_crossing_hz(back, 4800, back.size());
  EXPECT_NEAR(hz, 500.0, 2.0);  // one crossing more or less is 1.1 Hz here
  const double on = test::goertzel(back, 500, 4800, back.size());
  for (const double off : {250.0, 450.0, 550.0, 1000.0, 1500.0}) {
    EXPECT_GT(on, 1000 * test::goertzel(back, off, 4800, back.size())) << off;
  }
}

TEST(Resampler, FiltersWhatWouldAlias) {
  auto down = Resampler::create(48000, 8000);
  ASSERT_TRUE(down.ok());
  const auto high = test::tone(6000, 10000, 48000);
  const auto low = run_frames(*down, high, 960);
  std::vector<int16_t> tail(low.begin() + 800, low.end());
  double sum = 0;
  for (const int16_t s : tail) sum += static_cast<double>(s) * s;
  const double rms = std::sqrt(sum / static_cast<double>(tail.size()));
  RecordProperty("alias_rms", std::to_string(rms));
  EXPECT_LT(rms, 100.0);  // input rms 7071; a box filter leaves about 2200
}

TEST(Resampler, ResetStartsFromSilence) {
  auto r = Resampler::create(48000, 8000);
  auto fresh = Resampler::create(48000, 8000);
  ASSERT_TRUE(r.ok() && fresh.ok());
  const auto pcm = test::speech_like(0.2);
  (void)run_frames(*r, pcm, 960);
  r->reset();
  EXPECT_EQ(run_frames(*r, pcm, 960), run_frames(*fresh, pcm, 960));
}

}  // namespace
}  // namespace wzp::media

// A streaming sample-rate converter (libspeexdsp), one direction, mono int16. Filter state is
// carried across calls, so consecutive frames join without clicks (fixes N-18).
#pragma once

#include <cstdint>
#include <memory>

#include "core/result.hpp"
#include "media/pcm.hpp"

struct SpeexResamplerState_;

namespace wzp::media {

class Resampler {
 public:
  /// Quality 0..10 (libspeexdsp's scale); 5 is its "VoIP" default.
  static Result<Resampler> create(uint32_t in_rate, uint32_t out_rate, int quality = 5);

  /// Converts all of `in` into `out`. For the integer ratios used here (6:1, 1:6) a frame of
  /// n input samples yields exactly n * out_rate / in_rate samples; `out` must hold them.
  /// Returns the samples written.
  Result<size_t> process(PcmView in, PcmSpan out);

  /// Forget the filter history (the next call starts from silence).
  void reset();

  /// Output samples between an input sample and its image in the output (the filter's group
  /// delay), in output-rate samples.
  uint32_t delay_out_samples() const;

  uint32_t in_rate() const { return in_rate_; }
  uint32_t out_rate() const { return out_rate_; }

 private:
  struct Deleter {
    void operator()(SpeexResamplerState_* state) const noexcept;
  };
  Resampler(std::unique_ptr<SpeexResamplerState_, Deleter> state, uint32_t in_rate, uint32_t out_rate)
      : state_(std::move(state)), in_rate_(in_rate), out_rate_(out_rate) {}

  std::unique_ptr<SpeexResamplerState_, Deleter> state_;
  uint32_t in_rate_;
  uint32_t out_rate_;
};

}  // namespace wzp::media

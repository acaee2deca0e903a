#include "media/codec/resampler.hpp"

#include <speex/speex_resampler.h>

#include <limits>
#include <string>

namespace wzp::media {

void Resampler::Deleter::operator()(SpeexResamplerState_* state) const noexcept {
  speex_resampler_destroy(state);
}

Result<Resampler> Resampler::create(uint32_t in_rate, uint32_t out_rate, int quality) {
  if (in_rate == 0 || out_rate == 0 || quality < SPEEX_RESAMPLER_QUALITY_MIN ||
      quality > SPEEX_RESAMPLER_QUALITY_MAX) {
    return make_error(Errc::invalid_argument, "resampler: bad rate or quality");
  }
  int err = RESAMPLER_ERR_SUCCESS;
  std::unique_ptr<SpeexResamplerState_, Deleter> state(
      speex_resampler_init(1, in_rate, out_rate, quality, &err));
  if (!state || err != RESAMPLER_ERR_SUCCESS) {
    return make_error(Errc::no_memory, std::string("resampler: ") + speex_resampler_strerror(err));
  }
  return Resampler(std::move(state), in_rate, out_rate);
}

Result<size_t> Resampler::process(PcmView in, PcmSpan out) {
  const uint64_t expected = uint64_t{in.size()} * out_rate_ / in_rate_;
  if (in.size() > std::numeric_limits<spx_uint32_t>::max() || out.size() < expected) {
    return make_error(Errc::buffer_too_small, "resampler: output shorter than the converted input");
  }
  auto in_len = static_cast<spx_uint32_t>(in.size());
  auto out_len =
      static_cast<spx_uint32_t>(std::min<size_t>(out.size(), std::numeric_limits<spx_uint32_t>::max()));
  const int err = speex_resampler_process_int(state_.get(), 0, in.data(), &in_len, out.data(), &out_len);
  if (err != RESAMPLER_ERR_SUCCESS) {
    return make_error(Errc::internal, std::string("resampler: ") + speex_resampler_strerror(err));
  }
  if (in_len != in.size()) return make_error(Errc::internal, "resampler: input not fully consumed");
  return size_t{out_len};
}

void Resampler::reset() { speex_resampler_reset_mem(state_.get()); }

uint32_t Resampler::delay_out_samples() const {
  const int latency = speex_resampler_get_output_latency(state_.get());
  return latency > 0 ? static_cast<uint32_t>(latency) : 0;
}

}  // namespace wzp::media

#include "media/codec/codec2_codec.hpp"

#include <codec2/codec2.h>

#include <algorithm>
#include <string>

namespace wzp::media {
namespace {

constexpr uint32_t kRatio = kSampleRate / kCodec2Rate;  // 6

size_t slot_of(wire::CodecId codec) { return codec == wire::CodecId::codec2_3200 ? 0 : 1; }

Result<Codec2State*> lazy_state(std::array<std::optional<Codec2State>, 2>& states, wire::CodecId codec) {
  if (!is_codec2(codec)) return make_error(Errc::invalid_argument, "codec2: not a Codec2 codec id");
  auto& slot = states[slot_of(codec)];
  if (!slot) {
    auto created = Codec2State::create(codec);
    if (!created) return std::move(created).error();
    slot.emplace(std::move(created).value());
  }
  return &*slot;
}

}  // namespace

bool is_codec2(wire::CodecId codec) noexcept {
  return codec == wire::CodecId::codec2_3200 || codec == wire::CodecId::codec2_1200;
}

void Codec2State::Deleter::operator()(CODEC2* state) const noexcept { codec2_destroy(state); }

Codec2State::Codec2State(std::unique_ptr<CODEC2, Deleter> state)
    : state_(std::move(state)),
      samples_(static_cast<size_t>(codec2_samples_per_frame(state_.get()))),
      bytes_(static_cast<size_t>(codec2_bytes_per_frame(state_.get()))) {}

Result<Codec2State> Codec2State::create(wire::CodecId codec) {
  if (!is_codec2(codec)) return make_error(Errc::invalid_argument, "codec2: not a Codec2 codec id");
  std::unique_ptr<CODEC2, Deleter> raw(
      codec2_create(codec == wire::CodecId::codec2_3200 ? CODEC2_MODE_3200 : CODEC2_MODE_1200));
  if (!raw) return make_error(Errc::no_memory, "codec2: codec2_create failed");
  Codec2State state(std::move(raw));
  // The buffers below are sized for these modes (160/320 samples, 8/6 bytes).
  if (state.samples_ == 0 || state.samples_ > kMaxFrameSamples / kRatio || state.bytes_ == 0 ||
      state.bytes_ > 8) {
    return make_error(Errc::internal, "codec2: unexpected frame geometry");
  }
  return state;
}

void Codec2State::encode(const int16_t* pcm8k, uint8_t* bits) {
  // libcodec2 takes non-const pointers but does not write the speech input.
  codec2_encode(state_.get(), bits, const_cast<int16_t*>(pcm8k));
}

void Codec2State::decode(const uint8_t* bits, int16_t* pcm8k) { codec2_decode(state_.get(), pcm8k, bits); }

Result<Codec2VoiceEncoder> Codec2VoiceEncoder::create() {
  auto down = Resampler::create(kSampleRate, kCodec2Rate);
  if (!down) return std::move(down).error();
  return Codec2VoiceEncoder(std::move(down).value());
}

Result<Codec2State*> Codec2VoiceEncoder::state_for(wire::CodecId codec) { return lazy_state(states_, codec); }

Result<size_t> Codec2VoiceEncoder::encode(wire::CodecId codec, PcmView pcm, std::span<uint8_t> out) {
  auto state = state_for(codec);
  if (!state) return std::move(state).error();
  Codec2State& c2 = **state;
  const size_t step48 = c2.samples_per_codec_frame() * kRatio;
  if (pcm.empty() || pcm.size() % step48 != 0 || pcm.size() > kMaxFrameSamples) {
    return make_error(Errc::invalid_length, "codec2: " + std::to_string(pcm.size()) +
                                                " samples are not whole frames of " + std::to_string(step48));
  }
  const size_t frames = pcm.size() / step48;
  const size_t need = frames * c2.bytes_per_codec_frame();
  if (out.size() < need) return make_error(Errc::buffer_too_small, "codec2: no room for the frame");
  auto down = downsampler_.process(pcm, pcm8k_);
  if (!down) return std::move(down).error();
  for (size_t i = 0; i < frames; ++i) {
    c2.encode(pcm8k_.data() + i * c2.samples_per_codec_frame(), out.data() + i * c2.bytes_per_codec_frame());
  }
  return need;
}

Result<Codec2VoiceDecoder> Codec2VoiceDecoder::create() {
  auto up = Resampler::create(kCodec2Rate, kSampleRate);
  if (!up) return std::move(up).error();
  return Codec2VoiceDecoder(std::move(up).value());
}

Result<Codec2State*> Codec2VoiceDecoder::state_for(wire::CodecId codec) { return lazy_state(states_, codec); }

Result<size_t> Codec2VoiceDecoder::decode(wire::CodecId codec, ByteView frame, PcmSpan out) {
  auto state = state_for(codec);
  if (!state) return std::move(state).error();
  Codec2State& c2 = **state;
  const size_t bytes = c2.bytes_per_codec_frame();
  const size_t frames = frame.size() / bytes;
  if (frame.empty() || frame.size() % bytes != 0 || frames * c2.samples_per_codec_frame() > pcm8k_.size()) {
    return make_error(Errc::malformed, "codec2: " + std::to_string(frame.size()) +
                                           " bytes are not whole frames of " + std::to_string(bytes));
  }
  const size_t n8k = frames * c2.samples_per_codec_frame();
  if (out.size() < n8k * kRatio)
    return make_error(Errc::buffer_too_small, "codec2: output shorter than the frame");
  for (size_t i = 0; i < frames; ++i) {
    c2.decode(frame.data() + i * bytes, pcm8k_.data() + i * c2.samples_per_codec_frame());
  }
  std::copy_n(frame.data() + (frames - 1) * bytes, bytes, last_bits_.begin());
  last_codec_ = codec;
  concealed_once_ = false;
  return upsampler_.process(PcmView(pcm8k_.data(), n8k), out);
}

Result<size_t> Codec2VoiceDecoder::conceal(size_t frame_samples, PcmSpan out) {
  if (frame_samples == 0 || frame_samples % kRatio != 0 || frame_samples > kMaxFrameSamples) {
    return make_error(Errc::invalid_argument, "codec2: a lost frame is 6..1920 samples in steps of 6");
  }
  if (out.size() < frame_samples)
    return make_error(Errc::buffer_too_small, "codec2: output shorter than the frame");
  const size_t n8k = frame_samples / kRatio;
  std::fill_n(pcm8k_.begin(), n8k, int16_t{0});
  if (last_codec_ && !concealed_once_) {
    auto state = state_for(*last_codec_);
    if (!state) return std::move(state).error();
    Codec2State& c2 = **state;
    // Repeat the last frame's parameters as often as the gap needs, then fade them out.
    for (size_t at = 0; at < n8k; at += c2.samples_per_codec_frame()) {
      std::array<int16_t, kMaxFrameSamples / kRatio> frame{};
      c2.decode(last_bits_.data(), frame.data());
      std::copy_n(frame.begin(), std::min(c2.samples_per_codec_frame(), n8k - at), pcm8k_.begin() + at);
    }
    for (size_t i = 0; i < n8k; ++i) {
      pcm8k_[i] = static_cast<int16_t>(pcm8k_[i] * static_cast<int32_t>(n8k - i) / static_cast<int32_t>(n8k));
    }
  }
  concealed_once_ = true;
  return upsampler_.process(PcmView(pcm8k_.data(), n8k), out);
}

void Codec2VoiceDecoder::restart() {
  upsampler_.reset();
  last_codec_.reset();
  concealed_once_ = false;
}

}  // namespace wzp::media

// libcodec2 (modes 3200 and 1200) behind 48 kHz PCM: libspeexdsp resamples 48 kHz <-> 8 kHz with
// its filter state carried across frames. One packet carries whole Codec2 frames: 20 ms at 3200
// (8 bytes), 40 ms at 1200 (6 bytes); a 40 ms frame at 3200 is two Codec2 frames (16 bytes).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/codec/resampler.hpp"
#include "media/pcm.hpp"
#include "wire/codec_id.hpp"

struct CODEC2;

namespace wzp::media {

inline constexpr uint32_t kCodec2Rate = 8000;

/// True for the two Codec2 ids.
bool is_codec2(wire::CodecId codec) noexcept;

/// One libcodec2 state for one mode (8 kHz side).
class Codec2State {
 public:
  static Result<Codec2State> create(wire::CodecId codec);

  size_t samples_per_codec_frame() const { return samples_; }  // 8 kHz samples
  size_t bytes_per_codec_frame() const { return bytes_; }
  void encode(const int16_t* pcm8k, uint8_t* bits);
  void decode(const uint8_t* bits, int16_t* pcm8k);

 private:
  struct Deleter {
    void operator()(CODEC2* state) const noexcept;
  };
  explicit Codec2State(std::unique_ptr<CODEC2, Deleter> state);

  std::unique_ptr<CODEC2, Deleter> state_;
  size_t samples_ = 0;
  size_t bytes_ = 0;
};

class Codec2VoiceEncoder {
 public:
  static Result<Codec2VoiceEncoder> create();

  /// `pcm` (48 kHz) must be whole Codec2 frames of `codec` (20 ms steps at 3200, 40 ms at 1200).
  /// Returns the bytes written to `out`.
  Result<size_t> encode(wire::CodecId codec, PcmView pcm, std::span<uint8_t> out);
  /// Start the resampler from silence (the stream comes back to Codec2 from Opus).
  void restart() { downsampler_.reset(); }

 private:
  explicit Codec2VoiceEncoder(Resampler downsampler) : downsampler_(std::move(downsampler)) {}
  Result<Codec2State*> state_for(wire::CodecId codec);

  Resampler downsampler_;
  std::array<std::optional<Codec2State>, 2> states_;  // 3200, 1200: created on first use
  std::array<int16_t, kMaxFrameSamples / 6> pcm8k_{};
};

class Codec2VoiceDecoder {
 public:
  static Result<Codec2VoiceDecoder> create();

  /// Whole Codec2 frames of `codec` -> 48 kHz samples (6 per 8 kHz sample).
  Result<size_t> decode(wire::CodecId codec, ByteView frame, PcmSpan out);
  /// Codec2 has no concealment of its own: the first lost frame after a decoded one repeats the
  /// last Codec2 frame's parameters with a linear fade to zero; further lost frames are silence.
  /// Both still pass through the resampler so its history stays continuous.
  Result<size_t> conceal(size_t frame_samples, PcmSpan out);
  /// Start the resampler from silence and forget the concealment history.
  void restart();

  /// Output delay of the 8 kHz -> 48 kHz filter, in 48 kHz samples.
  uint32_t resampler_delay() const { return upsampler_.delay_out_samples(); }

 private:
  explicit Codec2VoiceDecoder(Resampler upsampler) : upsampler_(std::move(upsampler)) {}
  Result<Codec2State*> state_for(wire::CodecId codec);

  Resampler upsampler_;
  std::array<std::optional<Codec2State>, 2> states_;
  std::array<int16_t, kMaxFrameSamples / 6> pcm8k_{};
  std::optional<wire::CodecId> last_codec_;  // the mode of last_bits_
  std::array<uint8_t, 8> last_bits_{};       // the last decoded Codec2 frame (for concealment)
  bool concealed_once_ = false;
};

}  // namespace wzp::media

// The adaptive decoder: picks the decoder from each packet's codec id (N-15), creating each codec
// on first use. Comfort noise (codec 5) is not a codec frame: the call engine plays it.
#pragma once

#include <optional>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/codec/codec2_codec.hpp"
#include "media/codec/opus_codec.hpp"
#include "media/pcm.hpp"
#include "wire/codec_id.hpp"

namespace wzp::media {

class AudioDecoder {
 public:
  static Result<AudioDecoder> create();

  /// Decode one codec frame; returns the samples written (960 or 1920 for our profiles; the
  /// length comes from the frame itself). `out` holds >= kMaxFrameSamples.
  Result<size_t> decode(wire::CodecId codec, ByteView frame, PcmSpan out);
  /// Opus in-band FEC: rebuild the frame BEFORE `next_frame` from its LBRR data (frame_samples
  /// = the lost frame's length). Errc::not_supported for Codec2.
  Result<size_t> decode_fec(wire::CodecId codec, ByteView next_frame, size_t frame_samples, PcmSpan out);
  /// Concealment for one lost frame of `frame_samples`: Opus PLC; Codec2 repeats the last
  /// frame faded out once, then silence (see Codec2VoiceDecoder::conceal).
  Result<size_t> conceal(wire::CodecId last_codec, size_t frame_samples, PcmSpan out);

 private:
  AudioDecoder() = default;
  // Prepares the codec family of `codec`; entering Codec2 from Opus restarts its resampler
  // (whose history would be stale), codec states themselves are kept as the sender keeps them.
  Status enter(wire::CodecId codec);

  std::optional<OpusVoiceDecoder> opus_;
  std::optional<Codec2VoiceDecoder> codec2_;
  std::optional<wire::CodecId> last_;
};

}  // namespace wzp::media

// libopus behind the profile's settings (media.md §3): 48 kHz mono, VOIP application, the codec
// id's bitrate, DTX, in-band FEC with a real expected-loss figure (N-17), voice signal type.
#pragma once

#include <cstdint>
#include <memory>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/pcm.hpp"
#include "wire/codec_id.hpp"

struct OpusEncoder;
struct OpusDecoder;

namespace wzp::media {

/// True for the three Opus ids.
bool is_opus(wire::CodecId codec) noexcept;

class OpusVoiceEncoder {
 public:
  /// `codec` is one of the Opus ids; `frame_ms` 20 or 40.
  static Result<OpusVoiceEncoder> create(wire::CodecId codec, uint32_t frame_ms);

  /// Another Opus id or frame length on the live encoder. A new id (bitrate) resets the
  /// encoder's state, settings kept: otherwise SILK keeps the old audio bandwidth for seconds
  /// (its bandwidth transition), and wideband at 6 kbit/s sounds much worse than narrowband.
  /// A frame length change alone keeps the state.
  Status configure(wire::CodecId codec, uint32_t frame_ms);
  /// The packet loss libopus plans its in-band FEC (LBRR) for, clamped to 0..100; 0 produces
  /// no FEC data at all.
  Status set_expected_loss_pct(int pct);

  /// One frame of frame_samples() samples into `out`; returns the packet length.
  Result<size_t> encode(PcmView pcm, std::span<uint8_t> out);

  size_t frame_samples() const { return samples_per_frame(frame_ms_); }
  wire::CodecId codec() const { return codec_; }

 private:
  struct Deleter {
    void operator()(::OpusEncoder* encoder) const noexcept;
  };
  explicit OpusVoiceEncoder(std::unique_ptr<::OpusEncoder, Deleter> encoder) : encoder_(std::move(encoder)) {}

  std::unique_ptr<::OpusEncoder, Deleter> encoder_;
  wire::CodecId codec_ = wire::CodecId::opus24k;
  uint32_t frame_ms_ = 20;
};

class OpusVoiceDecoder {
 public:
  static Result<OpusVoiceDecoder> create();

  /// One packet; its length in samples comes from the packet itself (20 and 40 ms alike, N-14).
  Result<size_t> decode(ByteView packet, PcmSpan out);
  /// The `frame_samples` lost just before `next_packet`, rebuilt from its in-band FEC data
  /// (libopus falls back to concealment when the packet carries none).
  Result<size_t> decode_fec(ByteView next_packet, size_t frame_samples, PcmSpan out);
  /// Packet loss concealment for `frame_samples` samples.
  Result<size_t> conceal(size_t frame_samples, PcmSpan out);
  /// Back to the initial state (used when the stream returns to Opus from another codec).
  void reset();

 private:
  struct Deleter {
    void operator()(::OpusDecoder* decoder) const noexcept;
  };
  explicit OpusVoiceDecoder(std::unique_ptr<::OpusDecoder, Deleter> decoder) : decoder_(std::move(decoder)) {}

  std::unique_ptr<::OpusDecoder, Deleter> decoder_;
};

}  // namespace wzp::media

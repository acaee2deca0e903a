// The adaptive encoder: one Opus and one Codec2 encoder for the whole session behind the active
// QualityProfile (media.md §5.1). Switching codec keeps the other codec's state.
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/codec/codec2_codec.hpp"
#include "media/codec/opus_codec.hpp"
#include "media/pcm.hpp"
#include "wire/quality_profile.hpp"

namespace wzp::media {

/// The largest codec frame AudioEncoder produces (the reference's Opus buffer).
inline constexpr size_t kMaxEncodedFrameBytes = 512;

/// OK when `profile` is one the encoder can run: an Opus id at 20 or 40 ms, Codec2_3200 at 20
/// or 40 ms, Codec2_1200 at 40 ms. Comfort noise is not a codec.
Status check_codec_profile(const wire::QualityProfile& profile);

class AudioEncoder {
 public:
  static Result<AudioEncoder> create(const wire::QualityProfile& profile);

  /// One frame of samples_per_frame(profile().frame_duration_ms) samples -> one codec frame.
  Result<Bytes> encode(PcmView pcm);
  /// The same without allocating: writes into `out` (kMaxEncodedFrameBytes is always enough)
  /// and returns the frame's length.
  Result<size_t> encode(PcmView pcm, std::span<uint8_t> out);

  /// Switch codec, bitrate or frame length; both codecs keep their state. A profile that
  /// check_codec_profile refuses leaves the encoder unchanged.
  Status set_profile(const wire::QualityProfile& profile);
  /// Loss the Opus in-band FEC is planned for (from receiver reports); 0 turns it inert.
  void set_expected_loss_pct(int pct);
  int expected_loss_pct() const { return loss_pct_; }

  const wire::QualityProfile& profile() const { return profile_; }
  size_t frame_samples() const { return samples_per_frame(profile_.frame_duration_ms); }

 private:
  AudioEncoder(const wire::QualityProfile& profile, OpusVoiceEncoder opus, Codec2VoiceEncoder codec2)
      : profile_(profile), opus_(std::move(opus)), codec2_(std::move(codec2)) {}

  wire::QualityProfile profile_;
  OpusVoiceEncoder opus_;
  Codec2VoiceEncoder codec2_;
  int loss_pct_ = 0;
  std::array<uint8_t, kMaxEncodedFrameBytes> scratch_{};
};

}  // namespace wzp::media

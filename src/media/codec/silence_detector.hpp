// Sender-side silence detection with hangover (media.md §7.1).
#pragma once

#include <cstdint>

#include "media/pcm.hpp"

namespace wzp::media {

/// Root mean square of the samples in double precision; 0 for an empty frame.
double rms(PcmView frame);

class SilenceDetector {
 public:
  /// Frames with rms < rms_threshold (strict) are silent; more than `hangover` silent frames in
  /// a row start suppression, the first non-silent frame ends it at once.
  explicit SilenceDetector(double rms_threshold = 100.0, uint32_t hangover = 5)
      : threshold_(rms_threshold), hangover_(hangover) {}

  /// True: do not send this frame.
  bool suppress(PcmView frame);
  void reset() {
    silent_frames_ = 0;
    suppressing_ = false;
  }
  bool suppressing() const { return suppressing_; }

 private:
  double threshold_;
  uint32_t hangover_;
  uint32_t silent_frames_ = 0;  // saturating
  bool suppressing_ = false;
};

}  // namespace wzp::media

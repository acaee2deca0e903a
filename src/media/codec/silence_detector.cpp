#include "media/codec/silence_detector.hpp"

#include <cmath>
#include <limits>

namespace wzp::media {

double rms(PcmView frame) {
  if (frame.empty()) return 0.0;
  double sum = 0.0;
  for (const int16_t s : frame) sum += static_cast<double>(s) * s;
  return std::sqrt(sum / static_cast<double>(frame.size()));
}

bool SilenceDetector::suppress(PcmView frame) {
  if (rms(frame) < threshold_) {
    if (silent_frames_ < std::numeric_limits<uint32_t>::max()) ++silent_frames_;
    if (silent_frames_ > hangover_) suppressing_ = true;
  } else {
    silent_frames_ = 0;
    suppressing_ = false;
  }
  return suppressing_;
}

}  // namespace wzp::media

// The datagrams participants send: a media header (wzp_media_header_encode), the stamp, then a
// filler up to --payload bytes, or one Opus frame of the --wav file (the frames in a loop, each
// participant starting at its own place).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "stamp.hpp"

namespace load {

class Payload {
 public:
  /// Payloads of `bytes` bytes (stamp included: at least kStampBytes).
  static Payload filler(size_t bytes);
  /// Payloads of the stamp and one Opus frame each.
  static Payload opus(std::vector<std::vector<uint8_t>> frames);

  /// The largest datagram build() writes.
  size_t max_datagram() const;
  /// Writes the datagram (send time 0: set it with set_send_time just before sending) into out
  /// (max_datagram() bytes); returns its size.
  size_t build(uint8_t* out, const Stamp& stamp, uint32_t interval_ms) const;
  bool is_opus() const { return !frames_.empty(); }
  /// Mean payload bytes (stamp included).
  double mean_payload_bytes() const;

 private:
  size_t filler_bytes_ = 0;
  std::vector<std::vector<uint8_t>> frames_;
};

/// Reads a sound file (any format libsndfile reads, resampled to 48 kHz mono) and encodes it
/// as 20 ms Opus frames at `bitrate` bits/s. False with `error` set when it cannot.
bool encode_opus_frames(const std::string& path, int bitrate, std::vector<std::vector<uint8_t>>& frames,
                        std::string& error);

}  // namespace load

// Helpers shared by the FEC tests: frames, a packetised stream and a receiver feed.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "media/fec/fec_receiver.hpp"
#include "media/fec/media_packetizer.hpp"
#include "wire/media_packet.hpp"

namespace wzp::media::fec_test {

/// `count` frames with lengths in [min_len, max_len] and seeded content.
inline std::vector<Bytes> make_frames(size_t count, size_t min_len, size_t max_len, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> len(min_len, max_len);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<Bytes> frames(count);
  for (auto& frame : frames) {
    frame.resize(len(rng));
    for (auto& b : frame) b = static_cast<uint8_t>(byte(rng));
  }
  return frames;
}

/// The datagrams of one block: `frames.size()` must equal the profile's K.
inline std::vector<Bytes> packetize_block(const wire::QualityProfile& profile,
                                          const std::vector<Bytes>& frames) {
  MediaPacketizer packetizer(profile);
  std::vector<Bytes> out;
  for (const auto& frame : frames) packetizer.push_frame(frame, out);
  return out;
}

inline wire::MediaHeader header_of(const Bytes& datagram) {
  auto parsed = wire::parse_media_packet(datagram);
  EXPECT_TRUE(parsed.ok());
  return parsed.ok() ? parsed->header : wire::MediaHeader{};
}

/// Parse and hand one datagram to the receiver.
inline void feed(FecReceiver& receiver, const Bytes& datagram, std::vector<RecoveredFrame>& recovered) {
  auto parsed = wire::parse_media_packet(datagram);
  ASSERT_TRUE(parsed.ok());
  receiver.on_packet(*parsed, recovered);
}

inline wire::QualityProfile profile_kr(wire::CodecId codec, uint8_t frame_ms, uint8_t k, float ratio) {
  return wire::QualityProfile{codec, ratio, frame_ms, k};
}

}  // namespace wzp::media::fec_test

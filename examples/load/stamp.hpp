// What every load datagram carries: a media packet as the relay forwards it (the 12-byte media
// header, built with wzp_media_header_encode), whose payload starts with a 24-byte stamp:
//   magic "WZLD" (4) | step (2) | room slot (2) | sender id (4) | sequence number (4) | send time (8)
// in host byte order (sender and receivers are the same process), the send time in CLOCK_MONOTONIC
// nanoseconds taken just before the send call. The rest of the payload is filler or an Opus frame.
#pragma once

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace load {

constexpr size_t kMediaHeaderBytes = 12;  // WZP_MEDIA_HEADER_BYTES
constexpr size_t kStampBytes = 24;
constexpr size_t kStampOffset = kMediaHeaderBytes;
constexpr size_t kSendTimeOffset = kStampOffset + 16;
constexpr uint8_t kMagic[4] = {'W', 'Z', 'L', 'D'};

struct Stamp {
  uint16_t step = 0;
  uint16_t slot = 0;
  uint32_t sender = 0;
  uint32_t seq = 0;
  uint64_t send_ns = 0;
};

inline uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

/// Writes the stamp after the media header (the send time is written again by set_send_time).
inline void put_stamp(uint8_t* datagram, const Stamp& s) {
  uint8_t* p = datagram + kStampOffset;
  std::memcpy(p, kMagic, 4);
  std::memcpy(p + 4, &s.step, 2);
  std::memcpy(p + 6, &s.slot, 2);
  std::memcpy(p + 8, &s.sender, 4);
  std::memcpy(p + 12, &s.seq, 4);
  std::memcpy(p + 16, &s.send_ns, 8);
}

inline void set_send_time(uint8_t* datagram, uint64_t ns) { std::memcpy(datagram + kSendTimeOffset, &ns, 8); }

/// The stamp of a received datagram; false when it is not a load datagram.
inline bool read_stamp(const uint8_t* datagram, size_t len, Stamp& out) {
  if (len < kStampOffset + kStampBytes) return false;
  const uint8_t* p = datagram + kStampOffset;
  if (std::memcmp(p, kMagic, 4) != 0) return false;
  std::memcpy(&out.step, p + 4, 2);
  std::memcpy(&out.slot, p + 6, 2);
  std::memcpy(&out.sender, p + 8, 4);
  std::memcpy(&out.seq, p + 12, 4);
  std::memcpy(&out.send_ns, p + 16, 8);
  return true;
}

}  // namespace load

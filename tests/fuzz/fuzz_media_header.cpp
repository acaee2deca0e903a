// Fuzz the media datagram parsers: MediaHeader, MediaPacket and compact
// (mini) frames. Accepted input must re-encode consistently.
#include <cstdlib>
#include <cstring>

#include "wire/media_packet.hpp"
#include "wire/mini_frame.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wzp::wire;
  const wzp::ByteView input(data, size);

  if (auto header = decode_media_header(input); header.ok()) {
    const auto bytes = encode_media_header(*header);
    check(bytes[1] == (data[1] & 0xFC));
    check(std::memcmp(bytes.data() + 2, data + 2, kMediaHeaderSize - 2) == 0);
  }

  if (auto packet = decode_media_packet(input); packet.ok()) {
    wzp::Bytes expected(data, data + size);
    expected[1] &= 0xFC;
    check(encode_media_packet(*packet) == expected);
  }

  // Compact frames: the input is a sequence of frames, each prefixed by one
  // length byte, decoded with one context (with and without a baseline).
  for (int with_baseline = 0; with_baseline < 2; ++with_baseline) {
    CompactDecoder decoder;
    if (with_baseline) decoder.set_baseline(MediaHeader{});
    wzp::ByteView rest = input;
    while (!rest.empty()) {
      const size_t len = std::min<size_t>(rest[0], rest.size() - 1);
      auto packet = decoder.decode(rest.subspan(1, len));
      if (packet.ok()) check(decoder.baseline() == packet->header);
      rest = rest.subspan(1 + len);
    }
  }
  return 0;
}

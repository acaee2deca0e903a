// Fuzz the FEC receive side: arbitrary datagrams (each prefixed by a length byte) parsed
// as media packets and handed to one FecReceiver. Whatever it rebuilds must fit the
// protocol's bounds, and the state it keeps must stay bounded.
#include <cstdlib>
#include <vector>

#include "media/fec/fec_receiver.hpp"
#include "media/fec/repair_format.hpp"
#include "wire/media_packet.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wzp::media;
  const wzp::ByteView input(data, size);
  FecReceiver receiver;
  std::vector<RecoveredFrame> recovered;
  wzp::ByteView rest = input;
  while (!rest.empty()) {
    const size_t len = std::min<size_t>(rest[0], rest.size() - 1);
    auto packet = wzp::wire::parse_media_packet(rest.subspan(1, len));
    rest = rest.subspan(1 + len);
    if (!packet.ok()) continue;
    const size_t before = recovered.size();
    receiver.on_packet(*packet, recovered);
    for (size_t i = before; i < recovered.size(); ++i) {
      check(recovered[i].frame.size() <= kFecMaxFrameBytes);
      check(recovered[i].codec != wzp::wire::CodecId::comfort_noise);
    }
    check(receiver.blocks_held() <= 9);
  }
  const auto stats = receiver.stats();
  check(stats.frames_recovered == recovered.size());
  return 0;
}

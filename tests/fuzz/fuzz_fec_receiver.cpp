// Fuzz the FEC receive side: arbitrary datagrams (each prefixed by a length byte) parsed
// as media packets and handed to one FecReceiver. Whatever it rebuilds must fit the
// protocol's bounds, and the state it keeps must stay bounded. Its hints and rebuilt frames
// go to a jitter buffer that plays a frame per packet, as the call engine does.
#include <cstdlib>
#include <vector>

#include "media/fec/fec_receiver.hpp"
#include "media/fec/repair_format.hpp"
#include "media/playout/jitter_buffer.hpp"
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
  SeqHints hints;
  JitterBuffer jitter;
  int64_t now_ms = 0;
  wzp::ByteView rest = input;
  while (!rest.empty()) {
    const size_t len = std::min<size_t>(rest[0], rest.size() - 1);
    auto packet = wzp::wire::parse_media_packet(rest.subspan(1, len));
    rest = rest.subspan(1 + len);
    if (!packet.ok()) continue;
    const size_t before = recovered.size();
    receiver.on_packet(*packet, recovered, &hints);
    check(hints.missing.size() <= kFecMaxSource);
    check(hints.no_audio.size() <= 2 * 256 + kFecMaxRepair);
    for (const uint16_t seq : hints.no_audio) jitter.note_repair_seq(seq);
    for (const auto& m : hints.missing) jitter.note_missing_frame(m.seq, m.timestamp, m.codec, m.frame_ms);
    hints.clear();
    for (size_t i = before; i < recovered.size(); ++i) {
      check(recovered[i].frame.size() <= kFecMaxFrameBytes);
      check(recovered[i].codec != wzp::wire::CodecId::comfort_noise);
      const auto& r = recovered[i];
      jitter.push(JitterEntry{r.seq, r.timestamp, r.codec, r.frame, true}, now_ms);
    }
    if (!packet->header.is_repair) {
      const auto& h = packet->header;
      jitter.push(JitterEntry{h.seq, h.timestamp, h.codec,
                              wzp::Bytes(packet->payload.begin(), packet->payload.end())},
                  now_ms);
    }
    now_ms += 20;
    jitter.pop(now_ms);
    check(receiver.blocks_held() <= 9);
    check(jitter.stats().depth_packets <= JitterConfig{}.max_packets);
  }
  const auto stats = receiver.stats();
  check(stats.frames_recovered == recovered.size());
  return 0;
}

// Fuzz the signaling stream reader: the first byte picks a chunk size, the
// rest is the stream. The result must not depend on the chunking.
#include <algorithm>
#include <cstdlib>

#include "wire/framing.hpp"

namespace {

wzp::Result<std::string> read(wzp::ByteView stream, size_t chunk,
                              wzp::wire::FrameReader::TrailingBytes mode) {
  wzp::wire::FrameReader reader(mode, 4096);  // small cap so the fuzzer reaches it
  for (size_t pos = 0; pos < stream.size(); pos += chunk) {
    auto status = reader.feed(stream.subspan(pos, std::min(chunk, stream.size() - pos)));
    if (!status.ok()) return std::move(status).error();
  }
  return reader.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wzp::wire;
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 16;
  const wzp::ByteView stream(data + 1, size - 1);

  for (auto mode : {FrameReader::TrailingBytes::ignore, FrameReader::TrailingBytes::reject}) {
    auto chunked = read(stream, chunk, mode);
    auto whole = read(stream, stream.size() + 1, mode);
    if (chunked.ok() != whole.ok()) std::abort();
    if (chunked.ok()) {
      if (*chunked != *whole || chunked->size() != wzp::load_be32(stream.data())) std::abort();
      auto reframed = frame_signal(*chunked);
      if (!reframed.ok() || !std::equal(reframed->begin(), reframed->end(), stream.begin())) std::abort();
    } else if (chunked.error().code != whole.error().code) {
      std::abort();
    }
  }
  (void)decode_signal_frame(stream);
  return 0;
}

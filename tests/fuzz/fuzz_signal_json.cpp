// Fuzz the SignalMessage and call-payload JSON decoders. An accepted message
// re-encodes to canonical JSON that decodes to the same message.
#include <cstdlib>
#include <string_view>

#include "wire/call_payload.hpp"
#include "wire/signal_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wzp::wire;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto message = decode_json(text); message.ok()) {
    const std::string canonical = encode_json(*message);
    auto again = decode_json(canonical);
    if (!again.ok() || !(*again == *message) || encode_json(*again) != canonical) std::abort();
  } else if (message.error().code != wzp::Errc::json) {
    std::abort();
  }

  if (auto payload = decode_call_payload(text); payload.ok()) {
    const std::string canonical = encode_json(*payload);
    auto again = decode_call_payload(canonical);
    if (!again.ok() || !(*again == *payload)) std::abort();
  }
  return 0;
}

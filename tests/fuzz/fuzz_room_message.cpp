// Fuzz the room extension's message decoder (what a relay reads from an agreeing
// client and a client from the relay). An accepted message re-encodes to JSON
// that decodes to the same message.
#include <cstdlib>
#include <string_view>

#include "wire/room_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wzp::wire;
  auto value = json::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!value.ok() || !is_room_message(*value)) return 0;
  auto message = decode_room_message(*value);
  if (!message.ok()) {
    if (message.error().code != wzp::Errc::json) std::abort();
    return 0;
  }
  const std::string canonical = encode_json(*message);
  auto reparsed = json::parse(canonical);
  if (!reparsed.ok() || !is_room_message(*reparsed)) std::abort();
  auto again = decode_room_message(*reparsed);
  if (!again.ok() || !(*again == *message) || encode_json(*again) != canonical) std::abort();
  return 0;
}

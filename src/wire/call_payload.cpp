#include "wire/call_payload.hpp"

#include <array>

#include "wire/json_writer.hpp"

namespace wzp::wire {
namespace {

void append_optional_string(std::string& out, const std::optional<std::string>& value) {
  if (value) {
    json::append_string(out, *value);
  } else {
    out += "null";
  }
}

}  // namespace

std::string encode_json(const CallPayload& payload) {
  std::string out = "{\"signal\":";
  append_json(out, payload.signal);
  out += ",\"relay_addr\":";
  append_optional_string(out, payload.relay_addr);
  out += ",\"room\":";
  append_optional_string(out, payload.room);
  if (payload.call_id) {
    out += ",\"call_id\":";
    json::append_string(out, *payload.call_id);
  }
  out += '}';
  return out;
}

Result<CallPayload> decode_call_payload(std::string_view text) {
  auto value = json::parse(text);
  if (!value) return std::move(value).error();
  static constexpr std::array<json::FieldSpec, 4> kFields{
      {{"signal"}, {"relay_addr", true}, {"room", true}, {"call_id", true}}};
  std::array<const json::Value*, 4> f{};
  WZP_TRY(json::struct_fields(*value, "CallPayload", kFields, f));
  auto signal = decode_json_value(*f[0]);
  if (!signal) return std::move(signal).error();
  auto relay_addr = json::to_optional_string(f[1], "CallPayload.relay_addr");
  if (!relay_addr) return std::move(relay_addr).error();
  auto room = json::to_optional_string(f[2], "CallPayload.room");
  if (!room) return std::move(room).error();
  auto call_id = json::to_optional_string(f[3], "CallPayload.call_id");
  if (!call_id) return std::move(call_id).error();
  return CallPayload{std::move(*signal), std::move(*relay_addr), std::move(*room), std::move(*call_id)};
}

}  // namespace wzp::wire

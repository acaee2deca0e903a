#include "featherchat/call_signal_json.hpp"

#include <array>

#include "wire/json_reader.hpp"
#include "wire/json_writer.hpp"

namespace wzp::featherchat {

namespace {

void append_member(std::string& out, std::string_view key, std::string_view value, bool first = false) {
  if (!first) out += ',';
  wire::json::append_string(out, key);
  out += ':';
  wire::json::append_string(out, value);
}

void append_optional(std::string& out, std::string_view key, const std::optional<std::string>& value) {
  if (value) return append_member(out, key, *value);
  out += ',';
  wire::json::append_string(out, key);
  out += ":null";
}

void append_time(std::string& out, std::string_view key, int64_t ms) {
  out += ',';
  wire::json::append_string(out, key);
  out += ':';
  if (ms < 0) {
    out += "-1";
  } else {
    wire::json::append_u64(out, static_cast<uint64_t>(ms));
  }
}

}  // namespace

std::string encode_call_signal_json(const CallSignal& message) {
  std::string out = "{";
  append_member(out, "id", message.id, true);
  append_member(out, "sender_fingerprint", message.sender_fingerprint);
  append_member(out, "signal_type", call_signal_type_name(message.signal_type));
  append_member(out, "payload", message.payload);
  append_member(out, "target", message.target);
  out += '}';
  return out;
}

Result<CallSignal> decode_call_signal_json(std::string_view text) {
  auto value = wire::json::parse(text);
  if (!value) return std::move(value).error();
  static constexpr std::array<wire::json::FieldSpec, 5> kFields{
      {{"id"}, {"sender_fingerprint"}, {"signal_type"}, {"payload"}, {"target"}}};
  std::array<const wire::json::Value*, 5> f{};
  WZP_TRY(wire::json::struct_fields(*value, "CallSignal", kFields, f));
  std::array<std::string, 5> s;
  static constexpr std::array<std::string_view, 5> kWhere{"CallSignal.id", "CallSignal.sender_fingerprint",
                                                          "CallSignal.signal_type", "CallSignal.payload",
                                                          "CallSignal.target"};
  for (size_t i = 0; i < s.size(); ++i) {
    auto text_value = wire::json::to_string(*f[i], kWhere[i]);
    if (!text_value) return std::move(text_value).error();
    s[i] = std::move(*text_value);
  }
  auto type = call_signal_type_from_name(s[2]);
  if (!type) return make_error(Errc::json, "CallSignal.signal_type: unknown type \"" + s[2] + "\"");
  return CallSignal{std::move(s[0]), std::move(s[1]), *type, std::move(s[3]), std::move(s[4])};
}

std::string encode_call_record_json(const CallRecord& call) {
  std::string out = "{";
  append_member(out, "call_id", call.call_id, true);
  append_member(out, "direction", direction_name(call.direction));
  append_member(out, "peer", call.peer);
  append_optional(out, "relay_addr", call.relay_addr);
  append_optional(out, "room", call.room);
  append_optional(out, "relay_choice", call.relay_choice);
  append_member(out, "state", state_name(call.state));
  append_member(out, "end", end_name(call.end));
  out += ",\"ended_here\":";
  out += call.ended_here ? "true" : "false";
  append_member(out, "detail", call.detail);
  append_time(out, "offered_ms", call.offered_ms);
  append_time(out, "answered_ms", call.answered_ms);
  append_time(out, "active_ms", call.active_ms);
  append_time(out, "ended_ms", call.ended_ms);
  out += '}';
  return out;
}

}  // namespace wzp::featherchat

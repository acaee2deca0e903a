#include "wire/room_message.hpp"

#include <array>

#include "wire/base64.hpp"
#include "wire/json_writer.hpp"

namespace wzp::wire {
namespace {

constexpr std::array<std::string_view, std::variant_size_v<RoomMessage>> kNames{
    "WzpRoomPeers", "WzpPeerJoined", "WzpPeerLeft", "WzpPeerSignal"};

void key(std::string& out, std::string_view name, bool first = false) {
  if (!first) out += ',';
  out += '"';
  out += name;
  out += "\":";
}

void optional_string(std::string& out, const std::optional<std::string>& s) {
  if (s) {
    json::append_string(out, *s);
  } else {
    out += "null";
  }
}

void entry_fields(std::string& out, const PeerEntry& p) {
  key(out, "fingerprint", true);
  json::append_string(out, p.fingerprint);
  key(out, "alias");
  optional_string(out, p.alias);
}

void fields(std::string& out, const RoomPeers& m) {
  key(out, "peers", true);
  out += '[';
  for (size_t i = 0; i < m.peers.size(); ++i) {
    if (i) out += ',';
    out += '{';
    entry_fields(out, m.peers[i]);
    out += '}';
  }
  out += ']';
}
void fields(std::string& out, const PeerJoined& m) { entry_fields(out, m.peer); }
void fields(std::string& out, const PeerLeft& m) {
  entry_fields(out, m.peer);
  key(out, "code");
  json::append_u64(out, m.code);
  key(out, "origin");
  json::append_string(out, m.origin);
  key(out, "reason");
  json::append_string(out, m.reason);
}
void fields(std::string& out, const PeerSignal& m) {
  key(out, "from", true);
  optional_string(out, m.from);
  key(out, "to");
  optional_string(out, m.to);
  key(out, "data");
  out += '"';
  append_base64(out, m.data);
  out += '"';
}

Result<PeerEntry> entry_from(const json::Value& v, const std::string& where) {
  static constexpr std::array<json::FieldSpec, 2> kFields{{{"fingerprint"}, {"alias", true}}};
  std::array<const json::Value*, 2> f{};
  WZP_TRY(json::struct_fields(v, where, kFields, f));
  auto fp = json::to_string(*f[0], where + ".fingerprint");
  if (!fp) return std::move(fp).error();
  auto alias = json::to_optional_string(f[1], where + ".alias");
  if (!alias) return std::move(alias).error();
  return PeerEntry{std::move(*fp), std::move(*alias)};
}

Result<RoomMessage> decode_room_peers(const json::Value& v) {
  static constexpr std::array<json::FieldSpec, 1> kFields{{{"peers"}}};
  std::array<const json::Value*, 1> f{};
  WZP_TRY(json::struct_fields(v, "WzpRoomPeers", kFields, f));
  const auto* list = std::get_if<json::Array>(&f[0]->data);
  if (list == nullptr) return make_error(Errc::json, "WzpRoomPeers.peers: expected a sequence");
  RoomPeers m;
  m.peers.reserve(list->size());
  for (const auto& item : *list) {
    auto entry = entry_from(item, "WzpRoomPeers.peers[]");
    if (!entry) return std::move(entry).error();
    m.peers.push_back(std::move(*entry));
  }
  return RoomMessage{std::move(m)};
}

Result<RoomMessage> decode_peer_left(const json::Value& v) {
  auto entry = entry_from(v, "WzpPeerLeft");
  if (!entry) return std::move(entry).error();
  static constexpr std::array<json::FieldSpec, 3> kFields{{{"code"}, {"origin"}, {"reason"}}};
  std::array<const json::Value*, 3> f{};
  // Object form only: the entry's keys and the close's share one object.
  const auto* object = std::get_if<json::Object>(&v.data);
  if (object == nullptr) return make_error(Errc::json, "WzpPeerLeft: expected an object");
  WZP_TRY(json::struct_fields(v, "WzpPeerLeft", kFields, f));
  auto code = json::to_u64(*f[0], "WzpPeerLeft.code");
  if (!code) return std::move(code).error();
  auto origin = json::to_string(*f[1], "WzpPeerLeft.origin");
  if (!origin) return std::move(origin).error();
  auto reason = json::to_string(*f[2], "WzpPeerLeft.reason");
  if (!reason) return std::move(reason).error();
  return RoomMessage{PeerLeft{std::move(*entry), *code, std::move(*origin), std::move(*reason)}};
}

Result<RoomMessage> decode_peer_signal(const json::Value& v) {
  static constexpr std::array<json::FieldSpec, 3> kFields{{{"from", true}, {"to", true}, {"data"}}};
  std::array<const json::Value*, 3> f{};
  WZP_TRY(json::struct_fields(v, "WzpPeerSignal", kFields, f));
  auto from = json::to_optional_string(f[0], "WzpPeerSignal.from");
  if (!from) return std::move(from).error();
  auto to = json::to_optional_string(f[1], "WzpPeerSignal.to");
  if (!to) return std::move(to).error();
  auto text = json::to_string(*f[2], "WzpPeerSignal.data");
  if (!text) return std::move(text).error();
  auto data = from_base64(*text, "WzpPeerSignal.data");
  if (!data) return std::move(data).error();
  return RoomMessage{PeerSignal{std::move(*from), std::move(*to), std::move(*data)}};
}

const json::Member* tagged(const json::Value& value) noexcept {
  const auto* object = std::get_if<json::Object>(&value.data);
  if (object == nullptr || object->size() != 1) return nullptr;
  return &object->front();
}

}  // namespace

std::string encode_json(const RoomMessage& message) {
  std::string out = "{\"";
  out += kNames[message.index()];
  out += "\":{";
  std::visit([&out](const auto& m) { fields(out, m); }, message);
  out += "}}";
  return out;
}

bool is_room_message(const json::Value& value) noexcept {
  const auto* member = tagged(value);
  if (member == nullptr) return false;
  for (auto name : kNames) {
    if (member->key == name) return true;
  }
  return false;
}

Result<RoomMessage> decode_room_message(const json::Value& value) {
  const auto* member = tagged(value);
  if (member == nullptr) return make_error(Errc::json, "not a room message (expected a single-key object)");
  const auto& v = member->value;
  if (member->key == kNames[0]) return decode_room_peers(v);
  if (member->key == kNames[1]) {
    auto entry = entry_from(v, "WzpPeerJoined");
    if (!entry) return std::move(entry).error();
    return RoomMessage{PeerJoined{std::move(*entry)}};
  }
  if (member->key == kNames[2]) return decode_peer_left(v);
  if (member->key == kNames[3]) return decode_peer_signal(v);
  return make_error(Errc::json, "unknown room message `" + member->key + "`");
}

}  // namespace wzp::wire

#include "relay/acl_json.hpp"

#include <nlohmann/json.hpp>

namespace wzp::relay {
namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

std::string acl_json(const AccessList& acl) {
  Json rooms = Json::object();
  for (const auto& [room, fingerprints] : acl.rooms()) rooms[room] = fingerprints;
  return dump(
      Json{{"enabled", acl.enabled()}, {"default_deny", acl.default_deny()}, {"rooms", std::move(rooms)}});
}

std::string acl_room_json(const AccessList& acl, const std::string& room) {
  auto it = acl.rooms().find(room);
  const bool listed = it != acl.rooms().end();
  return dump(
      Json{{"room", room}, {"listed", listed}, {"fingerprints", listed ? Json(it->second) : Json::array()}});
}

Result<std::set<std::string>> parse_acl_members_json(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) return make_error(Errc::invalid_argument, "the body is not valid JSON");
  const nlohmann::json* list = &json;
  if (json.is_object()) {
    auto it = json.find("fingerprints");
    if (it == json.end() || json.size() != 1) {
      return make_error(Errc::invalid_argument,
                        "a JSON object body must be {\"fingerprints\": [...]} and nothing else");
    }
    list = &*it;
  }
  if (!list->is_array()) {
    return make_error(Errc::invalid_argument,
                      "the body must be a JSON array of fingerprints or {\"fingerprints\": [...]}");
  }
  std::set<std::string> out;
  for (size_t i = 0; i < list->size(); ++i) {
    const auto& item = (*list)[i];
    if (!item.is_string()) {
      return make_error(Errc::invalid_argument, "fingerprints[" + std::to_string(i) + "] is not a string");
    }
    auto fp = parse_acl_fingerprint(item.get_ref<const std::string&>());
    if (!fp)
      return make_error(Errc::invalid_argument,
                        "fingerprints[" + std::to_string(i) + "]: " + fp.error().message);
    out.insert(std::move(*fp));
  }
  return out;
}

}  // namespace wzp::relay

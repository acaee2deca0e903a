#include "relay/presence_json.hpp"

#include <nlohmann/json.hpp>

namespace wzp::relay {

namespace {

// nlohmann::json keeps object keys sorted, as the reference's sorted maps do.
using Json = nlohmann::json;

Json location_json(const PresenceLocation& location) {
  if (location.local) return "Local";
  return Json{{"Remote", location.relay_addr}};
}

std::string dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::string presence_json(const std::vector<PresenceEntry>& entries) {
  Json out = Json::array();
  for (const auto& e : entries)
    out.push_back({{"fingerprint", e.fingerprint}, {"location", location_json(e.location)}});
  return dump(out, 2);
}

std::string lookup_json(const std::string& fp, const std::optional<PresenceLocation>& location) {
  if (!location) return dump(Json{{"fingerprint", fp}, {"location", nullptr}}, -1);
  return dump(Json{{"fingerprint", fp}, {"location", location_json(*location)}}, 2);
}

std::string peers_json(const std::vector<PresencePeer>& peers) {
  Json out = Json::array();
  for (const auto& p : peers) {
    Json rtt = p.rtt_ms ? Json(*p.rtt_ms) : Json(nullptr);
    out.push_back({{"addr", p.addr}, {"fingerprints", p.fingerprints}, {"rtt_ms", std::move(rtt)}});
  }
  return dump(out, 2);
}

}  // namespace wzp::relay

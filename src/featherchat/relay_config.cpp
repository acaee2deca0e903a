#include "featherchat/relay_config.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "featherchat/host_port.hpp"

namespace wzp::featherchat {
namespace {

using Json = nlohmann::json;

Error field_error(const std::string& field, const std::string& why) {
  return make_error(Errc::malformed, "relay-config: \"" + field + "\" " + why);
}

Result<std::string> relay_field(const Json& value, const std::string& field) {
  if (!value.is_string()) return field_error(field, "is not a string");
  const auto text = value.get<std::string>();
  auto parsed = parse_host_port(text, "relay-config: \"" + field + "\"");
  if (!parsed) return std::move(parsed).error();
  return text;
}

bool websocket_url(const std::string& url) {
  for (std::string_view scheme : {"ws://", "wss://"})
    if (url.size() > scheme.size() && url.compare(0, scheme.size(), scheme) == 0) return true;
  return false;
}

}  // namespace

Result<RelayConfig> parse_relay_config(std::string_view json) {
  if (json.size() > kMaxRelayConfigBytes)
    return make_error(Errc::malformed,
                      "relay-config: over " + std::to_string(kMaxRelayConfigBytes) + " bytes");
  const Json doc = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return make_error(Errc::malformed, "relay-config: not JSON");
  if (!doc.is_object()) return make_error(Errc::malformed, "relay-config: not a JSON object");
  RelayConfig out;
  const auto addr = doc.find("relay_addr");
  if (addr == doc.end() || addr->is_null()) return field_error("relay_addr", "is missing");
  auto relay = relay_field(*addr, "relay_addr");
  if (!relay) return std::move(relay).error();
  out.relay_addr = std::move(relay).value();

  const auto bridge = doc.find("web_bridge_url");
  if (bridge != doc.end() && !bridge->is_null()) {
    if (!bridge->is_string()) return field_error("web_bridge_url", "is not a string");
    auto url = bridge->get<std::string>();
    if (!websocket_url(url))
      return field_error("web_bridge_url", "\"" + url.substr(0, 80) + "\" is not a ws:// or wss:// URL");
    out.web_bridge_url = std::move(url);
  }

  const auto relays = doc.find("relays");
  if (relays != doc.end() && !relays->is_null()) {
    if (!relays->is_array()) return field_error("relays", "is not an array");
    if (relays->size() > kMaxConfigRelays)
      return field_error("relays", "has more than " + std::to_string(kMaxConfigRelays) + " entries");
    for (size_t i = 0; i < relays->size(); ++i) {
      auto entry = relay_field((*relays)[i], "relays[" + std::to_string(i) + "]");
      if (!entry) return std::move(entry).error();
      if (*entry == out.relay_addr ||
          std::find(out.relays.begin(), out.relays.end(), *entry) != out.relays.end())
        continue;
      out.relays.push_back(std::move(entry).value());
    }
  }
  return out;
}

std::string relay_config_json(const RelayConfig& config) {
  Json out = Json::object();
  out["relay_addr"] = config.relay_addr;
  out["web_bridge_url"] = config.web_bridge_url ? Json(*config.web_bridge_url) : Json(nullptr);
  out["relays"] = config.relays;
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace wzp::featherchat

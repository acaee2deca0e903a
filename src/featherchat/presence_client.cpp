#include "featherchat/presence_client.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "featherchat/host_port.hpp"
#include "featherchat/http_request.hpp"

namespace wzp::featherchat {
namespace {

using Json = nlohmann::json;

Error shape_error(const std::string& why) { return make_error(Errc::malformed, "presence answer: " + why); }

// {"fingerprint": ..., "location": ...} -> the user, or nullopt for a null location.
Result<std::optional<Online>> entry(const Json& j, std::string_view local_relay) {
  if (!j.is_object()) return shape_error("an entry is not an object");
  const auto fp = j.find("fingerprint");
  if (fp == j.end() || !fp->is_string() || fp->get_ref<const std::string&>().empty())
    return shape_error("an entry has no fingerprint");
  const auto loc = j.find("location");
  if (loc == j.end()) return shape_error("an entry has no location");
  Online out;
  out.fingerprint = fp->get<std::string>();
  if (loc->is_null()) return std::optional<Online>{};
  if (loc->is_string() && loc->get_ref<const std::string&>() == "Local") {
    out.relay_addr = std::string(local_relay);
    out.local = true;
    return std::optional<Online>(std::move(out));
  }
  if (loc->is_object() && loc->size() == 1 && loc->contains("Remote") && (*loc)["Remote"].is_string()) {
    out.relay_addr = (*loc)["Remote"].get<std::string>();
    auto valid = parse_host_port(out.relay_addr, "presence answer: a Remote address");
    if (!valid) return std::move(valid).error();
    return std::optional<Online>(std::move(out));
  }
  return shape_error("a location is neither \"Local\", {\"Remote\": \"ip:port\"} nor null");
}

Result<Json> parse(std::string_view json) {
  Json doc = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return shape_error("not JSON");
  return doc;
}

// Path-safe: unreserved characters and ':' as they are, the rest percent-encoded.
std::string escape_segment(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~' || c == ':';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

Result<std::optional<Online>> parse_presence_lookup(std::string_view json, std::string_view fingerprint,
                                                    std::string_view local_relay) {
  auto doc = parse(json);
  if (!doc) return std::move(doc).error();
  auto found = entry(*doc, local_relay);
  if (!found) return std::move(found).error();
  if ((*doc)["fingerprint"].get<std::string>() != fingerprint)
    return shape_error("the answer is about another fingerprint");
  return found;
}

Result<std::vector<Online>> parse_presence_list(std::string_view json, std::string_view local_relay) {
  auto doc = parse(json);
  if (!doc) return std::move(doc).error();
  if (!doc->is_array()) return shape_error("the list is not an array");
  std::vector<Online> out;
  std::set<std::string> seen;
  for (const auto& j : *doc) {
    auto e = entry(j, local_relay);
    if (!e) return std::move(e).error();
    if (*e && seen.insert((*e)->fingerprint).second) out.push_back(std::move(**e));
  }
  return out;
}

Result<PresenceClient> PresenceClient::create(PresenceClientConfig config) {
  const auto& url = config.base_url;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
    return make_error(Errc::invalid_argument, "presence URL \"" + url + "\" is not http:// or https://");
  while (!config.base_url.empty() && config.base_url.back() == '/') config.base_url.pop_back();
  auto relay = parse_host_port(config.relay_addr, "relay_addr");
  if (!relay) return make_error(Errc::invalid_argument, relay.error().message);
  return PresenceClient(std::move(config));
}

Result<std::string> PresenceClient::get(const std::string& path) const {
  HttpGet request;
  request.url = config_.base_url + path;
  request.bearer = config_.token;
  request.timeout_ms = config_.timeout_ms;
  request.max_body = config_.max_body;
  return http_get_body(request, "the presence API at " + config_.base_url);
}

Result<std::string> PresenceClient::list_json() const { return get("/presence"); }

Result<std::string> PresenceClient::lookup_json(const std::string& fingerprint) const {
  return get("/presence/" + escape_segment(fingerprint));
}

Result<std::optional<Online>> PresenceClient::lookup(const std::string& fingerprint) const {
  auto body = lookup_json(fingerprint);
  if (!body) return std::move(body).error();
  return parse_presence_lookup(*body, fingerprint, config_.relay_addr);
}

Result<std::vector<Online>> PresenceClient::list() const {
  auto body = list_json();
  if (!body) return std::move(body).error();
  return parse_presence_list(*body, config_.relay_addr);
}

}  // namespace wzp::featherchat

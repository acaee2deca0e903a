#include "featherchat/acl_sync.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "crypto/fingerprint.hpp"
#include "crypto/room_hash.hpp"
#include "featherchat/http_request.hpp"

namespace wzp::featherchat {
namespace {

// An /acl answer is a small JSON object; anything longer is not the relay speaking.
constexpr size_t kMaxAnswerBytes = 64 * 1024;

// The relay's {"error": ...}, or the start of whatever it sent.
std::string answer_text(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.contains("error") && json["error"].is_string())
    return json["error"].get<std::string>();
  return body.substr(0, 200);
}

Result<AclSyncCount> parse_answer(long status, const std::string& body, const std::string& url) {
  const std::string said = "PUT " + url + " answered " + std::to_string(status) + ": " + answer_text(body);
  if (status == 401 || status == 403) return make_error(Errc::auth_rejected, said);
  if (status == 400 || status == 413) return make_error(Errc::invalid_argument, said);
  if (status != 200) return make_error(Errc::io, said);
  auto json = nlohmann::json::parse(body, nullptr, false);
  auto count_of = [&json](const char* key) -> std::optional<size_t> {
    auto it = json.find(key);  // end() for anything but an object
    if (it == json.end() || !it->is_number_unsigned()) return std::nullopt;
    return it->get<size_t>();
  };
  auto added = count_of("added"), removed = count_of("removed"), evicted = count_of("evicted");
  if (!added || !removed || !evicted) {
    return make_error(Errc::io,
                      "PUT " + url + " answered 200 without the route's counts: " + body.substr(0, 200));
  }
  AclSyncCount count{*added, *removed, *evicted};
  return count;
}

}  // namespace

Result<GroupRoomAcl> group_room_acl(std::string_view room_name,
                                    const std::vector<std::string>& fingerprints) {
  GroupRoomAcl out{crypto::hash_room_name(room_name), {}};
  for (size_t i = 0; i < fingerprints.size(); ++i) {
    auto fp = crypto::Fingerprint::parse(fingerprints[i]);
    if (!fp) {
      return make_error(Errc::invalid_argument, "fingerprints[" + std::to_string(i) + "] '" +
                                                    fingerprints[i] + "' is not valid (" +
                                                    fp.error().message + ")");
    }
    out.fingerprints.insert(fp->to_display());
  }
  return out;
}

std::string group_room_acl_body(const GroupRoomAcl& acl) {
  return nlohmann::json{{"fingerprints", acl.fingerprints}}.dump();
}

Result<AclSyncCount> sync_group_room_http(const AclHttpTarget& target, const GroupRoomAcl& acl) {
  std::string base = target.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.rfind("http://", 0) != 0 && base.rfind("https://", 0) != 0) {
    return make_error(Errc::invalid_argument, "'" + target.base_url + "' is not an http:// or https:// URL");
  }
  if (target.admin_token.empty() || target.admin_token.find_first_of("\r\n") != std::string::npos) {
    return make_error(Errc::invalid_argument, "the admin token is empty or holds a line break");
  }
  if (target.timeout_ms <= 0) return make_error(Errc::invalid_argument, "timeout_ms must be positive");
  HttpGet request;
  request.method = "PUT";
  request.url = base + "/acl/" + acl.room;
  request.bearer = target.admin_token;
  request.body = group_room_acl_body(acl);
  request.timeout_ms = static_cast<uint32_t>(target.timeout_ms);
  request.max_body = kMaxAnswerBytes;
  auto answer = http_get(request);
  if (!answer) return std::move(answer).error();
  return parse_answer(answer->status, answer->body, request.url);
}

}  // namespace wzp::featherchat

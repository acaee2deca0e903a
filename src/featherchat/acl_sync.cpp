#include "featherchat/acl_sync.hpp"

#include <curl/curl.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "crypto/fingerprint.hpp"
#include "crypto/room_hash.hpp"

namespace wzp::featherchat {
namespace {

// An /acl answer is a small JSON object; anything longer is not the relay speaking.
constexpr size_t kMaxAnswerBytes = 64 * 1024;

struct EasyDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

size_t collect(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t n = size * count;
  if (body->size() + n > kMaxAnswerBytes) return 0;
  body->append(data, n);
  return n;
}

void curl_init_once() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

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
  curl_init_once();
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) return make_error(Errc::no_memory, "curl_easy_init failed");
  const std::string url = base + "/acl/" + acl.room;
  const std::string body = group_room_acl_body(acl);
  const std::string auth = "Authorization: Bearer " + target.admin_token;
  std::unique_ptr<curl_slist, SlistDeleter> headers(
      curl_slist_append(nullptr, "Content-Type: application/json"));
  if (headers) headers.reset(curl_slist_append(headers.release(), auth.c_str()));
  if (!headers) return make_error(Errc::no_memory, "curl_slist_append failed");
  std::string answer;
  char error_text[CURL_ERROR_SIZE] = {};
  CURL* c = easy.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(target.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(target.timeout_ms));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_text);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    const std::string why =
        "PUT " + url + ": " + (error_text[0] != '\0' ? error_text : curl_easy_strerror(rc));
    return make_error(rc == CURLE_OPERATION_TIMEDOUT ? Errc::timeout : Errc::io, why);
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return parse_answer(status, answer, url);
}

}  // namespace wzp::featherchat

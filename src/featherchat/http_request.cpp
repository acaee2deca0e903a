#include "featherchat/http_request.hpp"

#include <curl/curl.h>

#include <memory>

namespace wzp::featherchat {
namespace {

struct CurlFree {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct SlistFree {
  void operator()(curl_slist* l) const noexcept { curl_slist_free_all(l); }
};

struct Sink {
  std::string body;
  size_t cap = 0;
  bool over = false;
};

size_t collect(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const size_t n = size * count;
  if (sink->body.size() + n > sink->cap) {
    sink->over = true;
    return 0;  // aborts the transfer
  }
  sink->body.append(data, n);
  return n;
}

bool curl_ready() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

bool has_scheme(const std::string& url, const char* scheme) { return url.rfind(scheme, 0) == 0; }

}  // namespace

Result<HttpResponse> http_get(const HttpGet& request) {
  if (request.url.empty()) return make_error(Errc::invalid_argument, "the URL is empty");
  if (!has_scheme(request.url, "http://") && !has_scheme(request.url, "https://"))
    return make_error(Errc::invalid_argument, "the URL \"" + request.url + "\" is not http:// or https://");
  if (request.bearer && request.bearer->find_first_of("\r\n") != std::string::npos)
    return make_error(Errc::invalid_argument, "the bearer token contains a line break");
  if (!curl_ready()) return make_error(Errc::internal, "libcurl failed to initialise");
  std::unique_ptr<CURL, CurlFree> c(curl_easy_init());
  if (!c) return make_error(Errc::no_memory, "libcurl: no handle");
  std::unique_ptr<curl_slist, SlistFree> headers;
  auto add_header = [&headers](const std::string& line) {
    curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
    if (grown == nullptr) return false;
    (void)headers.release();  // `grown` is the same list, longer
    headers.reset(grown);
    return true;
  };
  if (request.bearer && !add_header("Authorization: Bearer " + *request.bearer))
    return make_error(Errc::no_memory, "libcurl: no header list");
  if (request.body && !add_header("Content-Type: application/json"))
    return make_error(Errc::no_memory, "libcurl: no header list");
  const long timeout = static_cast<long>(request.timeout_ms != 0 ? request.timeout_ms : 5000);
  Sink sink;
  sink.cap = request.max_body;
  char error_text[CURL_ERROR_SIZE] = {0};
  CURL* h = c.get();
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body->c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body->size()));
  }
  if (headers) curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_text);
  const CURLcode rc = curl_easy_perform(h);
  if (sink.over)
    return make_error(Errc::too_large, "the answer of " + request.url + " is over " +
                                           std::to_string(request.max_body) + " bytes");
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return make_error(Errc::timeout,
                      request.url + " did not answer within " + std::to_string(timeout) + " ms");
  if (rc != CURLE_OK) {
    const std::string why = error_text[0] != '\0' ? error_text : curl_easy_strerror(rc);
    return make_error(Errc::io, request.method + " " + request.url + ": unreachable: " + why);
  }
  HttpResponse out;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  out.body = std::move(sink.body);
  return out;
}

Result<std::string> expect_success(HttpResponse response, const std::string& what) {
  const long s = response.status;
  if (s >= 200 && s <= 299) return std::move(response.body);
  const std::string text = what + " answered HTTP " + std::to_string(s);
  if (s == 401 || s == 403) return make_error(Errc::auth_rejected, text + " (a missing or wrong token)");
  if (s == 404) return make_error(Errc::not_found, text + " (not found)");
  return make_error(Errc::io, text);
}

Result<std::string> http_get_body(const HttpGet& request, const std::string& what) {
  auto response = http_get(request);
  if (!response) return std::move(response).error();
  return expect_success(std::move(response).value(), what);
}

}  // namespace wzp::featherchat

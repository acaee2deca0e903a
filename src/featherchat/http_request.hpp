// A small blocking HTTP request (libcurl) for the featherChat side of WZP: the relay
// presence API and featherChat's relay-config (GET), the relay's access-list routes
// (PUT with a JSON body). Optional bearer token, a total timeout, a cap on the answer;
// no redirects, http and https only.
//
// Threading: http_get may run on any thread, concurrently with itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/result.hpp"

namespace wzp::featherchat {

struct HttpGet {
  std::string url;                    // http:// or https://
  std::string method = "GET";         // or PUT, POST, DELETE: then `body` is sent
  std::optional<std::string> body;    // sent with Content-Type: application/json
  std::optional<std::string> bearer;  // sent as "Authorization: Bearer <token>"
  uint32_t timeout_ms = 5000;         // connect and transfer together; 0: the default
  size_t max_body = size_t{1} << 20;  // a longer body fails with too_large
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

/// Sends the request. Any HTTP status is an answer (see expect_success). Errors:
/// invalid_argument (empty URL, a scheme other than http/https, a token with a line break),
/// io (unreachable: refused, unknown host, reset), timeout, too_large (body over max_body).
Result<HttpResponse> http_get(const HttpGet& request);

/// The body of a 2xx answer. Errors for other statuses, naming `what` and the status:
/// auth_rejected (401, 403), not_found (404), io (any other).
Result<std::string> expect_success(HttpResponse response, const std::string& what);

/// http_get then expect_success.
Result<std::string> http_get_body(const HttpGet& request, const std::string& what);

}  // namespace wzp::featherchat

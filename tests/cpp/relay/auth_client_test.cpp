// The token check's outcome table (relay spec §5.2, featherChat spec §1.7.2):
// parse_auth_response for every answer, AuthClient for the transport rows.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "common/loopback_tcp.hpp"
#include "relay/auth_client.hpp"

namespace wzp::relay {
namespace {

void expect_error(const Result<AuthIdentity>& r, Errc code, const std::string& message) {
  ASSERT_FALSE(r.ok()) << "accepted with fingerprint " << r.value().fingerprint;
  EXPECT_EQ(r.error().code, code) << r.error().message;
  EXPECT_EQ(r.error().message, message);
}

TEST(AuthResponse, ValidWithFingerprintAndAlias) {
  auto r = parse_auth_response(
      200, R"({"valid":true,"fingerprint":"a1b2:c3d4:e5f6:7890:abcd:ef01:2345:6789","alias":"alice"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->fingerprint, "a1b2:c3d4:e5f6:7890:abcd:ef01:2345:6789");
  EXPECT_EQ(r->alias, std::optional<std::string>("alice"));
}

TEST(AuthResponse, AnyTwoHundredStatus) {
  for (long status : {200L, 201L, 204L, 299L}) {
    auto r = parse_auth_response(status, R"({"valid":true,"fingerprint":"fp"})");
    ASSERT_TRUE(r.ok()) << status;
    EXPECT_EQ(r->fingerprint, "fp");
    EXPECT_FALSE(r->alias.has_value());
  }
}

// Scenario AUTH-6: unknown fields ignored, alias may be null.
TEST(AuthResponse, ExtraFieldsAndNullAliasTolerated) {
  auto r = parse_auth_response(
      200,
      R"({"valid":true,"fingerprint":"fp-x","alias":null,"eth_address":"0x12","expires_at":1711843600})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->fingerprint, "fp-x");
  EXPECT_FALSE(r->alias.has_value());
  auto spaced = parse_auth_response(200, " {\n  \"fingerprint\" : \"fp-y\",\n  \"valid\" : true\n}\n");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(spaced->fingerprint, "fp-y");
}

TEST(AuthResponse, FingerprintIsOpaque) {
  for (const char* fp : {"", "not hex at all", "A1B2C3D4"}) {
    auto r = parse_auth_response(200, std::string(R"({"valid":true,"fingerprint":")") + fp + "\"}");
    ASSERT_TRUE(r.ok()) << fp;
    EXPECT_EQ(r->fingerprint, fp);
  }
}

TEST(AuthResponse, ValidFalseIsRejected) {
  expect_error(parse_auth_response(200, R"({"valid":false,"error":"token expired"})"), Errc::auth_rejected,
               "invalid token");
  expect_error(parse_auth_response(200, R"({"valid":false,"fingerprint":"fp"})"), Errc::auth_rejected,
               "invalid token");
}

TEST(AuthResponse, ValidWithoutStringFingerprintIsRejected) {
  for (const char* body : {R"({"valid":true})", R"({"valid":true,"fingerprint":null})",
                           R"({"valid":true,"fingerprint":42})", R"({"valid":true,"fingerprint":["fp"]})"}) {
    expect_error(parse_auth_response(200, body), Errc::auth_rejected, "valid response missing fingerprint");
  }
}

TEST(AuthResponse, BodyNotTheExpectedJsonIsUnavailable) {
  for (const char* body : {"hello", "", "[]", "null", "\"valid\"", "{\"valid\":true"}) {
    expect_error(parse_auth_response(200, body), Errc::auth_unavailable,
                 "invalid auth response: not a JSON object");
  }
  for (const char* body : {"{}", R"({"valid":"true","fingerprint":"fp"})",
                           R"({"valid":1,"fingerprint":"fp"})", R"({"valid":null})"}) {
    expect_error(parse_auth_response(200, body), Errc::auth_unavailable,
                 "invalid auth response: missing boolean 'valid'");
  }
}

// Any non-2xx fails whatever the body says; a server error is the server's
// fault (unavailable), anything else refuses the token.
TEST(AuthResponse, NonSuccessStatus) {
  const std::string ok_body = R"({"valid":true,"fingerprint":"fp"})";
  for (long status : {100L, 199L, 300L, 302L, 400L, 401L, 403L, 404L, 499L}) {
    expect_error(parse_auth_response(status, ok_body), Errc::auth_rejected,
                 "auth endpoint returned " + std::to_string(status));
  }
  for (long status : {500L, 502L, 503L, 599L}) {
    expect_error(parse_auth_response(status, ok_body), Errc::auth_unavailable,
                 "auth endpoint returned " + std::to_string(status));
  }
}

// The transport rows: network error and bad URL fail as unavailable.
TEST(AuthClientRequest, NetworkErrorAndBadUrl) {
  std::string closed =
      "http://127.0.0.1:" + std::to_string(test_support::closed_tcp_port()) + "/v1/auth/validate";
  for (const std::string& url : {closed, std::string("not a url"), std::string("ftp://127.0.0.1/x")}) {
    AuthClient client(AuthClientConfig{url, 2000, 1, 4});
    auto r = client.validate_now("tok");
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().code, Errc::auth_unavailable) << url;
    EXPECT_EQ(r.error().message.rfind("auth request failed: ", 0), 0u) << r.error().message;
  }
}

// The relay only passes tokens from decoded (valid UTF-8) JSON, but the client
// does not rely on it: any bytes make a request, never an exception.
TEST(AuthClientRequest, TokenThatIsNotUtf8) {
  AuthClient client(AuthClientConfig{
      "http://127.0.0.1:" + std::to_string(test_support::closed_tcp_port()) + "/", 2000, 1, 4});
  auto r = client.validate_now(std::string("\xff\xfe token \xc3", 10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::auth_unavailable);
}

TEST(AuthClientRequest, FullQueueAnswersAtOnce) {
  AuthClient client(AuthClientConfig{"http://127.0.0.1:1/", 2000, 1, 0});
  std::optional<Result<AuthIdentity>> got;
  client.validate("tok", [&](Result<AuthIdentity> r) { got.emplace(std::move(r)); });
  ASSERT_TRUE(got.has_value());  // inline, on this thread
  ASSERT_FALSE(got->ok());
  EXPECT_EQ(got->error().code, Errc::auth_unavailable);
  EXPECT_EQ(got->error().message, "too many token validations pending");
}

// A request in flight to a server that never answers ends when the client is
// destroyed, long before its own timeout.
TEST(AuthClientRequest, DestructionInterruptsARequestInFlight) {
  test_support::LoopbackTcpSocket server;  // accepts, never answers
  ASSERT_TRUE(server.port() != 0 && server.listen());
  std::string url = server.url("/v1/auth/validate");

  auto client = std::make_unique<AuthClient>(AuthClientConfig{url, 600'000, 1, 4});
  std::promise<Result<AuthIdentity>> result;
  auto answered = result.get_future();
  client->validate("tok", [&](Result<AuthIdentity> r) { result.set_value(std::move(r)); });
  int connection = server.accept();  // the request is under way
  ASSERT_GE(connection, 0);

  std::thread destroyer([&] { client.reset(); });
  ASSERT_EQ(answered.wait_for(std::chrono::seconds(20)), std::future_status::ready);
  destroyer.join();
  auto r = answered.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::closed) << r.error().message;
  ::close(connection);
}

}  // namespace
}  // namespace wzp::relay

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
    AuthClient client(AuthClientConfig{url, 2000});
    auto r = client.validate_now("tok");
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().code, Errc::auth_unavailable) << url;
    EXPECT_EQ(r.error().message.rfind("auth request failed: ", 0), 0u) << r.error().message;
  }
}

// The relay only passes tokens from decoded (valid UTF-8) JSON, but the client
// does not rely on it: any bytes make a request, never an exception.
TEST(AuthClientRequest, TokenThatIsNotUtf8) {
  AuthClient client(
      AuthClientConfig{"http://127.0.0.1:" + std::to_string(test_support::closed_tcp_port()) + "/", 2000});
  auto r = client.validate_now(std::string("\xff\xfe token \xc3", 10));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::auth_unavailable);
}

TEST(AuthClientRequest, FullQueueAnswersAtOnce) {
  AuthClient client(AuthClientConfig{"http://127.0.0.1:1/", 2000, 0});
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

  auto client = std::make_unique<AuthClient>(AuthClientConfig{url, 600'000});
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

// Cancelling removes the transfer at once (the server sees the connection
// close) and the callback never runs; the address's slot is free again.
TEST(AuthClientRequest, CancelRemovesTheTransferAndFreesItsSlot) {
  test_support::LoopbackTcpSocket server;  // accepts, never answers
  ASSERT_TRUE(server.port() != 0 && server.listen());
  AuthClient client(AuthClientConfig{server.url("/v1/auth/validate"), 600'000, 256, 1});
  std::atomic<int> called{0};
  auto id = client.validate(
      "tok", [&](Result<AuthIdentity>) { ++called; }, "10.0.0.1");
  ASSERT_NE(id, 0u);
  int connection = server.accept();
  ASSERT_GE(connection, 0);
  // A second check from the same address is over its bound of 1: refused inline.
  std::optional<Result<AuthIdentity>> refused;
  EXPECT_EQ(client.validate(
                "tok2", [&](Result<AuthIdentity> r) { refused.emplace(std::move(r)); }, "10.0.0.1"),
            0u);
  ASSERT_TRUE(refused && !refused->ok());
  EXPECT_EQ(refused->error().code, Errc::auth_unavailable);
  EXPECT_EQ(refused->error().message, "too many token validations pending from 10.0.0.1");

  EXPECT_TRUE(client.cancel(id));
  EXPECT_FALSE(client.cancel(id));
  EXPECT_EQ(client.cancelled(), 1u);
  // The request is abandoned: the server reads it (if not yet), then end of stream.
  timeval hang_guard{20, 0};
  ::setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &hang_guard, sizeof hang_guard);
  char buf[4096];
  ssize_t n = 0;
  do {
    n = ::recv(connection, buf, sizeof buf, 0);
  } while (n > 0);
  EXPECT_EQ(n, 0);
  ::close(connection);
  EXPECT_EQ(client.pending(), 0u);
  EXPECT_EQ(called.load(), 0);
  // The slot is free: a new check from that address starts.
  auto again = client.validate(
      "tok3", [&](Result<AuthIdentity>) { ++called; }, "10.0.0.1");
  EXPECT_NE(again, 0u);
  int second = server.accept();
  EXPECT_GE(second, 0);
  if (second >= 0) ::close(second);
}

}  // namespace
}  // namespace wzp::relay

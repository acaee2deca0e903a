// The HTTP API server on its own (routes stubbed): tokens, errors, a route
// that fails, and the constant-time token comparison.
#include "relay/http_api.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <stdexcept>

namespace wzp::relay {
namespace {

HttpApiRoutes stub_routes() {
  HttpApiRoutes r;
  r.presence = [] { return std::string("[]"); };
  r.lookup = [](const std::string& fp) { return "{\"fp\":\"" + fp + "\"}"; };
  r.peers = [] { return std::string("[]"); };
  r.mesh = [] { return std::string("table\n"); };
  r.health = [] { return std::string("{\"status\":\"ok\"}"); };
  r.metrics = []() -> std::string { throw std::runtime_error("scrape failed"); };
  return r;
}

TEST(HttpApiServer, TokenErrorsAndAFailingRoute) {
  HttpApiConfig config;
  config.token = "tok";
  auto api = HttpApi::start(config, stub_routes());
  ASSERT_TRUE(api.ok()) << api.error().message;
  httplib::Client http("127.0.0.1", (*api)->port());

  auto res = http.Get("/presence");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(res->body, R"({"error":"a bearer token is required","status":401})");
  res = http.Get("/presence/a%3Ab", {{"Authorization", "Bearer tok"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"fp":"a:b"})");
  res = http.Get("/peers", {{"Authorization", "Bearer to"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ((*api)->counters().unauthorized.load(), 2u);

  res = http.Get("/mesh");  // open
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "table\n");

  // A route that throws answers 500 with a JSON error; the server goes on.
  res = http.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->body, R"({"error":"internal error","status":500})");
  res = http.Delete("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  res = http.Get("/healthz/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  res = http.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  (*api)->stop();
  (*api)->stop();  // idempotent
}

TEST(HttpApiServer, BindFailuresAreIoErrorsNamingTheAddress) {
  HttpApiConfig config;
  config.bind = "192.0.2.1";  // TEST-NET: not an address of this host
  config.port = 1;
  auto api = HttpApi::start(config, stub_routes());
  ASSERT_FALSE(api.ok());
  EXPECT_EQ(api.error().code, Errc::io);
  EXPECT_NE(api.error().message.find("192.0.2.1:1"), std::string::npos) << api.error().message;
}

TEST(HttpApiServer, TokenComparison) {
  EXPECT_TRUE(token_matches("secret", "secret"));
  EXPECT_FALSE(token_matches("secreT", "secret"));
  EXPECT_FALSE(token_matches("secret1", "secret"));
  EXPECT_FALSE(token_matches("secre", "secret"));
  EXPECT_FALSE(token_matches("", "secret"));
  EXPECT_TRUE(token_matches("", ""));
}

}  // namespace
}  // namespace wzp::relay

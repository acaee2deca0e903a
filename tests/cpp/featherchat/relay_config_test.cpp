// featherChat's relay-config answer (FC-10): the good forms and every malformed one, each
// error naming its field; and relay addresses as host:port.
#include <gtest/gtest.h>

#include "featherchat/host_port.hpp"
#include "featherchat/relay_config.hpp"

namespace wzp::featherchat {
namespace {

TEST(RelayConfig, TheSpecsExample) {
  auto c = parse_relay_config(
      R"({"relay_addr":"relay.example:4433","web_bridge_url":"wss://relay.example:8443/ws/"})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->relay_addr, "relay.example:4433");
  EXPECT_EQ(c->web_bridge_url, "wss://relay.example:8443/ws/");
  EXPECT_TRUE(c->relays.empty());
}

TEST(RelayConfig, OptionalFieldsAndUnknownKeys) {
  auto c = parse_relay_config(
      R"({"relay_addr":"10.0.0.1:4433","web_bridge_url":null,"relays":["10.0.0.1:4433","[::1]:4434","b.example:1","b.example:1"],"future":{"x":1}})");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->web_bridge_url);
  EXPECT_EQ(c->relays, (std::vector<std::string>{"[::1]:4434", "b.example:1"}));
  EXPECT_EQ(relay_config_json(*c),
            R"({"relay_addr":"10.0.0.1:4433","relays":["[::1]:4434","b.example:1"],"web_bridge_url":null})");
  auto minimal = parse_relay_config(R"({"relay_addr":"r:1"})");
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(relay_config_json(*minimal), R"({"relay_addr":"r:1","relays":[],"web_bridge_url":null})");
}

struct Bad {
  const char* json;
  const char* names;  // a part of the message
};

TEST(RelayConfig, EveryMalformedFormNamesWhatIsWrong) {
  const Bad cases[] = {
      {"", "not JSON"},
      {"<html>", "not JSON"},
      {R"({"relay_addr":"a:1")", "not JSON"},
      {"[]", "not a JSON object"},
      {R"("a:1")", "not a JSON object"},
      {"null", "not a JSON object"},
      {"{}", R"("relay_addr" is missing)"},
      {R"({"relay_addr":null})", R"("relay_addr" is missing)"},
      {R"({"relay_addr":4433})", R"("relay_addr" is not a string)"},
      {R"({"relay_addr":""})", R"("relay_addr")"},
      {R"({"relay_addr":"relay.example"})", "no port"},
      {R"({"relay_addr":":4433"})", "no host"},
      {R"({"relay_addr":"relay.example:"})", "the port is not a number"},
      {R"({"relay_addr":"relay.example:x1"})", "the port is not a number"},
      {R"({"relay_addr":"relay.example:0"})", "1-65535"},
      {R"({"relay_addr":"relay.example:65536"})", "1-65535"},
      {R"({"relay_addr":"relay.example:-1"})", "the port is not a number"},
      {R"({"relay_addr":"::1:4433"})", "brackets"},
      {R"({"relay_addr":"[::1:4433"})", "not host:port"},
      {R"({"relay_addr":"[zz]:4433"})", "IPv6"},
      {R"({"relay_addr":"re lay:4433"})", "not allowed"},
      {R"({"relay_addr":"wss://relay:4433"})", "a URL"},
      {R"({"relay_addr":"a:1","web_bridge_url":5})", R"("web_bridge_url" is not a string)"},
      {R"({"relay_addr":"a:1","web_bridge_url":"https://a/ws"})", R"("web_bridge_url")"},
      {R"({"relay_addr":"a:1","web_bridge_url":"wss://"})", "ws:// or wss://"},
      {R"({"relay_addr":"a:1","relays":"b:2"})", R"("relays" is not an array)"},
      {R"({"relay_addr":"a:1","relays":[3]})", R"("relays[0]" is not a string)"},
      {R"({"relay_addr":"a:1","relays":["b:2","c"]})", R"("relays[1]")"},
  };
  for (const auto& c : cases) {
    auto r = parse_relay_config(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().code, Errc::malformed) << c.json;
    EXPECT_NE(r.error().message.find(c.names), std::string::npos) << c.json << " -> " << r.error().message;
    EXPECT_EQ(r.error().message.rfind("relay-config", 0), 0u) << r.error().message;
  }
}

TEST(RelayConfig, BoundsOnSizeAndRelays) {
  std::string many = R"({"relay_addr":"a:1","relays":[)";
  for (size_t i = 0; i <= kMaxConfigRelays; ++i) {
    // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, falsely) on "literal" + std::string.
    if (i != 0) many += ',';
    many += "\"r";
    many += std::to_string(i);
    many += ":1\"";
  }
  many += "]}";
  auto r = parse_relay_config(many);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("more than 64"), std::string::npos);
  std::string huge = R"({"relay_addr":"a:1","pad":")";
  huge.append(kMaxRelayConfigBytes, 'x');
  huge += "\"}";
  EXPECT_FALSE(parse_relay_config(huge).ok());
}

TEST(HostPort, Forms) {
  auto v4 = parse_host_port("127.0.0.1:4433", "x");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 4433);
  auto v6 = parse_host_port("[::1]:1", "x");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 1);
  auto name = parse_host_port("relay-1.example.org:65535", "x");
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(name->port, 65535);
  EXPECT_FALSE(parse_host_port("[]:1", "x").ok());
  EXPECT_FALSE(parse_host_port("a:1:2", "x").ok());
  EXPECT_FALSE(parse_host_port(std::string(254, 'a') + ":1", "x").ok());
}

}  // namespace
}  // namespace wzp::featherchat

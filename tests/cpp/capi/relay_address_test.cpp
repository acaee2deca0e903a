// wzp_relay_address: the address the relay's socket is really bound to, IPv4 and IPv6,
// with the port picked for listen_port 0; and its errors.
#include <string>

#include "capi_test.hpp"

namespace wzp_capi_test {
namespace {

wzp_relay_config loopback_config(const char* host) {
  wzp_relay_config c;
  wzp_relay_config_init(&c);
  c.listen_host = host;
  c.listen_port = 0;
  return c;
}

TEST(CapiRelayAddress, ReportsTheBoundIpv4HostAndPickedPort) {
  wzp_relay_config c = loopback_config("127.0.0.1");
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&c, &relay.h), WZP_OK) << wzp_last_error();
  char buf[64];
  EXPECT_EQ(wzp_relay_address(relay.h, buf, sizeof buf), WZP_ERR_INVALID_STATE);  // not started
  ASSERT_EQ(wzp_relay_start(relay.h), WZP_OK) << wzp_last_error();
  uint16_t port = 0;
  ASSERT_EQ(wzp_relay_port(relay.h, &port), WZP_OK);
  ASSERT_NE(port, 0);
  ASSERT_EQ(wzp_relay_address(relay.h, buf, sizeof buf), WZP_OK) << wzp_last_error();
  EXPECT_EQ(std::string(buf), "127.0.0.1:" + std::to_string(port));
}

TEST(CapiRelayAddress, ReportsIpv6InBrackets) {
  wzp_relay_config c = loopback_config("::1");
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&c, &relay.h), WZP_OK) << wzp_last_error();
  if (wzp_relay_start(relay.h) != WZP_OK) GTEST_SKIP() << "no IPv6 loopback: " << wzp_last_error();
  uint16_t port = 0;
  ASSERT_EQ(wzp_relay_port(relay.h, &port), WZP_OK);
  char buf[64];
  ASSERT_EQ(wzp_relay_address(relay.h, buf, sizeof buf), WZP_OK) << wzp_last_error();
  EXPECT_EQ(std::string(buf), "[::1]:" + std::to_string(port));
}

TEST(CapiRelayAddress, ArgumentErrors) {
  wzp_relay_config c = loopback_config("127.0.0.1");
  RelayOwner relay;
  ASSERT_EQ(wzp_relay_new(&c, &relay.h), WZP_OK) << wzp_last_error();
  ASSERT_EQ(wzp_relay_start(relay.h), WZP_OK) << wzp_last_error();
  char buf[64];
  EXPECT_EQ(wzp_relay_address(nullptr, buf, sizeof buf), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_relay_address(relay.h, nullptr, sizeof buf), WZP_ERR_INVALID_ARGUMENT);
  char tiny[4];
  EXPECT_EQ(wzp_relay_address(relay.h, tiny, sizeof tiny), WZP_ERR_BUFFER_TOO_SMALL);
}

}  // namespace
}  // namespace wzp_capi_test

// Refusals through the C ABI: wzp_client_wait_joined returns the specific status of
// each close code (with the code's name and reason in wzp_last_error()),
// wzp_client_last_close gives the close itself, and a relay that does not answer,
// or a host name that does not resolve, is one WZP_CLOSE_CONNECT_TIMEOUT naming it.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "capi_test.hpp"
#include "common/auth_stand_in.hpp"

namespace wzp_capi_test {
namespace {

constexpr int kWaitMs = 10'000;
using wzp::test_support::AuthStandIn;

uint16_t start_relay(RelayOwner& relay, const wzp_relay_config& c) { return start_loopback_relay(relay, &c); }

wzp_relay_config relay_defaults() {
  wzp_relay_config c;
  wzp_relay_config_init(&c);
  return c;
}

wzp_client_config client_config(const char* host, uint16_t port, const char* room = "r") {
  wzp_client_config c;
  wzp_client_config_init(&c);
  c.relay_host = host;
  c.relay_port = port;
  c.room = room;
  return c;
}

struct Refusal {
  int status = WZP_OK;
  std::string message;  // wzp_last_error() of wait_joined
  wzp_close_info close{};
};

// Connects, waits, and collects what the application sees of the outcome.
Refusal outcome(const wzp_client_config& config, ClientOwner& client) {
  Refusal r;
  EXPECT_EQ(wzp_client_new(&config, &client.h), WZP_OK) << wzp_last_error();
  EXPECT_EQ(wzp_client_connect(client.h), WZP_OK) << wzp_last_error();
  r.status = wzp_client_wait_joined(client.h, kWaitMs);
  r.message = wzp_last_error();
  wzp_close_info_init(&r.close);
  EXPECT_EQ(wzp_client_last_close(client.h, &r.close), r.status == WZP_OK ? WZP_ERR_INVALID_STATE : WZP_OK)
      << wzp_last_error();
  return r;
}

// The relay refused the client with `code`: the status, the close and the message agree.
void expect_refused_by_relay(const Refusal& r, uint64_t code, int status, const std::string& reason_part) {
  EXPECT_EQ(r.status, status) << wzp_strerror(r.status) << ": " << r.message;
  EXPECT_EQ(r.close.code, code) << r.close.reason;
  EXPECT_EQ(r.close.origin, WZP_CLOSED_BY_PEER);
  EXPECT_NE(std::string(r.close.reason).find(reason_part), std::string::npos) << r.close.reason;
  EXPECT_NE(r.message.find(wzp_close_code_name(code)), std::string::npos) << r.message;
  EXPECT_NE(r.message.find(r.close.reason), std::string::npos) << r.message;
  EXPECT_EQ(wzp_close_code_status(code), status);
}

TEST(CapiRefusal, EveryCloseCodeHasAStatus) {
  const std::pair<uint64_t, int> table[] = {
      {WZP_CLOSE_NORMAL, WZP_ERR_CLOSED},
      {WZP_CLOSE_AUTH_REJECTED, WZP_ERR_AUTH_REJECTED},
      {WZP_CLOSE_AUTH_UNAVAILABLE, WZP_ERR_AUTH_UNAVAILABLE},
      {WZP_CLOSE_AUTH_REQUIRED, WZP_ERR_AUTH_REJECTED},
      {WZP_CLOSE_IDENTITY_MISMATCH, WZP_ERR_AUTH_REJECTED},
      {WZP_CLOSE_HANDSHAKE_FAILED, WZP_ERR_HANDSHAKE_FAILED},
      {WZP_CLOSE_TIMEOUT, WZP_ERR_TIMEOUT},
      {WZP_CLOSE_MALFORMED_SIGNAL, WZP_ERR_MALFORMED},
      {WZP_CLOSE_CONNECT_TIMEOUT, WZP_ERR_TIMEOUT},
      {WZP_CLOSE_ACL_DENIED, WZP_ERR_ACL_DENIED},
      {WZP_CLOSE_ROOM_FULL, WZP_ERR_ROOM_FULL},
      {WZP_CLOSE_SERVER_FULL, WZP_ERR_SERVER_FULL},
      {WZP_CLOSE_SHUTDOWN, WZP_ERR_CLOSED},
      {0x999, WZP_ERR_CLOSED},
  };
  for (auto [code, status] : table)
    EXPECT_EQ(wzp_close_code_status(code), status) << wzp_close_code_name(code);
  EXPECT_EQ(WZP_CLOSE_CONNECT_TIMEOUT, 0x204);
  EXPECT_STREQ(wzp_close_code_name(WZP_CLOSE_CONNECT_TIMEOUT), "WZP_CLOSE_CONNECT_TIMEOUT");
  EXPECT_EQ(WZP_ERR_SERVER_FULL, -65);
  EXPECT_STREQ(wzp_strerror(WZP_ERR_SERVER_FULL), "WZP_ERR_SERVER_FULL");
}

TEST(CapiRefusal, AclDenied) {
  RelayOwner relay;
  auto rc = relay_defaults();
  rc.acl_default_deny = 1;  // an unlisted room admits nobody
  uint16_t port = start_relay(relay, rc);
  ClientOwner client;
  auto r = outcome(client_config("127.0.0.1", port), client);
  expect_refused_by_relay(r, WZP_CLOSE_ACL_DENIED, WZP_ERR_ACL_DENIED, "denies by default");
}

TEST(CapiRefusal, RoomFullAndServerFull) {
  RelayOwner relay;
  auto rc = relay_defaults();
  rc.max_room_size = 1;
  rc.max_sessions = 2;
  uint16_t port = start_relay(relay, rc);
  ClientOwner first, second, third;
  ASSERT_EQ(outcome(client_config("127.0.0.1", port, "small"), first).status, WZP_OK);
  auto full = outcome(client_config("127.0.0.1", port, "small"), second);
  expect_refused_by_relay(full, WZP_CLOSE_ROOM_FULL, WZP_ERR_ROOM_FULL, "full");
  // Once the refused one has left, a second session elsewhere fills the relay.
  for (int i = 0; i < kWaitMs; ++i) {
    wzp_relay_stats stats;
    stats.struct_size = sizeof stats;
    ASSERT_EQ(wzp_relay_stats_get(relay.h, &stats), WZP_OK);
    if (stats.sessions_active == 1) break;
    ::usleep(1000);
  }
  ClientOwner other;
  ASSERT_EQ(outcome(client_config("127.0.0.1", port, "other"), other).status, WZP_OK);
  auto busy = outcome(client_config("127.0.0.1", port, "third"), third);
  expect_refused_by_relay(busy, WZP_CLOSE_SERVER_FULL, WZP_ERR_SERVER_FULL, "");
}

TEST(CapiRefusal, AuthRejectedUnavailableAndMismatch) {
  AuthStandIn auth;  // outlives the relay
  IdentityOwner alice, bob;
  ASSERT_EQ(wzp_identity_new_random(&alice.h), WZP_OK);
  ASSERT_EQ(wzp_identity_new_random(&bob.h), WZP_OK);
  char alice_fp[WZP_FINGERPRINT_STR_LEN + 1];
  ASSERT_EQ(wzp_identity_fingerprint_str(alice.h, alice_fp, sizeof alice_fp), WZP_OK);
  auth.set("good", AuthStandIn::valid(alice_fp));
  auth.set("bad", AuthStandIn::invalid());
  auth.set("broken", AuthStandIn::server_error());
  RelayOwner relay;
  auto rc = relay_defaults();
  std::string url = auth.url();
  rc.auth_url = url.c_str();
  uint16_t port = start_relay(relay, rc);

  auto config = client_config("127.0.0.1", port);
  config.identity = alice.h;
  config.token = "bad";
  ClientOwner rejected;
  expect_refused_by_relay(outcome(config, rejected), WZP_CLOSE_AUTH_REJECTED, WZP_ERR_AUTH_REJECTED,
                          "token rejected");
  config.token = "broken";
  ClientOwner unavailable;
  expect_refused_by_relay(outcome(config, unavailable), WZP_CLOSE_AUTH_UNAVAILABLE, WZP_ERR_AUTH_UNAVAILABLE,
                          "auth server unavailable");
  config.token = "good";
  config.identity = bob.h;
  ClientOwner mismatch;
  expect_refused_by_relay(outcome(config, mismatch), WZP_CLOSE_IDENTITY_MISMATCH, WZP_ERR_AUTH_REJECTED,
                          "does not match");
  config.token = nullptr;
  ClientOwner no_token;
  expect_refused_by_relay(outcome(config, no_token), WZP_CLOSE_AUTH_REQUIRED, WZP_ERR_AUTH_REJECTED,
                          "AuthToken");
}

TEST(CapiRefusal, HandshakeFailedWhenTheRelayRequiresV2) {
  RelayOwner relay;
  auto rc = relay_defaults();
  rc.require_session_v2 = 1;
  uint16_t port = start_relay(relay, rc);
  auto config = client_config("127.0.0.1", port);
  config.session_mode = WZP_SESSION_REFERENCE;
  ClientOwner client;
  expect_refused_by_relay(outcome(config, client), WZP_CLOSE_HANDSHAKE_FAILED, WZP_ERR_HANDSHAKE_FAILED,
                          "v2 media session is required");
}

TEST(CapiRefusal, LastCloseIsNotAvailableBeforeTheClose) {
  RelayOwner relay;
  uint16_t port = start_relay(relay, relay_defaults());
  ClientOwner client;
  auto config = client_config("127.0.0.1", port);
  ASSERT_EQ(wzp_client_new(&config, &client.h), WZP_OK);
  wzp_close_info info;
  wzp_close_info_init(&info);
  EXPECT_EQ(info.struct_size, sizeof info);
  EXPECT_EQ(wzp_client_last_close(client.h, &info), WZP_ERR_INVALID_STATE);
  EXPECT_NE(std::string(wzp_last_error()).find("IDLE"), std::string::npos) << wzp_last_error();
  EXPECT_EQ(wzp_client_last_close(client.h, nullptr), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_client_last_close(nullptr, &info), WZP_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(wzp_client_connect(client.h), WZP_OK);
  ASSERT_EQ(wzp_client_wait_joined(client.h, kWaitMs), WZP_OK) << wzp_last_error();
  EXPECT_EQ(wzp_client_last_close(client.h, &info), WZP_ERR_INVALID_STATE);
  ASSERT_EQ(wzp_client_hangup(client.h, nullptr), WZP_OK);
  wzp_event ev;
  wzp_event_init(&ev);
  while (wzp_client_next_event(client.h, &ev, kWaitMs) == WZP_OK) wzp_event_clear(&ev);  // up to CLOSED
  ASSERT_EQ(wzp_client_last_close(client.h, &info), WZP_OK) << wzp_last_error();
  EXPECT_EQ(info.code, uint64_t{WZP_CLOSE_NORMAL});
  EXPECT_EQ(info.origin, WZP_CLOSED_LOCALLY);
  EXPECT_STREQ(info.reason, "normal close");
  EXPECT_EQ(wzp_client_wait_joined(client.h, 0), WZP_ERR_CLOSED);
}

// A caller built against an older, shorter wzp_close_info: nothing past its size is written.
TEST(CapiRefusal, LastCloseWritesAtMostStructSize) {
  RelayOwner relay;
  auto rc = relay_defaults();
  rc.acl_default_deny = 1;
  uint16_t port = start_relay(relay, rc);
  ClientOwner client;
  ASSERT_EQ(outcome(client_config("127.0.0.1", port), client).status, WZP_ERR_ACL_DENIED);
  struct Short {
    size_t struct_size;
    uint64_t code;
  };
  struct {
    Short info;
    unsigned char canary[sizeof(wzp_close_info)];
  } buffer;
  std::memset(&buffer, 0xAB, sizeof buffer);
  buffer.info.struct_size = sizeof(Short);
  ASSERT_EQ(wzp_client_last_close(client.h, reinterpret_cast<wzp_close_info*>(&buffer.info)), WZP_OK)
      << wzp_last_error();
  EXPECT_EQ(buffer.info.code, uint64_t{WZP_CLOSE_ACL_DENIED});
  for (unsigned char b : buffer.canary) ASSERT_EQ(b, 0xAB);
  wzp_close_info tiny;
  std::memset(&tiny, 0, sizeof tiny);
  tiny.struct_size = sizeof(size_t);
  EXPECT_EQ(wzp_client_last_close(client.h, &tiny), WZP_ERR_INVALID_ARGUMENT);
}

// A UDP port where nothing answers: one error, the connect timeout, naming the address.
TEST(CapiRefusal, NothingAnsweringIsAConnectTimeoutNamingTheAddress) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  uint16_t port = ntohs(a.sin_port);  // bound, never read: a relay that does not answer
  auto config = client_config("127.0.0.1", port);
  config.handshake_timeout_ms = 300;
  ClientOwner client;
  auto r = outcome(config, client);
  ::close(fd);
  std::string where = "127.0.0.1:" + std::to_string(port);
  EXPECT_EQ(r.status, WZP_ERR_TIMEOUT) << r.message;
  EXPECT_EQ(r.close.code, uint64_t{WZP_CLOSE_CONNECT_TIMEOUT});
  EXPECT_EQ(r.close.origin, WZP_CLOSED_LOCALLY);
  EXPECT_NE(std::string(r.close.reason).find("no answer from relay " + where + " within 300 ms"),
            std::string::npos)
      << r.close.reason;
  EXPECT_NE(r.message.find("WZP_CLOSE_CONNECT_TIMEOUT"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find(where), std::string::npos) << r.message;
  // A poll of the closed client has its answer too: the close's status, not "not yet".
  EXPECT_EQ(wzp_client_wait_joined(client.h, 0), WZP_ERR_TIMEOUT) << wzp_last_error();
  // The CLOSED event says the same, once.
  wzp_event ev;
  wzp_event_init(&ev);
  int closed = 0;
  while (wzp_client_next_event(client.h, &ev, kWaitMs) == WZP_OK) {
    if (ev.type == WZP_EVENT_CLOSED) {
      ++closed;
      EXPECT_EQ(ev.close_code, uint64_t{WZP_CLOSE_CONNECT_TIMEOUT});
      EXPECT_STREQ(ev.close_reason, r.close.reason);
    }
    wzp_event_clear(&ev);
  }
  EXPECT_EQ(closed, 1);
}

TEST(CapiRefusal, HostNames) {
  RelayOwner relay;
  uint16_t port = start_relay(relay, relay_defaults());  // 127.0.0.1 only
  ClientOwner named;
  EXPECT_EQ(outcome(client_config("localhost", port), named).status, WZP_OK) << wzp_last_error();
  auto config = client_config("nonexistent.invalid", port);
  config.handshake_timeout_ms = 3000;
  ClientOwner nowhere;
  auto r = outcome(config, nowhere);
  EXPECT_EQ(r.status, WZP_ERR_TIMEOUT) << r.message;
  EXPECT_EQ(r.close.code, uint64_t{WZP_CLOSE_CONNECT_TIMEOUT});
  EXPECT_NE(std::string(r.close.reason).find("resolve relay host 'nonexistent.invalid'"), std::string::npos)
      << r.close.reason;
  EXPECT_NE(r.message.find("nonexistent.invalid"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace wzp_capi_test

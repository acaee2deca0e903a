// Room forwarding end to end: the relay copies each media datagram to the
// other members of the sender's room and to nobody else (relay spec §7.4-7.5).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/hex.hpp"
#include "live_harness.hpp"

namespace wzp::live_testing {
namespace {

Bytes hex(std::string_view text) {
  auto bytes = wzp::from_hex(text);
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.ok() ? *bytes : Bytes{};
}

using Room = std::vector<TestClient*>;

// Every member sends `per_sender` packets (odd ones with byte 1's unused bits
// set); returns, per member index, what it must receive.
std::vector<std::vector<Bytes>> send_from_every_member(const Room& room, uint8_t first_sender_tag,
                                                       int per_sender) {
  std::vector<std::vector<Bytes>> expected(room.size());
  for (size_t s = 0; s < room.size(); ++s) {
    for (int i = 0; i < per_sender; ++i) {
      Bytes packet = media_packet(static_cast<uint8_t>(first_sender_tag + s), static_cast<uint16_t>(i));
      if (i % 2 == 1) packet[1] |= 0x03;
      Status sent = room[s]->send(packet);
      EXPECT_TRUE(sent.ok()) << sent.error().message;
      for (size_t r = 0; r < room.size(); ++r) {
        if (r != s) expected[r].push_back(as_forwarded(packet));
      }
    }
  }
  return expected;
}

void expect_received_exactly(const Room& room, const std::vector<std::vector<Bytes>>& expected) {
  for (size_t r = 0; r < room.size(); ++r) {
    ASSERT_TRUE(room[r]->wait_media_count(expected[r].size())) << "member " << r;
  }
  for (size_t r = 0; r < room.size(); ++r) {
    EXPECT_EQ(sorted(room[r]->media()), sorted(expected[r])) << "member " << r;
  }
}

TEST(LiveForwarding, EachDatagramReachesExactlyTheOtherMembersOfItsRoom) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(TestClient::join(client_config(*relay, "room-a")));
  for (int i = 0; i < 2; ++i) clients.push_back(TestClient::join(client_config(*relay, "room-b")));
  for (auto& c : clients) ASSERT_TRUE(c);
  Room a{clients[0].get(), clients[1].get(), clients[2].get()};
  Room b{clients[3].get(), clients[4].get()};

  EXPECT_EQ(relay->counters().participants.load(), 5u);
  EXPECT_EQ(relay->counters().rooms.load(), 2u);
  auto rooms = relay->server->rooms();
  ASSERT_EQ(rooms.size(), 2u);
  EXPECT_EQ(rooms[0].room, "room-a");
  EXPECT_EQ(rooms[0].participants.size(), 3u);
  EXPECT_EQ(rooms[1].room, "room-b");
  EXPECT_EQ(rooms[1].participants.size(), 2u);

  constexpr int kPerSender = 4;
  // Room B goes first. Once B's members have all of it the relay has handled
  // B's packets, so a leak into room A would reach A's members ahead of A's own
  // traffic and show up in the exact comparison below.
  auto expected_b = send_from_every_member(b, 10, kPerSender);
  expect_received_exactly(b, expected_b);
  auto expected_a = send_from_every_member(a, 20, kPerSender);
  expect_received_exactly(a, expected_a);
  expect_received_exactly(b, expected_b);  // still nothing from A

  const auto& counters = relay->counters();
  EXPECT_EQ(counters.datagrams_received.load(), 5u * kPerSender);
  EXPECT_EQ(counters.datagrams_forwarded.load(), 3u * kPerSender * 2 + 2u * kPerSender * 1);
  EXPECT_EQ(counters.bytes_forwarded.load(), counters.datagrams_forwarded.load() * 40);  // payload bytes only
  EXPECT_EQ(counters.datagrams_malformed.load(), 0u);
  EXPECT_EQ(counters.datagrams_dropped.load(), 0u);
}

TEST(LiveForwarding, AloneInARoomNothingComesBack) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto solo = TestClient::join(client_config(*relay, "solo"));
  auto other = TestClient::join(client_config(*relay, "elsewhere"));
  ASSERT_TRUE(solo && other);
  for (uint16_t i = 0; i < 5; ++i) ASSERT_TRUE(solo->send(media_packet(1, i)).ok());
  // A packet in another room, sent afterwards, is handled after solo's five.
  auto peer = TestClient::join(client_config(*relay, "elsewhere"));
  ASSERT_TRUE(peer);
  ASSERT_TRUE(other->send(media_packet(2, 0)).ok());
  ASSERT_TRUE(peer->wait_media_count(1));
  // Whatever the order across connections, the relay has read all six before the verdict.
  ASSERT_TRUE(eventually([&] { return relay->counters().datagrams_received.load() == 6; }));
  EXPECT_EQ(relay->counters().datagrams_forwarded.load(), 1u);
  EXPECT_TRUE(solo->media().empty());
}

// Relay-scenario vectors (§0.1): malformed datagrams are dropped and counted
// (the reference ends the sender's session); the sender stays in the room.
TEST(LiveForwarding, MalformedDatagramsAreDroppedCountedAndNotFatal) {
  auto room = RoomSetup::start("room-m", 2);
  ASSERT_TRUE(room.ok());
  auto& relay = room.relay;
  TestClient& c1 = room[0];
  TestClient& c2 = room[1];

  const Bytes bad_short = hex("0400000100000064000000");
  const Bytes bad_codec = hex("3c000001000000640000000061");
  const Bytes bad_qr = hex("0600000400000064000000006161");
  const Bytes p1 = hex("040000010000006400000000616161");
  const Bytes pb1 = hex("040300030000008c00020000636363");
  const Bytes pqr = hex("06000002000000780001000062626280190ac8");
  ASSERT_EQ(bad_short.size(), 11u);
  for (const Bytes& bad : {bad_short, bad_codec, bad_qr}) ASSERT_TRUE(c1.send(bad).ok());
  ASSERT_TRUE(c1.send(p1).ok());
  expect_media(c2, {p1});
  EXPECT_EQ(relay->counters().datagrams_malformed.load(), 3u);
  EXPECT_EQ(relay->counters().datagrams_received.load(), 4u);
  EXPECT_EQ(relay->counters().datagrams_forwarded.load(), 1u);
  EXPECT_EQ(relay->counters().bytes_forwarded.load(), 3u);

  // Still joined, both ways; header bits normalised, quality report intact.
  EXPECT_EQ(c1.client->state(), client::ClientState::joined);
  EXPECT_EQ(relay->count(relay::RelayEventType::left), 0u);
  ASSERT_TRUE(c1.send(pb1).ok());
  ASSERT_TRUE(c1.send(pqr).ok());
  ASSERT_TRUE(c2.wait_media_count(3));
  auto got = c2.media();
  EXPECT_EQ(got[1], hex("040000030000008c00020000636363"));
  EXPECT_EQ(got[2], pqr);
  ASSERT_TRUE(c2.send(p1).ok());
  expect_media(c1, {p1});
}

// A receiver that cannot take a datagram does not stop delivery to the rest.
TEST(LiveForwarding, UndeliverableToOneReceiverStillReachesTheOthers) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto sender = TestClient::join(client_config(*relay, "room-d"));
  auto deaf_settings = client_config(*relay, "room-d");
  deaf_settings.transport.max_datagram_frame_size = 0;  // accepts no datagrams
  auto deaf = TestClient::join(std::move(deaf_settings));
  auto listener = TestClient::join(client_config(*relay, "room-d"));
  ASSERT_TRUE(sender && deaf && listener);
  Bytes packet = media_packet(5, 5);
  ASSERT_TRUE(sender->send(packet).ok());
  expect_media(*listener, {packet});
  // The deaf member may sit on another loop, which counts its drop after the listener has
  // the datagram.
  ASSERT_TRUE(eventually([&] { return relay->counters().datagrams_dropped.load() == 1; }));
  EXPECT_EQ(relay->counters().datagrams_forwarded.load(), 1u);
  EXPECT_EQ(deaf->client->state(), client::ClientState::joined);
}

TEST(LiveForwarding, OversizedDatagramRefusedByTheClient) {
  auto room = RoomSetup::start("room-o", 1);
  ASSERT_TRUE(room.ok());
  TestClient& c1 = room[0];
  Status st = c1.send(media_packet(1, 0, 2000));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::too_large) << st.error().message;
  EXPECT_EQ(c1.client->state(), client::ClientState::joined);
}

TEST(LiveForwarding, FiftyClientsJoinOneRoomAtOnce) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  constexpr size_t kClients = 50;
  std::vector<std::unique_ptr<TestClient>> clients;
  for (size_t i = 0; i < kClients; ++i) {
    clients.push_back(TestClient::connect(client_config(*relay, "crowd")));
    ASSERT_TRUE(clients.back());
  }
  for (size_t i = 0; i < kClients; ++i) {
    Status joined = clients[i]->client->wait_joined(static_cast<int>(kWait.count()));
    ASSERT_TRUE(joined.ok()) << i << ": " << joined.error().message;
  }
  EXPECT_EQ(relay->count(relay::RelayEventType::joined), kClients);
  EXPECT_EQ(relay->counters().participants.load(), kClients);
  EXPECT_EQ(relay->counters().sessions_active.load(), kClients);

  Bytes packet = media_packet(7, 1);
  ASSERT_TRUE(clients[0]->send(packet).ok());
  for (size_t i = 1; i < kClients; ++i) {
    expect_media(*clients[i], {packet});
  }
  EXPECT_TRUE(clients[0]->media().empty());
  EXPECT_EQ(relay->counters().datagrams_forwarded.load(), kClients - 1);
}

bool ipv6_loopback_available() {
  int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

TEST(LiveForwarding, Ipv6Loopback) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback here";
  auto config = relay_config();
  config.listen_host = "::1";
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  auto c1_config = client_config(*relay, "room-6");
  c1_config.relay_host = "::1";
  auto c2_config = c1_config;
  c2_config.identity = identity_from(6);
  auto c1 = TestClient::join(std::move(c1_config));
  auto c2 = TestClient::join(std::move(c2_config));
  ASSERT_TRUE(c1 && c2);
  auto rooms = relay->server->rooms();
  ASSERT_EQ(rooms.size(), 1u);
  ASSERT_EQ(rooms[0].participants.size(), 2u);
  EXPECT_EQ(rooms[0].participants[0].remote.rfind("[::1]:", 0), 0u) << rooms[0].participants[0].remote;
  Bytes packet = media_packet(6, 6);
  ASSERT_TRUE(c1->send(packet).ok());
  expect_media(*c2, {packet});
}

// Scenarios ROOM-4/ROOM-5: the room is the lower-cased SNI; no SNI is "default".
TEST(LiveRooms, RoomNamesComeFromTheSni) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto named_default = TestClient::join(client_config(*relay, "default"));
  auto no_sni = TestClient::join(client_config(*relay, ""));
  auto upper = TestClient::join(client_config(*relay, "My-Group"));
  auto lower = TestClient::join(client_config(*relay, "my-group"));
  auto hashed = TestClient::join(client_config(*relay, "46de10172c0bd3222eea8f521ac04d59"));
  ASSERT_TRUE(named_default && no_sni && upper && lower && hashed);
  std::map<std::string, size_t> sizes;
  for (const auto& room : relay->server->rooms()) sizes[room.room] = room.participants.size();
  EXPECT_EQ(sizes, (std::map<std::string, size_t>{
                       {"default", 2}, {"my-group", 2}, {"46de10172c0bd3222eea8f521ac04d59", 1}}));

  Bytes packet = media_packet(4, 4);
  ASSERT_TRUE(no_sni->send(packet).ok());
  expect_media(*named_default, {packet});
}

// Scenario ROOM-13: one identity twice in a room is two participants.
TEST(LiveRooms, SameIdentityTwiceIsTwoParticipants) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto first = client_config(*relay, "twice");
  first.identity = identity_from(13);
  auto second = client_config(*relay, "twice");
  second.identity = identity_from(13);
  auto c1 = TestClient::join(std::move(first));
  auto c2 = TestClient::join(std::move(second));
  ASSERT_TRUE(c1 && c2);
  Bytes packet = media_packet(13, 1);
  ASSERT_TRUE(c1->send(packet).ok());
  expect_media(*c2, {packet});
  auto rooms = relay->server->rooms();
  ASSERT_EQ(rooms.size(), 1u);
  ASSERT_EQ(rooms[0].participants.size(), 2u);
  EXPECT_NE(rooms[0].participants[0].id, rooms[0].participants[1].id);
  EXPECT_EQ(rooms[0].participants[0].fingerprint, rooms[0].participants[1].fingerprint);
}

// A reference relay's TLS stack refuses such names; the client says so up front.
TEST(LiveRooms, ClientRefusesAnSniThatIsNotADnsName) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  for (const std::string& sni :
       std::vector<std::string>{"voice room #1", "_probe", "-x", "a..b", "1.2.3.4.5", std::string(64, 'a')}) {
    auto created = client::Client::create(client_config(*relay, sni), nullptr);
    ASSERT_FALSE(created.ok()) << sni;
    EXPECT_EQ(created.error().code, Errc::invalid_argument) << sni;
    EXPECT_NE(created.error().message.find("SNI"), std::string::npos) << created.error().message;
  }
}

}  // namespace
}  // namespace wzp::live_testing

// The room extension end to end: clients that offer it learn who is in the
// room at join, who joins and who leaves (and why), and can signal one member
// or the whole room through the relay; a client that does not offer it (as a
// reference client) sees nothing new but is listed to the others.
#include <gtest/gtest.h>

#include "handshake/signal_handshake.hpp"
#include "live_harness.hpp"
#include "wire/room_message.hpp"

namespace wzp::live_testing {
namespace {

using client::ClientEvent;
using client::ClientEventType;

constexpr const char* kRoom = "peers";

std::unique_ptr<TestClient> member(TestRelay& relay, uint8_t fill, bool offer = true) {
  auto config = client_config(relay, kRoom);
  config.identity = identity_from(fill);
  config.offer_room_peers = offer;
  if (!offer) config.session_mode = handshake::SessionMode::reference;  // a reference client's offer
  return TestClient::join(std::move(config));
}

std::vector<std::string> fingerprints(const Result<std::vector<wire::PeerEntry>>& peers) {
  std::vector<std::string> out;
  if (peers) {
    for (const auto& p : *peers) out.push_back(p.fingerprint);
  }
  return out;
}

std::optional<ClientEvent> wait_peer_event(const TestClient& c, ClientEventType type, const std::string& fp) {
  return c.events.wait_for([&](const ClientEvent& e) { return e.type == type && e.fingerprint == fp; });
}

size_t count_type(const TestClient& c, ClientEventType type) {
  return c.events.count([&](const ClientEvent& e) { return e.type == type; });
}

std::vector<Bytes> peer_signals(const TestClient& c) {
  std::vector<Bytes> out;
  for (const auto& e : c.events.snapshot()) {
    if (e.type == ClientEventType::peer_signal) out.push_back(e.data);
  }
  return out;
}

TEST(LivePeers, MembersAreListedAtJoinAndJoinsAndLeavesAreReported) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto alice = member(*relay, 1);
  ASSERT_TRUE(alice);
  // Alone: an empty list, and media sent now reaches nobody (counted).
  auto alone = alice->client->peers();
  ASSERT_TRUE(alone.ok()) << alone.error().message;
  EXPECT_TRUE(alone->empty());
  ASSERT_TRUE(alice->send(media_packet(1, 1)).ok());
  ASSERT_TRUE(eventually([&] { return relay->counters().datagrams_no_recipient.load() == 1; }));

  auto bob = member(*relay, 2);
  ASSERT_TRUE(bob);
  // Bob's list is complete when JOINED is reported, and each member present is an event.
  EXPECT_EQ(fingerprints(bob->client->peers()), std::vector<std::string>{alice->display_fingerprint});
  auto present = wait_peer_event(*bob, ClientEventType::peer_joined, alice->display_fingerprint);
  ASSERT_TRUE(present);
  EXPECT_EQ(present->room, kRoom);
  EXPECT_EQ(present->alias, std::nullopt);
  auto events = bob->events.snapshot();
  auto joined_at = std::find_if(events.begin(), events.end(),
                                [](const ClientEvent& e) { return e.type == ClientEventType::joined; });
  auto peer_at = std::find_if(events.begin(), events.end(),
                              [](const ClientEvent& e) { return e.type == ClientEventType::peer_joined; });
  EXPECT_LT(joined_at - events.begin(), peer_at - events.begin()) << "PEER_JOINED before JOINED";
  // Alice hears that bob came.
  ASSERT_TRUE(wait_peer_event(*alice, ClientEventType::peer_joined, bob->display_fingerprint));

  auto carol = member(*relay, 3);
  ASSERT_TRUE(carol);
  EXPECT_EQ(fingerprints(carol->client->peers()),
            (std::vector<std::string>{alice->display_fingerprint, bob->display_fingerprint}));
  ASSERT_TRUE(wait_peer_event(*alice, ClientEventType::peer_joined, carol->display_fingerprint));
  ASSERT_TRUE(wait_peer_event(*bob, ClientEventType::peer_joined, carol->display_fingerprint));

  // Bob hangs up: the others learn it, with the reason.
  bob->client->hangup(wire::HangupReason::busy);
  for (auto* c : {alice.get(), carol.get()}) {
    auto left = wait_peer_event(*c, ClientEventType::peer_left, bob->display_fingerprint);
    ASSERT_TRUE(left);
    EXPECT_EQ(left->close.kind, transport::CloseKind::application);
    EXPECT_EQ(left->close.code, wire::code_value(wire::CloseCode::normal));
    // The Hangup signal and the close travel together; either may end the session first.
    EXPECT_TRUE(left->close.reason == "hangup (Busy)" || left->close.reason == "normal close")
        << left->close.reason;
    EXPECT_EQ(left->room, kRoom);
  }
  EXPECT_EQ(fingerprints(alice->client->peers()), std::vector<std::string>{carol->display_fingerprint});
  EXPECT_EQ(fingerprints(carol->client->peers()), std::vector<std::string>{alice->display_fingerprint});

  // Carol's connection ends without a Hangup signal (just a QUIC close): alice learns that too.
  carol.reset();
  auto gone =
      wait_peer_event(*alice, ClientEventType::peer_left, identity_from(3).fingerprint().to_display());
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->close.reason.empty());
  EXPECT_TRUE(alice->client->peers()->empty());
  // Lists: 3; joined notices: 1 (to alice) + 2 (carol's); left notices: 2 (bob's) + 1 (carol's).
  EXPECT_EQ(relay->counters().membership_messages_sent.load(), 9u);
  EXPECT_EQ(count_type(*alice, ClientEventType::signal), 0u) << "room messages leaked as SIGNAL events";
}

TEST(LivePeers, PeerSignalsReachTheirTargetOrTheRoom) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto alice = member(*relay, 1);
  auto bob = member(*relay, 2);
  auto carol = member(*relay, 3);
  ASSERT_TRUE(alice && bob && carol);
  ASSERT_TRUE(wait_peer_event(*alice, ClientEventType::peer_joined, carol->display_fingerprint));

  const Bytes to_bob{0, 1, 2, 0xff, '"', '\\'};
  ASSERT_TRUE(alice->client->send_peer_signal(bob->display_fingerprint, to_bob).ok());
  auto got = wait_peer_event(*bob, ClientEventType::peer_signal, alice->display_fingerprint);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->data, to_bob);
  EXPECT_EQ(got->room, kRoom);

  const Bytes to_room(wire::kMaxPeerSignalBytes, 0x5a);  // the largest allowed
  ASSERT_TRUE(carol->client->send_peer_signal(std::nullopt, to_room).ok());
  for (auto* c : {alice.get(), bob.get()}) {
    auto e = wait_peer_event(*c, ClientEventType::peer_signal, carol->display_fingerprint);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, to_room);
  }
  // Carol got neither her own broadcast nor alice's signal to bob; alice only carol's.
  EXPECT_TRUE(peer_signals(*carol).empty());
  EXPECT_EQ(peer_signals(*alice), std::vector<Bytes>{to_room});
  EXPECT_EQ(peer_signals(*bob), (std::vector<Bytes>{to_bob, to_room}));
  // A relay on several loops counts a forwarded signal after posting it to the receiver's loop.
  EXPECT_TRUE(eventually([&] { return relay->counters().peer_signals_forwarded.load() == 3; }));
  EXPECT_EQ(relay->counters().peer_signals_dropped.load(), 0u);

  // Refused by the client: too large, or a fingerprint not in the room.
  Status large = alice->client->send_peer_signal(std::nullopt, Bytes(wire::kMaxPeerSignalBytes + 1));
  ASSERT_FALSE(large.ok());
  EXPECT_EQ(large.error().code, Errc::too_large);
  const std::string stranger = identity_from(99).fingerprint().to_display();
  Status unknown = alice->client->send_peer_signal(stranger, Bytes{1});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::not_found);
}

// A bare client that offers the extension and sends what it likes.
TEST(LivePeers, RelayDropsAndCountsSignalsNobodyCanReceive) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  auto bob = member(*relay, 2);
  ASSERT_TRUE(bob);
  auto raw = raw_connection(*relay, kRoom);
  ASSERT_TRUE(raw);
  handshake::Caller caller(identity_from(7));
  wire::CallOffer offer = caller.offer();
  offer.peers_version = wire::kRoomPeersVersion;
  ASSERT_TRUE(raw->send_signal(offer).ok());
  ASSERT_TRUE(raw->wait_signals(2));  // the CallAnswer, then the member list
  auto answer = wire::decode_json(as_chars(raw->state().signals[0]));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(std::get<wire::CallAnswer>(*answer).peers_version, wire::kRoomPeersVersion);
  auto list = wire::json::parse(as_chars(raw->state().signals[1]));
  ASSERT_TRUE(list.ok());
  auto decoded = wire::decode_room_message(*list);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<wire::RoomPeers>(*decoded).peers,
            (std::vector<wire::PeerEntry>{{bob->display_fingerprint, std::nullopt}}));

  auto send = [&](const wire::RoomMessage& m) { return raw->send_signal_text(wire::encode_json(m)); };
  const std::string stranger = identity_from(99).fingerprint().to_display();
  ASSERT_TRUE(send(wire::PeerSignal{std::nullopt, stranger, Bytes{1, 2}}).ok());
  ASSERT_TRUE(send(wire::PeerSignal{std::nullopt, std::nullopt, Bytes(wire::kMaxPeerSignalBytes + 1)}).ok());
  ASSERT_TRUE(eventually([&] { return relay->counters().peer_signals_dropped.load() == 2; }));
  // A forged sender is replaced by the connection's own identity.
  ASSERT_TRUE(send(wire::PeerSignal{bob->display_fingerprint, std::nullopt, Bytes{9}}).ok());
  auto got = wait_peer_event(*bob, ClientEventType::peer_signal, identity_from(7).fingerprint().to_display());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->data, Bytes{9});
  // Counted by the sender's loop, which may finish after bob's loop delivered it (multi-loop relays).
  EXPECT_TRUE(eventually([&] { return relay->counters().peer_signals_forwarded.load() == 1; }));
  // Notices flow from the relay only: one sent by a client is ignored and counted.
  ASSERT_TRUE(send(wire::PeerJoined{{stranger, std::nullopt}}).ok());
  ASSERT_TRUE(eventually([&] { return relay->counters().rejected_malformed.load() == 1; }));
  EXPECT_EQ(count_type(*bob, ClientEventType::peer_joined), 1u);
  EXPECT_EQ(relay->counters().participants.load(), 2u);
}

TEST(LivePeers, AClientThatDoesNotOfferSeesNothingNewAndIsListed) {
  auto relay = TestRelay::start();
  ASSERT_TRUE(relay);
  // A reference client's exact CallOffer, from a bare connection: everything it receives is checked.
  auto raw = raw_connection(*relay, kRoom);
  ASSERT_TRUE(raw);
  handshake::Options reference;
  reference.preferred = handshake::SessionMode::reference;
  handshake::Caller caller(identity_from(7), reference);
  ASSERT_TRUE(raw->send_signal(caller.offer()).ok());
  ASSERT_TRUE(raw->wait_signals(1));
  const std::string raw_fp = identity_from(7).fingerprint().to_display();
  // And a libwzp client that does not offer it.
  auto quiet = member(*relay, 8, false);
  ASSERT_TRUE(quiet);
  auto peers = quiet->client->peers();
  ASSERT_FALSE(peers.ok());
  EXPECT_EQ(peers.error().code, Errc::invalid_state);
  Status refused = quiet->client->send_peer_signal(std::nullopt, Bytes{1});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::invalid_state);

  auto alice = member(*relay, 1);
  ASSERT_TRUE(alice);
  EXPECT_EQ(fingerprints(alice->client->peers()),
            (std::vector<std::string>{raw_fp, quiet->display_fingerprint}));
  ASSERT_TRUE(alice->client->send_peer_signal(std::nullopt, Bytes{1}).ok());
  ASSERT_TRUE(alice->client->send_peer_signal(raw_fp, Bytes{2}).ok());
  ASSERT_TRUE(eventually([&] { return relay->counters().peer_signals_dropped.load() == 2; }));
  // The non-offering members leave; alice is told.
  quiet->client->hangup(wire::HangupReason::normal);
  ASSERT_TRUE(wait_peer_event(*alice, ClientEventType::peer_left, quiet->display_fingerprint));
  auto bob = member(*relay, 2);
  ASSERT_TRUE(bob);
  ASSERT_TRUE(wait_peer_event(*alice, ClientEventType::peer_joined, bob->display_fingerprint));

  // The reference peer got its CallAnswer (without the extension field) and nothing else.
  auto signals = raw->state().signals;
  ASSERT_EQ(signals.size(), 1u);
  std::string answer(as_chars(signals[0]));
  EXPECT_EQ(answer.find("wzp_"), std::string::npos) << answer;
  EXPECT_EQ(count_type(*quiet, ClientEventType::signal), 0u);
  EXPECT_EQ(count_type(*quiet, ClientEventType::peer_joined), 0u);
}

TEST(LivePeers, AliasFromTheAuthServerIsPassedOn) {
  AuthStandIn auth;
  auto config = relay_config();
  config.auth_url = auth.url();
  auto relay = TestRelay::start(config);
  ASSERT_TRUE(relay);
  auto with_token = [&](uint8_t fill, const std::string& token) {
    auto c = client_config(*relay, kRoom, token);
    c.identity = identity_from(fill);
    auth.set(token, AuthStandIn::valid(c.identity.fingerprint().to_display()));  // alias "alice"
    return TestClient::join(std::move(c));
  };
  auto first = with_token(1, "tok-1");
  ASSERT_TRUE(first);
  auto second = with_token(2, "tok-2");
  ASSERT_TRUE(second);
  auto listed = second->client->peers();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].alias, "alice");
  auto joined = wait_peer_event(*first, ClientEventType::peer_joined, second->display_fingerprint);
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->alias, "alice");
  second.reset();
}

}  // namespace
}  // namespace wzp::live_testing

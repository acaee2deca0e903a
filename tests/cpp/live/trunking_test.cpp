// Trunked forwarding end to end (relay spec §7.6, docs/PROTOCOL.md row 42): a
// trunking relay batches media into TrunkFrames only for clients that offered
// "wzp_trunk"; the client unpacks them into the media events it would have
// reported for plain datagrams. Everyone else sees plain forwarding.
#include <gtest/gtest.h>

#include <map>

#include "core/hex.hpp"
#include "handshake/signal_handshake.hpp"
#include "live_harness.hpp"
#include "wire/trunk_frame.hpp"

namespace wzp::live_testing {
namespace {

constexpr uint16_t kPerSender = 40;

relay::RelayConfig trunking_relay() {
  auto config = relay_config();
  config.trunking = true;
  return config;
}

client::ClientConfig reference_client(const TestRelay& relay, const std::string& room) {
  auto config = client_config(relay, room);
  config.session_mode = handshake::SessionMode::reference;
  config.offer_room_peers = false;
  return config;
}

// Media received, grouped by the sender byte media_packet() puts in fec_block, in arrival order.
std::map<uint8_t, std::vector<Bytes>> by_sender(const TestClient& client) {
  std::map<uint8_t, std::vector<Bytes>> out;
  for (auto& packet : client.media()) {
    auto parsed = wire::parse_media_packet(packet);
    EXPECT_TRUE(parsed.ok()) << "not a media packet: " << to_hex(packet);
    if (parsed.ok()) out[parsed->header.fec_block].push_back(packet);
  }
  return out;
}

std::vector<Bytes> sequence_of(uint8_t sender) {
  std::vector<Bytes> out;
  for (uint16_t seq = 0; seq < kPerSender; ++seq) out.push_back(as_forwarded(media_packet(sender, seq)));
  return out;
}

// Each of `senders` sends kPerSender packets (sender byte = its index + 1).
void send_all(const std::vector<TestClient*>& senders) {
  for (uint16_t seq = 0; seq < kPerSender; ++seq) {
    for (size_t s = 0; s < senders.size(); ++s) {
      Status sent = senders[s]->send(media_packet(static_cast<uint8_t>(s + 1), seq));
      ASSERT_TRUE(sent.ok()) << sent.error().message;
    }
  }
}

TEST(LiveTrunking, ClientsThatOfferItGetEveryPacketIntactAndInOrderPerSender) {
  auto relay = TestRelay::start(trunking_relay());
  ASSERT_TRUE(relay);
  std::vector<std::unique_ptr<TestClient>> senders;
  for (int i = 0; i < 3; ++i) senders.push_back(TestClient::join(client_config(*relay, "trunked")));
  auto listener = TestClient::join(client_config(*relay, "trunked"));
  auto reference = TestClient::join(reference_client(*relay, "trunked"));
  ASSERT_TRUE(listener && reference);
  for (auto& s : senders) ASSERT_TRUE(s && s->client->trunking());
  EXPECT_TRUE(listener->client->trunking());
  EXPECT_FALSE(reference->client->trunking());
  auto rooms = relay->server->rooms();
  ASSERT_EQ(rooms.size(), 1u);
  ASSERT_EQ(rooms[0].participants.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(rooms[0].participants[i].trunking, i < 4) << i;

  send_all({senders[0].get(), senders[1].get(), senders[2].get()});

  // The listener hears all three senders, each packet intact, each sender's in its order.
  ASSERT_TRUE(listener->wait_media_count(3u * kPerSender));
  auto heard = by_sender(*listener);
  ASSERT_EQ(heard.size(), 3u);
  for (uint8_t s = 1; s <= 3; ++s) EXPECT_EQ(heard[s], sequence_of(s)) << "sender " << int(s);
  // Each sender hears the two others (and never itself).
  for (size_t i = 0; i < senders.size(); ++i) {
    ASSERT_TRUE(senders[i]->wait_media_count(2u * kPerSender));
    auto got = by_sender(*senders[i]);
    EXPECT_EQ(got.size(), 2u);
    EXPECT_EQ(got.count(static_cast<uint8_t>(i + 1)), 0u);
    for (auto& [s, packets] : got)
      EXPECT_EQ(packets, sequence_of(s)) << "member " << i << " sender " << int(s);
  }
  // The reference-mode client in the same room gets plain datagrams: each event is one packet
  // exactly as sent (a TrunkFrame would show up as an unparseable "packet").
  ASSERT_TRUE(reference->wait_media_count(3u * kPerSender));
  auto plain = by_sender(*reference);
  for (uint8_t s = 1; s <= 3; ++s) EXPECT_EQ(plain[s], sequence_of(s)) << "sender " << int(s);
  EXPECT_EQ(reference->client->trunk_counters().frames_received.load(), 0u);

  // Counters: every packet for the four trunking receivers went through a batcher.
  const auto& c = relay->counters();
  const uint64_t trunked = 3u * kPerSender * 3;  // each sender -> 2 other senders + the listener
  const uint64_t plain_count = 3u * kPerSender;  // -> the reference client
  EXPECT_TRUE(eventually([&] { return c.datagrams_forwarded.load() == trunked + plain_count; }))
      << c.datagrams_forwarded.load();
  EXPECT_EQ(c.trunk_packets_batched.load(), trunked);
  EXPECT_GE(c.trunk_frames_sent.load(), 1u);
  EXPECT_LE(c.trunk_frames_sent.load(), trunked);
  EXPECT_EQ(c.datagrams_dropped.load(), 0u);
  // Every frame the relay sent arrived and was unpacked into its packets.
  uint64_t frames = listener->client->trunk_counters().frames_received.load();
  uint64_t unpacked = listener->client->trunk_counters().packets_unpacked.load();
  for (auto& s : senders) {
    frames += s->client->trunk_counters().frames_received.load();
    unpacked += s->client->trunk_counters().packets_unpacked.load();
    EXPECT_EQ(s->client->trunk_counters().frames_malformed.load(), 0u);
  }
  EXPECT_EQ(frames, c.trunk_frames_sent.load());
  EXPECT_EQ(unpacked, trunked);
}

TEST(LiveTrunking, WithTrunkingOffNothingChanges) {
  auto setup = RoomSetup::start("plain", 3);
  ASSERT_TRUE(setup.ok());
  for (auto& m : setup.members) EXPECT_FALSE(m->client->trunking());  // offered, not agreed
  send_all({setup.members[0].get(), setup.members[1].get()});
  ASSERT_TRUE(setup[2].wait_media_count(2u * kPerSender));
  auto heard = by_sender(setup[2]);
  for (uint8_t s = 1; s <= 2; ++s) EXPECT_EQ(heard[s], sequence_of(s));
  const auto& c = setup.relay->counters();
  EXPECT_TRUE(eventually([&] { return c.datagrams_forwarded.load() == 2u * kPerSender * 2; }));
  EXPECT_EQ(c.trunk_frames_sent.load(), 0u);
  EXPECT_EQ(c.trunk_packets_batched.load(), 0u);
  EXPECT_EQ(setup[2].client->trunk_counters().frames_received.load(), 0u);
}

TEST(LiveTrunking, AClientMayDeclineIt) {
  auto relay = TestRelay::start(trunking_relay());
  ASSERT_TRUE(relay);
  auto sender = TestClient::join(client_config(*relay, "opt-out"));
  auto config = client_config(*relay, "opt-out");
  config.offer_trunking = false;
  auto declined = TestClient::join(config);
  ASSERT_TRUE(sender && declined);
  EXPECT_FALSE(declined->client->trunking());
  send_all({sender.get()});
  ASSERT_TRUE(declined->wait_media_count(kPerSender));
  EXPECT_EQ(declined->media(), sequence_of(1));
  EXPECT_EQ(relay->counters().trunk_packets_batched.load(), 0u);
}

// A leaving sender's waiting packets still go out; batches for a leaving receiver are dropped
// and nothing of either connection stays behind.
TEST(LiveTrunking, APacketSentJustBeforeHangingUpIsStillDelivered) {
  auto relay = TestRelay::start(trunking_relay());
  ASSERT_TRUE(relay);
  auto leaver = TestClient::join(client_config(*relay, "bye"));
  auto listener = TestClient::join(client_config(*relay, "bye"));
  ASSERT_TRUE(leaver && listener);
  ASSERT_TRUE(leaver->send(media_packet(1, 0)).ok());
  ASSERT_TRUE(leaver->send(media_packet(1, 1)).ok());
  // Both read by the relay before it reads the Hangup (which then flushes what still waits).
  ASSERT_TRUE(eventually([&] { return relay->counters().trunk_packets_batched.load() == 2; }));
  leaver->client->hangup(wire::HangupReason::normal);
  ASSERT_TRUE(listener->wait_media_count(2));
  EXPECT_EQ(listener->media(),
            (std::vector<Bytes>{as_forwarded(media_packet(1, 0)), as_forwarded(media_packet(1, 1))}));
}

// A stand-in relay that agrees to trunking and then sends a good frame, a malformed one and
// another good one: the client reports the good frames' packets and counts the bad frame.
TEST(LiveTrunking, MalformedFramesAreDroppedAndCounted) {
  auto fake = RawEndpoint::mute_server();
  ASSERT_TRUE(fake);
  auto client = TestClient::connect(client_config_to(fake->port(), "fake"));
  ASSERT_TRUE(client);
  ASSERT_TRUE(fake->wait_signals(1));
  auto offer = wire::decode_json(as_chars(fake->state().signals.at(0)));
  ASSERT_TRUE(offer.ok());
  ASSERT_EQ(std::get<wire::CallOffer>(*offer).trunk_version, wire::kTrunkVersion);
  auto answered = handshake::answer_offer(identity_from(7), *offer);
  ASSERT_TRUE(answered.ok());
  answered->answer.trunk_version = wire::kTrunkVersion;
  ASSERT_TRUE(fake->send_signal(wire::SignalMessage(answered->answer)).ok());
  ASSERT_TRUE(client->wait_joined_event());
  EXPECT_TRUE(client->client->trunking());

  auto frame = [](std::vector<Bytes> packets) {
    wire::TrunkFrame f;
    for (auto& p : packets) f.entries.push_back({{0, 1}, std::move(p)});
    return wire::encode_trunk_frame(f);
  };
  auto send = [&](const Bytes& datagram) {
    return fake->with_connection([&](transport::Connection& c) { return c.send_datagram(datagram); });
  };
  ASSERT_TRUE(send(frame({media_packet(1, 0), media_packet(1, 1)})).ok());
  ASSERT_TRUE(send(Bytes{0x00, 0x05, 0x00, 0x01}).ok());  // five entries announced, none there
  ASSERT_TRUE(send(frame({media_packet(1, 2)})).ok());
  ASSERT_TRUE(client->wait_media_count(3));
  ASSERT_TRUE(eventually([&] {
    const auto& t = client->client->trunk_counters();
    return t.frames_received.load() + t.frames_malformed.load() == 3;
  }));
  EXPECT_EQ(client->client->trunk_counters().frames_malformed.load(), 1u);
  EXPECT_EQ(client->client->trunk_counters().packets_unpacked.load(), 3u);
  EXPECT_EQ(client->media(),
            (std::vector<Bytes>{media_packet(1, 0), media_packet(1, 1), media_packet(1, 2)}));
  EXPECT_EQ(client->client->state(), client::ClientState::joined);  // a bad frame is not fatal
}

}  // namespace
}  // namespace wzp::live_testing

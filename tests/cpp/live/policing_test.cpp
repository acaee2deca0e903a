// Per-sender rate policing: a member that floods its room is cut down to its
// rate limit (the excess dropped and counted, per participant too), so a
// legitimate voice stream in the same room arrives complete.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "live_harness.hpp"

namespace wzp::live_testing {
namespace {

constexpr uint8_t kFlooder = 1, kSpeaker = 2;

size_t received_from(const TestClient& client, uint8_t sender) {
  size_t n = 0;
  for (const auto& packet : client.media()) {
    auto parsed = wire::parse_media_packet(packet);
    n += parsed.ok() && parsed->header.fec_block == sender ? 1 : 0;
  }
  return n;
}

TEST(LivePolicing, FloodingMemberIsPolicedAndAVoiceStreamArrivesComplete) {
  auto setup = RoomSetup::start("policed", 3);
  ASSERT_TRUE(setup.ok());
  TestClient& flooder = setup[0];
  TestClient& speaker = setup[1];
  TestClient& listener = setup[2];

  std::atomic<bool> flooding{true};
  std::atomic<uint64_t> flood_sent{0};
  std::thread flood([&] {
    uint16_t seq = 0;
    while (flooding.load()) {
      for (int i = 0; i < 50; ++i) {
        if (flooder.send(media_packet(kFlooder, seq++, 100)).ok()) flood_sent.fetch_add(1);
      }
      std::this_thread::sleep_for(1ms);  // tens of thousands per second, not an unbounded backlog
    }
  });

  // 20 ms voice frames: 50 datagrams/s for two seconds.
  constexpr uint16_t kVoice = 100;
  for (uint16_t seq = 0; seq < kVoice; ++seq) {
    ASSERT_TRUE(speaker.send(media_packet(kSpeaker, seq)).ok());
    std::this_thread::sleep_for(20ms);
  }
  flooding = false;
  flood.join();

  // Loss 0 for the legitimate stream (awaited, with the usual hang guard).
  EXPECT_TRUE(eventually([&] { return received_from(listener, kSpeaker) == kVoice; }))
      << received_from(listener, kSpeaker) << " of " << kVoice;
  EXPECT_TRUE(eventually([&] { return received_from(flooder, kSpeaker) == kVoice; }));

  // The flood was policed: far more sent than forwarded, the excess counted.
  const auto& counters = setup.relay->counters();
  uint64_t limited = counters.datagrams_rate_limited.load();
  EXPECT_GT(flood_sent.load(), 2000u);
  EXPECT_GT(limited, 0u);
  auto rooms = setup.relay->server->rooms();
  ASSERT_EQ(rooms.size(), 1u);
  uint64_t flooder_limited = 0, others_limited = 0;
  for (const auto& p : rooms[0].participants) {
    (p.fingerprint == flooder.display_fingerprint ? flooder_limited : others_limited) +=
        p.datagrams_rate_limited;
  }
  EXPECT_EQ(flooder_limited, limited);
  EXPECT_EQ(others_limited, 0u);
}

TEST(LivePolicing, ZeroMeansUnlimited) {
  auto config = relay_config();
  config.sender_rate = {0, 0, 0};
  auto setup = RoomSetup::start("unpoliced", 2, config);
  ASSERT_TRUE(setup.ok());
  constexpr uint16_t kCount = 400;  // back to back: far above any default burst
  for (uint16_t seq = 0; seq < kCount; ++seq) ASSERT_TRUE(setup[0].send(media_packet(kFlooder, seq)).ok());
  EXPECT_TRUE(eventually([&] { return setup.relay->counters().datagrams_received.load() >= kCount; }));
  EXPECT_EQ(setup.relay->counters().datagrams_rate_limited.load(), 0u);
}

}  // namespace
}  // namespace wzp::live_testing

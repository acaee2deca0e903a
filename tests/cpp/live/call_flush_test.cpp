// A call's deferred signals and events are flushed by whichever thread gets there first: the
// application's (send_pcm, force_profile) or the client's (a datagram arrived). A flush that
// sends a signal waits for the client's thread; if that thread were waiting for the same flush
// to finish, both would wait forever. Here one side forces its profile (a QualityUpdate signal
// per change) as fast as it can while the other floods it with media, so the client's thread is
// in the call's flush nearly all the time; every force_profile must return.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "live_harness.hpp"
#include "media/call/live_call.hpp"
#include "wire/quality_profile.hpp"

namespace wzp::live_testing {
namespace {

TEST(LiveCallFlush, SignalsFromTheApplicationThreadNeverDeadlockWithIncomingMedia) {
  auto room = RoomSetup::start("flushrace", 2);
  ASSERT_TRUE(room.ok());
  auto a = media::LiveCall::attach(*room[0].client, media::LiveCallConfig{}, {});
  auto b = media::LiveCall::attach(*room[1].client, media::LiveCallConfig{}, {});
  ASSERT_TRUE(a.ok() && b.ok());

  std::atomic<bool> stop{false};
  std::thread flood([&] {
    const std::vector<int16_t> frame(960, 1000);  // loud enough not to be suppressed as silence
    while (!stop.load()) (void)(*b)->send_pcm(frame);
  });
  auto forcing = std::async(std::launch::async, [&] {
    for (int i = 0; i < 400; ++i) {
      (void)(*a)->force_profile(i % 2 == 0 ? wire::kProfileDegraded : wire::kProfileGood);
    }
    return true;
  });
  const bool finished = forcing.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  stop.store(true);
  flood.join();
  ASSERT_TRUE(finished) << "force_profile hung: its flush waited for the client's thread, which waited for it";
  EXPECT_GT((*a)->sender_stats().profile_changes, 100u);
  (*a)->detach();
  (*b)->detach();
}

}  // namespace
}  // namespace wzp::live_testing

// Calls through the C ABI: a 4-party room through a real relay (trunking on), where each
// member hears the other three as their own sources; every call's errors; threads; a
// client freed under its call; profile changes as CALL_PROFILE events.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "capi_test.hpp"
#include "common/tones.hpp"

namespace wzp_capi_test {
namespace {

constexpr int kWaitMs = 10'000;
constexpr size_t kFrame = WZP_CALL_FRAME_SAMPLES;

using Relay = RelayOwner;
using Client = ClientOwner;
struct Call {
  wzp_call* h = nullptr;
  ~Call() { wzp_call_free(h); }
};

uint16_t start(Relay& relay) {
  wzp_relay_config c;
  wzp_relay_config_init(&c);
  c.trunking = 1;  // tells the senders apart
  return start_loopback_relay(relay, &c);
}

void join(Client& client, uint16_t port, const char* room = "capi-call") {
  const wzp_client_config c = loopback_client_config(port, room);
  ASSERT_EQ(wzp_client_new(&c, &client.h), WZP_OK) << wzp_last_error();
  ASSERT_EQ(wzp_client_connect(client.h), WZP_OK);
  ASSERT_EQ(wzp_client_wait_joined(client.h, kWaitMs), WZP_OK) << wzp_last_error();
}

std::array<int16_t, kFrame> tone(double hz, uint64_t& n) {
  std::array<int16_t, kFrame> out{};
  for (auto& s : out)
    s = static_cast<int16_t>(5000 * std::sin(2 * std::numbers::pi * hz * double(n++) / 48000));
  return out;
}

using wzp::test::tone_power;

TEST(CapiCall, DefaultsAndPresets) {
  wzp_call_config c;
  wzp_call_config_init(&c);
  EXPECT_EQ(c.struct_size, sizeof c);
  EXPECT_EQ(c.profile.codec, WZP_CODEC_OPUS24K);
  EXPECT_EQ(c.profile.frame_ms, 20u);
  EXPECT_EQ(c.profile.frames_per_block, 5u);
  EXPECT_EQ(c.adapt, 1);
  EXPECT_EQ(c.silence_suppression, 1);
  EXPECT_EQ(c.jitter_min_delay_ms, 40u);
  EXPECT_EQ(c.jitter_max_delay_ms, 1000u);
  EXPECT_EQ(c.clock, WZP_CALL_CLOCK_INTERNAL);
  EXPECT_EQ(c.impair_loss_pct, 0.0);
  wzp_call_profile p;
  ASSERT_EQ(wzp_call_profile_preset(WZP_CALL_PRESET_CATASTROPHIC, &p), WZP_OK);
  EXPECT_EQ(p.codec, WZP_CODEC_CODEC2_1200);
  EXPECT_EQ(p.frame_ms, 40u);
  EXPECT_EQ(wzp_call_profile_preset(7, &p), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_call_profile_preset(0, nullptr), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(wzp_event_type_name(WZP_EVENT_CALL_PROFILE), "CALL_PROFILE");
}

TEST(CapiCall, Errors) {
  wzp_call* call = reinterpret_cast<wzp_call*>(1);
  EXPECT_EQ(wzp_call_new(nullptr, nullptr, &call), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(call, nullptr);
  int16_t pcm[kFrame] = {};
  EXPECT_EQ(wzp_call_send_pcm(nullptr, pcm, kFrame), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_call_read_pcm(nullptr, WZP_CALL_MIXED, pcm, kFrame, 0), WZP_ERR_INVALID_ARGUMENT);
  size_t n = 0;
  EXPECT_EQ(wzp_call_sources(nullptr, nullptr, 0, &n), WZP_ERR_INVALID_ARGUMENT);
  wzp_call_stats st;
  wzp_call_stats_init(&st);
  EXPECT_EQ(wzp_call_stats_get(nullptr, 0, &st), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_call_set_adaptive(nullptr), WZP_ERR_INVALID_ARGUMENT);
  wzp_call_free(nullptr);

  // A client that has not joined.
  Client idle;
  wzp_client_config cc;
  wzp_client_config_init(&cc);
  cc.relay_host = "127.0.0.1";
  cc.relay_port = 9;
  ASSERT_EQ(wzp_client_new(&cc, &idle.h), WZP_OK);
  EXPECT_EQ(wzp_call_new(idle.h, nullptr, &call), WZP_ERR_INVALID_STATE);

  Relay relay;
  const uint16_t port = start(relay);
  Client a;
  join(a, port, "capi-call-errors");
  wzp_call_config bad;
  wzp_call_config_init(&bad);
  bad.profile.frame_ms = 30;
  EXPECT_EQ(wzp_call_new(a.h, &bad, &call), WZP_ERR_INVALID_ARGUMENT);
  wzp_call_config_init(&bad);
  bad.jitter_min_delay_ms = 2000;
  EXPECT_EQ(wzp_call_new(a.h, &bad, &call), WZP_ERR_INVALID_ARGUMENT);
  wzp_call_config unset{};
  EXPECT_EQ(wzp_call_new(a.h, &unset, &call), WZP_ERR_INVALID_ARGUMENT);

  Call c;
  ASSERT_EQ(wzp_call_new(a.h, nullptr, &c.h), WZP_OK) << wzp_last_error();
  Call second;
  EXPECT_EQ(wzp_call_new(a.h, nullptr, &second.h), WZP_ERR_INVALID_STATE) << "one call per client";
  EXPECT_EQ(wzp_call_send_pcm(c.h, nullptr, 10), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_call_send_pcm(c.h, pcm, 100), WZP_OK) << "partial frames are kept";
  EXPECT_EQ(wzp_call_read_pcm(c.h, WZP_CALL_MIXED, pcm, 100, 0), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_call_read_pcm(c.h, 70'000, pcm, kFrame, 0), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_call_read_pcm(c.h, 5, pcm, kFrame, 0), WZP_ERR_NOT_FOUND);
  EXPECT_EQ(wzp_call_stats_get(c.h, 5, &st), WZP_ERR_NOT_FOUND);
  wzp_call_stats small{};
  EXPECT_EQ(wzp_call_stats_get(c.h, WZP_CALL_MIXED, &small), WZP_ERR_INVALID_ARGUMENT);
  // A caller built against 0.5.0 knows the struct up to profile_changes: nothing past it is written.
  struct {
    wzp_call_stats s;
    uint8_t guard[8];
  } old_caller;
  std::memset(&old_caller, 0xA5, sizeof old_caller);
  const size_t v0_5_size = offsetof(wzp_call_stats, dropped);
  old_caller.s.struct_size = v0_5_size;
  ASSERT_EQ(wzp_call_stats_get(c.h, WZP_CALL_MIXED, &old_caller.s), WZP_OK);
  const auto* tail = reinterpret_cast<const uint8_t*>(&old_caller.s) + v0_5_size;
  EXPECT_TRUE(std::all_of(tail, tail + (sizeof old_caller - v0_5_size), [](uint8_t b) { return b == 0xA5; }));
  EXPECT_EQ(old_caller.s.packets_sent, 0u);
  wzp_call_profile p;
  ASSERT_EQ(wzp_call_get_profile(c.h, &p), WZP_OK);
  p.frames_per_block = 0;
  EXPECT_EQ(wzp_call_set_profile(c.h, &p), WZP_ERR_INVALID_ARGUMENT);
  p.frames_per_block = 5;
  p.codec = WZP_CODEC_COMFORT_NOISE;
  EXPECT_EQ(wzp_call_set_profile(c.h, &p), WZP_ERR_INVALID_ARGUMENT);

  // Freed client: the call is detached and fails with CLOSED; freeing it is still fine.
  wzp_client_free(a.h);
  a.h = nullptr;
  EXPECT_EQ(wzp_call_send_pcm(c.h, pcm, kFrame), WZP_ERR_CLOSED);
  EXPECT_EQ(wzp_call_read_pcm(c.h, WZP_CALL_MIXED, pcm, kFrame, 0), WZP_ERR_CLOSED);
}

// Four members, each a tone of its own; each hears the other three as separate sources.
TEST(CapiCall, FourPartyRoomThroughARelay) {
  Relay relay;
  const uint16_t port = start(relay);
  constexpr std::array<double, 4> kHz{350, 550, 750, 950};
  std::array<Client, 4> clients;
  std::array<Call, 4> calls;
  for (auto& c : clients) join(c, port, "capi-call-room");
  wzp_call_config cfg;
  wzp_call_config_init(&cfg);
  cfg.clock = WZP_CALL_CLOCK_CALLER;
  for (size_t i = 0; i < 4; ++i)
    ASSERT_EQ(wzp_call_new(clients[i].h, &cfg, &calls[i].h), WZP_OK) << wzp_last_error();

  std::array<uint64_t, 4> phase{};
  std::array<std::map<uint16_t, std::vector<int16_t>>, 4> heard;
  auto next = std::chrono::steady_clock::now();
  std::array<int16_t, kFrame> out{};
  for (int tick = 0; tick < 150; ++tick) {  // 3 s of real time
    for (size_t i = 0; i < 4; ++i) {
      auto f = tone(kHz[i], phase[i]);
      ASSERT_EQ(wzp_call_send_pcm(calls[i].h, f.data(), f.size()), WZP_OK) << wzp_last_error();
    }
    for (size_t i = 0; i < 4 && tick >= 50; ++i) {
      std::array<uint16_t, 8> ids{};
      size_t n = 0;
      ASSERT_EQ(wzp_call_sources(calls[i].h, ids.data(), ids.size(), &n), WZP_OK);
      for (size_t s = 0; s < n; ++s) {
        ASSERT_EQ(wzp_call_read_pcm(calls[i].h, ids[s], out.data(), out.size(), 0), WZP_OK);
        heard[i][ids[s]].insert(heard[i][ids[s]].end(), out.begin(), out.end());
      }
    }
    next += std::chrono::milliseconds(20);
    std::this_thread::sleep_until(next);
  }
  for (size_t i = 0; i < 4; ++i) {
    ASSERT_EQ(heard[i].size(), 3u) << "member " << i << " hears the other three";
    std::vector<bool> found(4, false);
    for (auto& [id, pcm] : heard[i]) {
      // The loudest of the four tones in this source names its speaker.
      size_t best = 0;
      for (size_t k = 1; k < 4; ++k) {
        if (tone_power(pcm, kHz[k]) > tone_power(pcm, kHz[best])) best = k;
      }
      EXPECT_NE(best, i) << "nobody hears themselves";
      EXPECT_FALSE(found[best]) << "one source per speaker";
      found[best] = true;
    }
    wzp_call_stats st;
    wzp_call_stats_init(&st);
    ASSERT_EQ(wzp_call_stats_get(calls[i].h, WZP_CALL_MIXED, &st), WZP_OK);
    EXPECT_GT(st.received, 300u);
    EXPECT_GT(st.packets_sent, 140u);
    EXPECT_EQ(st.malformed, 0u);
  }
}

TEST(CapiCall, ThreadsAndProfileEvents) {
  Relay relay;
  const uint16_t port = start(relay);
  Client a, b;
  join(a, port, "capi-call-threads");
  join(b, port, "capi-call-threads");
  Call ca, cb;
  ASSERT_EQ(wzp_call_new(a.h, nullptr, &ca.h), WZP_OK);
  ASSERT_EQ(wzp_call_new(b.h, nullptr, &cb.h), WZP_OK);
  std::atomic<bool> stop{false};
  std::atomic<int> read_ok{0};
  std::thread sender([&] {
    uint64_t n = 0;
    auto next = std::chrono::steady_clock::now();
    while (!stop) {
      auto f = tone(440, n);
      EXPECT_EQ(wzp_call_send_pcm(ca.h, f.data(), f.size()), WZP_OK);
      next += std::chrono::milliseconds(20);
      std::this_thread::sleep_until(next);
    }
  });
  std::thread reader([&] {
    std::array<int16_t, kFrame> out{};
    while (!stop) {
      if (wzp_call_read_pcm(cb.h, WZP_CALL_MIXED, out.data(), out.size(), 100) == WZP_OK) ++read_ok;
    }
  });
  std::thread stats([&] {
    while (!stop) {
      wzp_call_stats st;
      wzp_call_stats_init(&st);
      (void)wzp_call_stats_get(cb.h, WZP_CALL_MIXED, &st);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  wzp_call_profile p;
  ASSERT_EQ(wzp_call_profile_preset(WZP_CALL_PRESET_DEGRADED, &p), WZP_OK);
  ASSERT_EQ(wzp_call_set_profile(ca.h, &p), WZP_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  stop = true;
  sender.join();
  reader.join();
  stats.join();
  EXPECT_GT(read_ok.load(), 50) << "the internal clock plays 50 periods a second";

  // The change came as a CALL_PROFILE event on A's queue (source -1: forced).
  wzp_event ev;
  wzp_event_init(&ev);
  bool seen = false;
  while (wzp_client_next_event(a.h, &ev, 0) == WZP_OK) {
    if (ev.type == WZP_EVENT_CALL_PROFILE) {
      seen = true;
      EXPECT_EQ(ev.source, -1);
      EXPECT_EQ(ev.call_profile.codec, WZP_CODEC_OPUS6K);
      EXPECT_NE(std::string(reinterpret_cast<const char*>(ev.data), ev.data_len).find("QualityUpdate"),
                std::string::npos);
    }
    EXPECT_NE(ev.type, WZP_EVENT_MEDIA) << "a call takes its client's media";
  }
  wzp_event_clear(&ev);
  EXPECT_TRUE(seen);
  wzp_call_stats st;
  wzp_call_stats_init(&st);
  ASSERT_EQ(wzp_call_stats_get(cb.h, 0, &st), WZP_OK);
  EXPECT_EQ(st.profile.codec, WZP_CODEC_OPUS6K) << "B follows the codec of A's packets";
}

}  // namespace
}  // namespace wzp_capi_test

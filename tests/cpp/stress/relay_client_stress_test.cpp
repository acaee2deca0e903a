// Many threads calling every relay and client function at once, callbacks that
// call back into the ABI, and free while other threads wait for events. Bounded
// (a few rounds, loopback only) and guarded by a watchdog: a deadlock fails the
// test instead of hanging it.
#include <cstring>
#include <stdexcept>
#include <string>

#include "stress/stress_harness.hpp"

namespace wzp_stress {
namespace {

// What a relay callback did; shared with the test thread.
struct CallbackState {
  wzp_relay* relay = nullptr;
  std::atomic<int> events{0};
  std::atomic<int> left{0};
  std::atomic<int> acl_failures{0};
  std::atomic<int> stop_from_callback_rc{1};  // 1: not tried yet
};

// On every event: change the ACL, read the rooms and stats, and (once) try to stop
// the relay from its own callback, which must be refused rather than deadlock.
void calling_back(const wzp_event* ev, void* user) {
  auto* s = static_cast<CallbackState*>(user);
  ++s->events;
  if (ev->type == WZP_EVENT_LEFT) ++s->left;
  const char* room = ev->room != nullptr ? ev->room : "sni:lobby";  // the clients' rooms are hashed
  const char* fp = ev->fingerprint != nullptr ? ev->fingerprint : "0000:0000:0000:0000:0000:0000:0000:0000";
  if (wzp_relay_acl_allow(s->relay, room, fp) != WZP_OK) ++s->acl_failures;
  if (wzp_relay_acl_revoke(s->relay, room, fp) != WZP_OK) ++s->acl_failures;
  if (wzp_relay_acl_set_enabled(s->relay, 0) != WZP_OK) ++s->acl_failures;
  if (!poke_relay(s->relay)) ++s->acl_failures;
  if (ev->type == WZP_EVENT_JOINED) {
    int expected = 1;
    s->stop_from_callback_rc.compare_exchange_strong(expected, wzp_relay_stop(s->relay));
  }
}

TEST(StressRelay, AclChangeFromLeftCallbackWhileAnotherThreadStops) {
  for (int round = 0; round < 4; ++round) {
    Watchdog watchdog(90s, "ACL change from a LEFT callback while another thread stops the relay");
    CallbackState state;
    state.relay = new_relay(calling_back, &state);
    ASSERT_NE(state.relay, nullptr);
    ASSERT_EQ(wzp_relay_start(state.relay), WZP_OK) << wzp_last_error();
    uint16_t port = port_of(state.relay);
    std::vector<wzp_client*> clients;
    for (int i = 0; i < 3; ++i) clients.push_back(joined_client(port, "general"));
    // Stopping closes every connection: each LEFT callback changes the ACL meanwhile.
    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
      EXPECT_EQ(wzp_relay_stop(state.relay), WZP_OK) << wzp_last_error();
      stopped = true;
    });
    // This thread changes the ACL too, while the stop and the callbacks run.
    while (!stopped.load()) {
      EXPECT_EQ(
          wzp_relay_acl_allow_room_name(state.relay, "general", "0000:0000:0000:0000:0000:0000:0000:0001"),
          WZP_OK);
      EXPECT_TRUE(poke_relay(state.relay));
    }
    stopper.join();
    EXPECT_EQ(state.left.load(), 3);
    EXPECT_EQ(state.acl_failures.load(), 0);
    EXPECT_EQ(state.stop_from_callback_rc.load(), WZP_ERR_INVALID_STATE);
    for (auto* c : clients) wzp_client_free(c);
    wzp_relay_free(state.relay);
  }
}

TEST(StressRelay, EveryCallFromManyThreadsWhileClientsJoinAndLeave) {
  for (int round = 0; round < 2; ++round) {
    Watchdog watchdog(180s, "every relay and client call from many threads");
    CallbackState state;
    state.relay = new_relay(calling_back, &state);
    ASSERT_NE(state.relay, nullptr);
    // ACL changes before start go to the pre-start config, and survive the start.
    ASSERT_EQ(wzp_relay_acl_allow_room_name(state.relay, "early", "0000:0000:0000:0000:0000:0000:0000:0002"),
              WZP_OK);
    std::atomic<bool> done{false};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    // Relay pokers and ACL changers, racing with start, stop and each other.
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        std::string fp = "0000:0000:0000:0000:0000:0000:0000:000" + std::to_string(t);
        wzp_event ev;
        wzp_event_init(&ev);
        while (!done.load()) {
          if (!poke_relay(state.relay)) ++failures;
          if (wzp_relay_acl_allow_room_name(state.relay, "general", fp.c_str()) != WZP_OK) ++failures;
          if (wzp_relay_acl_revoke_room_name(state.relay, "general", fp.c_str()) != WZP_OK) ++failures;
          if (wzp_relay_acl_set_enabled(state.relay, 0) != WZP_OK) ++failures;
          int rc = wzp_relay_next_event(state.relay, &ev, 0);  // callbacks take the events
          if (rc != WZP_ERR_WOULD_BLOCK && rc != WZP_ERR_CLOSED) ++failures;
          std::this_thread::sleep_for(1ms);
        }
      });
    }
    ASSERT_EQ(wzp_relay_start(state.relay), WZP_OK) << wzp_last_error();
    uint16_t port = port_of(state.relay);
    char* rooms = nullptr;
    ASSERT_EQ(wzp_relay_rooms_json(state.relay, &rooms), WZP_OK);
    wzp_free(rooms);

    // One client shared by several threads: send, read, hang up.
    wzp_client* shared = joined_client(port, "general");
    ASSERT_NE(shared, nullptr);
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        wzp_event ev;
        wzp_event_init(&ev);
        for (uint16_t seq = 0; !done.load(); ++seq) {
          auto packet = media_packet(seq);
          int rc = wzp_client_send_media(shared, packet.data(), packet.size());
          if (rc != WZP_OK && rc != WZP_ERR_CLOSED) ++failures;
          rc = wzp_client_send_signal(shared, "{\"Ping\":{\"timestamp_ms\":5}}", 27);
          if (rc != WZP_OK && rc != WZP_ERR_CLOSED) ++failures;
          wzp_client_stats cs;
          cs.struct_size = sizeof cs;
          if (wzp_client_stats_get(shared, &cs) != WZP_OK) ++failures;
          char buf[256];
          (void)wzp_client_relay_fingerprint(shared, buf, sizeof buf);
          if (wzp_client_sni(shared, buf, sizeof buf) != WZP_OK) ++failures;
          (void)wzp_client_get_state(shared);
          if (wzp_client_next_event(shared, &ev, 0) == WZP_OK) wzp_event_clear(&ev);
          if (t == 1 && seq == 200) (void)wzp_client_hangup(shared, "Normal");
          std::this_thread::sleep_for(1ms);
        }
      });
    }
    // Clients joining and leaving, each with its own life.
    std::vector<std::thread> churn;
    for (int t = 0; t < 2; ++t) {
      churn.emplace_back([&] {
        for (int i = 0; i < 3; ++i) {
          wzp_client* c = joined_client(port, i % 2 == 0 ? "general" : "other");
          if (c == nullptr) {
            ++failures;
            continue;
          }
          for (uint16_t seq = 0; seq < 5; ++seq) {
            auto packet = media_packet(seq);
            if (wzp_client_send_media(c, packet.data(), packet.size()) != WZP_OK) ++failures;
          }
          if (i == 2) {
            EXPECT_EQ(wzp_client_hangup(c, "Busy"), WZP_OK);
          }
          wzp_client_free(c);  // hangs up the others itself
        }
      });
    }
    for (auto& t : churn) t.join();
    // Stop while the pokers and the shared client's threads still run, then keep them
    // running against the stopped relay for a moment.
    EXPECT_EQ(wzp_relay_stop(state.relay), WZP_OK) << wzp_last_error();
    EXPECT_EQ(wzp_relay_stop(state.relay), WZP_OK);  // idempotent
    std::this_thread::sleep_for(20ms);
    done.store(true);
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(state.acl_failures.load(), 0);
    EXPECT_GE(state.left.load(), 7);  // 6 churned clients and the shared one
    wzp_client_free(shared);
    wzp_relay_free(state.relay);
  }
}

// The ACL lives in the pre-start config until start: changes made before start apply.
TEST(StressRelay, AclChangesBeforeStartAreKept) {
  Watchdog watchdog(60s, "ACL before start");
  for (int enabled = 0; enabled < 2; ++enabled) {
    wzp_relay* relay = new_relay();
    ASSERT_NE(relay, nullptr);
    ASSERT_EQ(wzp_relay_acl_set_enabled(relay, 1), WZP_OK);
    ASSERT_EQ(wzp_relay_acl_set_default_deny(relay, 1), WZP_OK);
    ASSERT_EQ(wzp_relay_acl_set_enabled(relay, enabled), WZP_OK);
    ASSERT_EQ(wzp_relay_start(relay), WZP_OK);
    wzp_client* c = new_client(port_of(relay), "general");
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(wzp_client_connect(c), WZP_OK);
    // With the ACL on and denying by default, a client of an unlisted room is refused.
    int rc = wzp_client_wait_joined(c, 20'000);
    EXPECT_EQ(rc, enabled ? WZP_ERR_ACL_DENIED : WZP_OK) << wzp_last_error();
    if (enabled) {
      EXPECT_NE(std::string(wzp_last_error()).find("0x301"), std::string::npos) << wzp_last_error();
    }
    wzp_client_free(c);
    wzp_relay_free(relay);
  }
}

// Threads blocked in next_event when the handle is freed must return CLOSED and
// never touch freed memory (run under ASan/TSan to see the difference).
template <class Handle, class Next, class Free>
void free_while_waiting(Handle* handle, Next next, Free free) {
  constexpr int kWaiters = 8;
  std::atomic<int> entered{0};
  std::atomic<int> closed{0};
  std::vector<std::thread> waiters;
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      wzp_event ev;
      wzp_event_init(&ev);
      ++entered;
      for (;;) {
        int rc = next(handle, &ev, -1);
        if (rc == WZP_OK) {
          wzp_event_clear(&ev);
          continue;
        }
        if (rc == WZP_ERR_CLOSED) ++closed;
        return;  // after CLOSED the handle may be gone: never use it again
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return entered.load() == kWaiters; }));
  // Let them block: a waiter not yet inside next_event when free starts would be the
  // caller's race (wzp.h). Ordering only, nothing timed; generous for loaded CI machines.
  std::this_thread::sleep_for(100ms);
  free(handle);
  for (auto& w : waiters) w.join();
  EXPECT_EQ(closed.load(), kWaiters);
}

TEST(StressFree, RelayFreeWhileOtherThreadsWaitInNextEvent) {
  for (int round = 0; round < 8; ++round) {
    Watchdog watchdog(60s, "wzp_relay_free while threads wait in next_event");
    wzp_relay* relay = new_relay();
    ASSERT_NE(relay, nullptr);
    if (round % 2 == 0) {
      ASSERT_EQ(wzp_relay_start(relay), WZP_OK);
    }
    free_while_waiting(relay, wzp_relay_next_event, wzp_relay_free);
  }
}

TEST(StressFree, ClientFreeWhileOtherThreadsWaitInNextEvent) {
  wzp_relay* relay = new_relay();
  ASSERT_NE(relay, nullptr);
  ASSERT_EQ(wzp_relay_start(relay), WZP_OK);
  uint16_t port = port_of(relay);
  for (int round = 0; round < 8; ++round) {
    Watchdog watchdog(60s, "wzp_client_free while threads wait in next_event");
    wzp_client* client = round % 2 == 0 ? new_client(port, "general") : joined_client(port, "general");
    ASSERT_NE(client, nullptr);
    free_while_waiting(client, wzp_client_next_event, wzp_client_free);
  }
  wzp_relay_free(relay);
}

// A C++ callback that throws (through the C function pointer) is stopped at the
// library's boundary: logged, and the relay and clients go on.
TEST(StressCallback, ThrowingCallbacksDoNotTakeTheLoopDown) {
  Watchdog watchdog(60s, "throwing callbacks");
  std::atomic<int> calls{0};
  wzp_event_cb throwing = [](const wzp_event*, void* user) {
    ++*static_cast<std::atomic<int>*>(user);
    throw std::runtime_error("callback failed");
  };
  wzp_relay* relay = new_relay(throwing, &calls);
  ASSERT_NE(relay, nullptr);
  ASSERT_EQ(wzp_relay_start(relay), WZP_OK);
  uint16_t port = port_of(relay);
  wzp_client* a = joined_client(port, "general", throwing, &calls);
  wzp_client* b = joined_client(port, "general", throwing, &calls);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto packet = media_packet(1);
  EXPECT_EQ(wzp_client_send_media(a, packet.data(), packet.size()), WZP_OK);
  EXPECT_TRUE(poke_relay(relay));
  wzp_client_free(a);
  wzp_client_free(b);
  EXPECT_EQ(wzp_relay_stop(relay), WZP_OK);
  wzp_relay_free(relay);
  EXPECT_GE(calls.load(), 6);  // joins, states, leaves: every one reached the callback
}

}  // namespace
}  // namespace wzp_stress

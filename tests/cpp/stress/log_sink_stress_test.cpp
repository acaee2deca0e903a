// The process-wide log sink under threads: a sink that logs, a sink that replaces
// the sink, and replacing the sink while loop threads log. Each must neither
// deadlock (a watchdog fails the test instead) nor call a sink after it was replaced.
#include "stress/stress_harness.hpp"

namespace wzp_stress {
namespace {

// Restores the default sink and level when a test ends, even on failure.
struct LogReset {
  ~LogReset() {
    wzp_log_set_callback(nullptr, nullptr);
    wzp_log_set_level(WZP_LOG_WARN);
  }
};

void start_and_free_a_relay() {
  wzp_relay* relay = new_relay();
  ASSERT_NE(relay, nullptr);
  EXPECT_EQ(wzp_relay_start(relay), WZP_OK) << wzp_last_error();
  wzp_relay_free(relay);
}

TEST(StressLog, SinkThatLogsDoesNotDeadlock) {
  LogReset reset;
  Watchdog watchdog(60s, "a log sink that logs");
  static std::atomic<int> calls{0};
  static std::atomic<bool> nested_done{false};
  calls = 0;
  nested_done = false;
  wzp_log_set_level(WZP_LOG_INFO);
  wzp_log_set_callback(
      [](int, const char*, const char*, void*) {
        // The first line starts and frees a relay from inside the sink: its own
        // lines are logged on this thread while the sink runs.
        if (calls.fetch_add(1) == 0) {
          start_and_free_a_relay();
          nested_done = true;
        }
      },
      nullptr);
  start_and_free_a_relay();
  wzp_log_set_callback(nullptr, nullptr);
  EXPECT_TRUE(nested_done.load());
  EXPECT_GE(calls.load(), 2);  // this relay's "listening" and "stopped" lines at least
}

TEST(StressLog, SinkThatReplacesTheSinkDoesNotDeadlock) {
  LogReset reset;
  Watchdog watchdog(60s, "a log sink that replaces the sink");
  static std::atomic<int> first_calls{0};
  static std::atomic<int> second_calls{0};
  first_calls = 0;
  second_calls = 0;
  wzp_log_set_level(WZP_LOG_INFO);
  wzp_log_set_callback(
      [](int, const char*, const char*, void*) {
        ++first_calls;
        wzp_log_set_callback([](int, const char*, const char*, void*) { ++second_calls; }, nullptr);
      },
      nullptr);
  start_and_free_a_relay();
  wzp_log_set_callback(nullptr, nullptr);
  EXPECT_GE(first_calls.load(), 1);
  EXPECT_GE(second_calls.load(), 1);
}

// A sink whose owner retires it: once wzp_log_set_callback has replaced it, it must
// not run any more (the application may free user_data right after).
struct RetiringSink {
  std::atomic<bool> retired{false};
  std::atomic<int> calls{0};
  std::atomic<int> calls_after_retirement{0};
};

void retiring_sink(int, const char*, const char*, void* user) {
  auto* s = static_cast<RetiringSink*>(user);
  ++s->calls;
  if (s->retired.load()) ++s->calls_after_retirement;
}

TEST(StressLog, SinkReplacedWhileLoopThreadsLog) {
  LogReset reset;
  Watchdog watchdog(120s, "replacing the sink while loop threads log");
  wzp_log_set_level(WZP_LOG_DEBUG);
  std::atomic<bool> done{false};
  std::thread traffic([&] {
    // Relays and clients on their loop threads produce log lines throughout.
    for (int i = 0; i < 3; ++i) {
      wzp_relay* relay = new_relay();
      ASSERT_NE(relay, nullptr);
      ASSERT_EQ(wzp_relay_start(relay), WZP_OK);
      wzp_client* c = joined_client(port_of(relay), "general");
      wzp_client_free(c);
      wzp_relay_free(relay);
    }
    done = true;
  });
  std::vector<std::unique_ptr<RetiringSink>> sinks;
  int total_calls = 0;
  while (!done.load()) {
    sinks.push_back(std::make_unique<RetiringSink>());
    wzp_log_set_callback(retiring_sink, sinks.back().get());
    std::this_thread::sleep_for(1ms);
    wzp_log_set_callback(nullptr, nullptr);
    sinks.back()->retired = true;
  }
  traffic.join();
  for (const auto& s : sinks) {
    EXPECT_EQ(s->calls_after_retirement.load(), 0);
    total_calls += s->calls.load();
  }
  EXPECT_GT(total_calls, 0);
}

}  // namespace
}  // namespace wzp_stress

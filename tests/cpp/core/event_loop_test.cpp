#include "core/event_loop.hpp"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/log.hpp"

namespace wzp {
namespace {

using namespace std::chrono_literals;

// Waits (bounded) until `predicate` holds; tests never assert timings.
template <class Predicate>
bool wait_until(std::mutex& mutex, std::condition_variable& cv, Predicate predicate) {
  std::unique_lock lock(mutex);
  return cv.wait_for(lock, 10s, predicate);
}

/// The tags of the timers that fired, in order, from the loop thread.
class FiredTimers {
 public:
  EventLoop::Task record(int tag) {
    return [this, tag] {
      std::lock_guard lock(mutex_);
      fired_.push_back(tag);
      cv_.notify_all();
    };
  }
  /// Once `count` fired (empty after the bound).
  std::vector<int> wait_for(size_t count) {
    if (!wait_until(mutex_, cv_, [&] { return fired_.size() >= count; })) return {};
    std::lock_guard lock(mutex_);
    return fired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<int> fired_;
};

TEST(EventLoop, PostRunsOnLoopThreadInOrder) {
  EventLoop loop;
  loop.start();
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<int> seen;
  bool all_on_loop_thread = true;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(loop.post([&, i] {
      std::lock_guard lock(mutex);
      all_on_loop_thread = all_on_loop_thread && loop.in_loop_thread();
      seen.push_back(i);
      cv.notify_all();
    }));
  }
  ASSERT_TRUE(wait_until(mutex, cv, [&] { return seen.size() == 100; }));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[i], i);
  EXPECT_TRUE(all_on_loop_thread);
  EXPECT_FALSE(loop.in_loop_thread());
  loop.stop();
}

TEST(EventLoop, RunSyncReturnsValueFromLoopThread) {
  EventLoop loop;
  loop.start();
  auto result = loop.run_sync([&] { return loop.in_loop_thread() ? 42 : -1; });
  EXPECT_EQ(result, 42);
  // Nested run_sync on the loop thread runs inline instead of deadlocking.
  auto nested = loop.run_sync([&] { return loop.run_sync([] { return 7; }) + 1; });
  EXPECT_EQ(nested, 8);
  loop.stop();
}

TEST(EventLoop, RunSyncInlineWhenNotRunning) {
  EventLoop loop;
  EXPECT_FALSE(loop.running());
  EXPECT_EQ(loop.run_sync([] { return 5; }), 5);
  loop.start();
  loop.stop();
  EXPECT_FALSE(loop.running());
  EXPECT_EQ(loop.run_sync([] { return 6; }), 6);
  EXPECT_FALSE(loop.post([] {}));
}

TEST(EventLoop, StopIsIdempotentAndRunsNoCallbackAfterReturn) {
  EventLoop loop;
  loop.start();
  std::mutex mutex;
  std::condition_variable cv;
  std::atomic<int> count{0};
  std::atomic<bool> stopped{false};
  std::atomic<bool> ran_after_stop{false};
  // A self-reposting task keeps the loop busy while stop() arrives.
  std::function<void()> spin = [&] {
    if (stopped.load()) ran_after_stop = true;
    {
      std::lock_guard lock(mutex);
      ++count;
    }
    cv.notify_all();
    loop.post(spin);
  };
  loop.post(spin);
  ASSERT_TRUE(wait_until(mutex, cv, [&] { return count.load() >= 100; }));
  loop.stop();
  stopped = true;
  const int count_at_stop = count.load();
  loop.stop();
  // stop() returned: the loop thread is gone and nothing more is accepted.
  EXPECT_FALSE(loop.running());
  EXPECT_FALSE(loop.post(spin));
  EXPECT_EQ(count.load(), count_at_stop);
  EXPECT_FALSE(ran_after_stop.load());
}

TEST(EventLoop, StopFromLoopThread) {
  EventLoop loop;
  loop.start();
  loop.run_sync([&] { loop.stop(); });
  loop.stop();  // joins
  EXPECT_FALSE(loop.running());
}

TEST(EventLoop, RunOnCallerThreadUntilStop) {
  EventLoop loop;
  std::thread runner([&] { loop.run(); });
  while (!loop.running()) std::this_thread::yield();
  EXPECT_EQ(loop.run_sync([&] { return loop.in_loop_thread(); }), true);
  loop.stop();
  runner.join();
  EXPECT_FALSE(loop.running());
}

TEST(EventLoop, TimersFireInDeadlineOrderAndCancelWorks) {
  EventLoop loop;
  loop.start();
  FiredTimers timers;
  loop.run_sync([&] {
    uint64_t now = clock::now_ns();
    loop.add_timer(now + 30'000'000, timers.record(3));
    loop.add_timer(now + 10'000'000, timers.record(1));
    auto cancelled = loop.add_timer(now + 20'000'000, timers.record(99));
    loop.add_timer(now + 20'000'000, timers.record(2));
    EXPECT_TRUE(loop.cancel_timer(cancelled));
    EXPECT_FALSE(loop.cancel_timer(cancelled));
    loop.add_timer(now - 1, timers.record(0));  // already due
  });
  EXPECT_EQ(timers.wait_for(4), (std::vector<int>{0, 1, 2, 3}));
  loop.stop();
}

TEST(EventLoop, ARescheduledTimerKeepsItsIdAndFiresInItsNewPlace) {
  EventLoop loop;
  loop.start();
  FiredTimers timers;
  loop.run_sync([&] {
    uint64_t now = clock::now_ns();
    auto later = loop.add_timer(now + 10'000'000, timers.record(3));  // moved last
    loop.add_timer(now + 20'000'000, timers.record(2));
    auto earlier = loop.add_timer(now + 40'000'000, timers.record(1));  // moved first
    auto gone = loop.add_timer(now + 30'000'000, timers.record(99));
    EXPECT_TRUE(loop.reschedule_timer(later, now + 50'000'000));
    EXPECT_TRUE(loop.reschedule_timer(earlier, now + 5'000'000));
    EXPECT_TRUE(loop.cancel_timer(gone));
    EXPECT_FALSE(loop.reschedule_timer(gone, now));
    EXPECT_TRUE(loop.reschedule_timer(later, now + 60'000'000));  // the same id after a move
  });
  EXPECT_EQ(timers.wait_for(3), (std::vector<int>{1, 2, 3}));
  loop.stop();
}

TEST(EventLoop, TimerCallbackCanCancelAnotherDueTimer) {
  EventLoop loop;
  loop.start();
  std::mutex mutex;
  std::condition_variable cv;
  std::atomic<bool> second_ran{false};
  bool done = false;
  EventLoop::TimerId second = 0;
  loop.run_sync([&] {
    uint64_t now = clock::now_ns();
    loop.add_timer(now, [&] { loop.cancel_timer(second); });
    second = loop.add_timer(now + 1, [&] { second_ran = true; });
    loop.add_timer(now + 5'000'000, [&] {
      std::lock_guard lock(mutex);
      done = true;
      cv.notify_all();
    });
  });
  ASSERT_TRUE(wait_until(mutex, cv, [&] { return done; }));
  EXPECT_FALSE(second_ran.load());
  loop.stop();
}

TEST(EventLoop, FdHandlerReceivesEventsAndCanBeRemoved) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, fds), 0);
  EventLoop loop;
  loop.start();
  std::mutex mutex;
  std::condition_variable cv;
  int reads = 0;
  auto status = loop.run_sync([&] {
    return loop.add_fd(fds[0], EPOLLIN, [&](uint32_t events) {
      EXPECT_TRUE(events & EPOLLIN);
      char buf[16];
      while (::read(fds[0], buf, sizeof buf) > 0) {
        std::lock_guard lock(mutex);
        ++reads;
        cv.notify_all();
      }
    });
  });
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_FALSE(loop.run_sync([&] { return loop.add_fd(fds[0], EPOLLIN, [](uint32_t) {}); }).ok());
  ASSERT_EQ(::write(fds[1], "a", 1), 1);
  ASSERT_EQ(::write(fds[1], "b", 1), 1);
  ASSERT_TRUE(wait_until(mutex, cv, [&] { return reads == 2; }));
  loop.run_sync([&] { loop.remove_fd(fds[0]); });
  ASSERT_EQ(::write(fds[1], "c", 1), 1);
  // A marker posted after the write runs after the (absent) fd dispatch.
  loop.run_sync([] {});
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(reads, 2);
  }
  loop.stop();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(EventLoop, PostFromManyThreads) {
  EventLoop loop;
  loop.start();
  std::atomic<int> count{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) loop.post([&] { ++count; });
    });
  }
  for (auto& t : threads) t.join();
  loop.run_sync([] {});  // all earlier posts ran before this one
  EXPECT_EQ(count.load(), 4000);
  loop.stop();
}

// Polls `predicate` until it holds (bounded: a hang guard, not a timing assertion).
template <class Predicate>
bool eventually(Predicate predicate) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Catches what the loop logs, and restores the stderr sink afterwards.
struct LogCapture {
  std::mutex mutex;
  std::vector<std::string> lines;
  LogCapture() {
    log::set_sink([this](log::Level, std::string_view, std::string_view message) {
      std::lock_guard lock(mutex);
      lines.emplace_back(message);
    });
  }
  ~LogCapture() { log::set_sink({}); }
  bool saw(std::string_view text) {
    std::lock_guard lock(mutex);
    for (const auto& l : lines)
      if (l.find(text) != std::string::npos) return true;
    return false;
  }
};

TEST(EventLoop, ThrowingTaskTimerAndFdHandlerAreLoggedAndTheLoopGoesOn) {
  LogCapture capture;
  EventLoop loop;
  loop.start();
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, fds), 0);
  std::atomic<int> handler_calls{0};
  ASSERT_TRUE(loop.run_sync([&] {
    return loop.add_fd(fds[0], EPOLLIN, [&](uint32_t) {
      char b[8];
      (void)::read(fds[0], b, sizeof b);
      ++handler_calls;
      throw std::runtime_error("fd handler failed");
    });
  }));
  ASSERT_TRUE(loop.post([] { throw std::runtime_error("task failed"); }));
  loop.run_sync([&] { loop.add_timer(clock::now_ns(), [] { throw std::bad_alloc(); }); });
  ASSERT_EQ(::write(fds[1], "x", 1), 1);
  // The loop is still alive: a later task runs and returns its value.
  ASSERT_TRUE(eventually([&] {
    return capture.saw("task failed") && capture.saw("fd handler failed") && capture.saw("bad_alloc");
  })) << "exceptions were not logged";
  EXPECT_EQ(loop.run_sync([] { return 42; }), 42);
  ASSERT_EQ(::write(fds[1], "y", 1), 1);
  ASSERT_TRUE(eventually([&] { return handler_calls.load() >= 2; }));
  loop.run_sync([&] { loop.remove_fd(fds[0]); });
  loop.stop();
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(EventLoop, RunSyncAfterExitNeverRunsTwoTasksAtOnce) {
  // After stop, run_sync runs tasks inline on the callers' threads: they must be
  // serialised, or state the loop owned would be raced on.
  for (int round = 0; round < 20; ++round) {
    EventLoop loop;
    loop.start();
    std::atomic<int> inside{0};
    std::atomic<int> overlaps{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        while (!go.load()) std::this_thread::yield();
        for (int i = 0; i < 50; ++i) {
          loop.run_sync([&] {
            if (inside.fetch_add(1) != 0) ++overlaps;
            std::this_thread::yield();
            inside.fetch_sub(1);
          });
        }
      });
    }
    go.store(true);
    loop.stop();
    for (auto& t : threads) t.join();
    EXPECT_EQ(overlaps.load(), 0);
  }
}

}  // namespace
}  // namespace wzp

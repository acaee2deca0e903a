// One thread per loop: epoll for file descriptors, a wait that ends at the
// earliest timer deadline (no timer descriptor), one eventfd to wake the loop
// for posted tasks.
//
// Threading rules:
// - post(), stop(), in_loop_thread(), running() and run_sync() are thread-safe.
// - add_fd(), remove_fd(), add_timer() and cancel_timer() must be called on
//   the loop thread, or while the loop is not running (before start()/run(),
//   or after stop()). From another thread, post() or run_sync() them.
// - Every callback (fd handlers, timers, posted tasks) runs on the loop thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include "core/result.hpp"

struct epoll_event;

namespace wzp {

class EventLoop {
 public:
  using TimerId = uint64_t;
  using Task = std::function<void()>;
  using FdHandler = std::function<void(uint32_t epoll_events)>;

  /// Creates the epoll, timerfd and eventfd descriptors. Throws
  /// std::system_error if the kernel refuses them (descriptor exhaustion).
  EventLoop();
  /// Stops the loop (see stop()). Must not run on the loop thread itself.
  ~EventLoop();

  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Spawns the loop thread. No effect if the loop already ran or runs.
  void start();
  /// Runs the loop on the calling thread until stop(). No effect if the loop
  /// already ran or runs.
  void run();
  /// Idempotent. Asks the loop to exit; tasks posted before the exit still
  /// run (so run_sync() callers never hang), then the loop thread ends. From
  /// another thread it waits for the exit (joins): no callback runs after it
  /// returns. Called on the loop thread it returns at once and the loop exits
  /// when the current callback returns.
  void stop();

  /// Queues a task for the loop thread. Returns false (and drops the task)
  /// once the loop has exited.
  bool post(Task task);
  [[nodiscard]] bool in_loop_thread() const noexcept;
  /// True between start()/run() and the loop's exit.
  [[nodiscard]] bool running() const noexcept;

  /// Registers `fd` (level-triggered unless EPOLLET is given) with `handler`.
  Status add_fd(int fd, uint32_t epoll_events, FdHandler handler);
  Status modify_fd(int fd, uint32_t epoll_events);
  /// Unregisters `fd`; its handler is not called again, even for events
  /// already collected in the current wakeup. Does not close the fd.
  void remove_fd(int fd);

  /// Fires once at `deadline_ns` (clock::now_ns() base; a past deadline
  /// fires on the next loop iteration). Ids are never reused.
  TimerId add_timer(uint64_t deadline_ns, Task callback);
  /// Returns false if the timer already fired or was cancelled.
  bool cancel_timer(TimerId id);
  /// Moves a pending timer to `deadline_ns`, keeping its id and callback and
  /// allocating nothing (a QUIC connection moves its timer on nearly every
  /// packet). Returns false if the timer already fired or was cancelled.
  bool reschedule_timer(TimerId id, uint64_t deadline_ns);

  /// Runs `fn` on the loop thread and returns its result. Runs inline when
  /// called on the loop thread or when the loop is not running, so it never
  /// deadlocks; inline runs from other threads are serialised with each other
  /// and wait until the loop thread has left, so `fn` never runs concurrently
  /// with another loop task.
  template <class F>
  auto run_sync(F&& fn) -> std::invoke_result_t<F&>;

 private:
  struct FdEntry {
    int fd;
    FdHandler handler;
  };
  struct TimerEntry {
    Task callback;
    std::map<std::pair<uint64_t, TimerId>, TimerId>::iterator position;
  };
  enum class State { idle, running, exited };

  void loop_body();
  void dispatch_fd(uint64_t registration, uint32_t epoll_events);
  void run_due_timers();
  void run_posted_tasks();
  /// epoll_wait until an fd is ready or the earliest timer is due (at once with tasks pending).
  int wait(epoll_event* events, bool tasks_pending);
  void wake();
  /// Once the loop has exited, waits until its thread has run its last task.
  void wait_finished_if_exited();

  int epoll_fd_ = -1;
  int wake_fd_ = -1;

  // Held by run_sync() callers that run a task inline off the loop thread, and by
  // start()/run(): recursive because such a task may itself call run_sync().
  std::recursive_mutex inline_mutex_;
  mutable std::mutex mutex_;  // guards state_, finished_, tasks_
  std::condition_variable exited_cv_;
  State state_ = State::idle;
  bool finished_ = false;  // loop_body() has returned
  std::deque<Task> tasks_;
  // Whether tasks_ may be non-empty: set under mutex_ by post(), read without it,
  // so an iteration with nothing posted takes no lock (the loop still runs
  // every task posted before a wakeup: post() wakes it after setting this).
  std::atomic<bool> tasks_posted_{false};
  std::atomic<bool> stop_requested_{false};
  std::atomic<std::thread::id> loop_thread_id_{};
  std::thread thread_;

  // Loop-thread state.
  uint64_t next_registration_ = 1;
  std::unordered_map<uint64_t, std::shared_ptr<FdEntry>> fd_entries_;  // by registration id
  std::unordered_map<int, uint64_t> fd_registrations_;                 // fd -> registration id
  TimerId next_timer_id_ = 1;
  std::map<std::pair<uint64_t, TimerId>, TimerId> timer_order_;  // (deadline, id) -> id
  std::unordered_map<TimerId, TimerEntry> timers_;
};

template <class F>
auto EventLoop::run_sync(F&& fn) -> std::invoke_result_t<F&> {
  using R = std::invoke_result_t<F&>;
  if (in_loop_thread()) return fn();
  for (;;) {
    if (running()) {
      std::packaged_task<R()> task(std::ref(fn));
      auto future = task.get_future();
      auto shared = std::make_shared<std::packaged_task<R()>>(std::move(task));
      if (post([shared] { (*shared)(); })) return future.get();
      // The loop exited meanwhile: run inline below.
    }
    wait_finished_if_exited();
    std::lock_guard serial(inline_mutex_);
    if (running()) continue;  // started meanwhile: hop onto it after all
    return fn();
  }
}

}  // namespace wzp

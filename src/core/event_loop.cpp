#include "core/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <string>
#include <system_error>
#include <vector>

#include "core/c_boundary.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"

namespace wzp {
namespace {

// Registration id 1 is reserved for the loop's own eventfd.
constexpr uint64_t kWakeRegistration = 1;
constexpr int kMaxEventsPerWait = 64;
// epoll_pwait2 (Linux 5.11) waits to the nanosecond; older kernels get
// epoll_wait with the timeout rounded up to the millisecond.
std::atomic<bool> g_epoll_pwait2_missing{false};

int epoll_wait_ns(int epoll_fd, epoll_event* events, uint64_t timeout_ns) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
  timespec timeout{static_cast<time_t>(timeout_ns / 1'000'000'000ULL),
                   static_cast<long>(timeout_ns % 1'000'000'000ULL)};
  return epoll_pwait2(epoll_fd, events, kMaxEventsPerWait, &timeout, nullptr);
#else
  (void)epoll_fd, (void)events, (void)timeout_ns;  // a C library without epoll_pwait2
  errno = ENOSYS;
  return -1;
#endif
}

int checked(int fd, const char* what) {
  if (fd < 0) throw std::system_error(errno, std::generic_category(), what);
  return fd;
}

Status epoll_control(int epoll_fd, int op, int fd, uint32_t events, uint64_t registration) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = registration;
  if (epoll_ctl(epoll_fd, op, fd, &ev) != 0) {
    return make_error(Errc::io, std::string("epoll_ctl failed: ") + std::strerror(errno));
  }
  return {};
}

}  // namespace

EventLoop::EventLoop() {
  epoll_fd_ = checked(epoll_create1(EPOLL_CLOEXEC), "epoll_create1");
  wake_fd_ = checked(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
  next_registration_ = kWakeRegistration + 1;
  if (!epoll_control(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, EPOLLIN, kWakeRegistration).ok()) {
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
  }
}

EventLoop::~EventLoop() {
  stop();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void EventLoop::start() {
  std::lock_guard serial(inline_mutex_);  // no inline run_sync() overlaps the loop thread
  std::lock_guard lock(mutex_);
  if (state_ != State::idle) return;
  state_ = State::running;
  thread_ = std::thread([this] {
    loop_thread_id_.store(std::this_thread::get_id());
    loop_body();
  });
}

void EventLoop::run() {
  {
    std::lock_guard serial(inline_mutex_);
    std::lock_guard lock(mutex_);
    if (state_ != State::idle) return;
    state_ = State::running;
  }
  loop_thread_id_.store(std::this_thread::get_id());
  loop_body();
}

void EventLoop::stop() {
  stop_requested_.store(true);
  {
    std::lock_guard lock(mutex_);
    if (state_ == State::idle) {
      // Never ran: nothing to join; queued tasks are dropped.
      state_ = State::exited;
      finished_ = true;
      tasks_.clear();
      tasks_posted_.store(false, std::memory_order_relaxed);
      return;
    }
  }
  wake();
  if (in_loop_thread()) return;
  if (thread_.joinable()) {
    thread_.join();
    return;
  }
  // run() mode on another thread: wait until that thread leaves loop_body().
  std::unique_lock lock(mutex_);
  exited_cv_.wait(lock, [this] { return finished_; });
}

bool EventLoop::post(Task task) {
  bool was_empty = false;
  {
    std::lock_guard lock(mutex_);
    if (state_ == State::exited) return false;
    was_empty = tasks_.empty();
    tasks_.push_back(std::move(task));
    tasks_posted_.store(true, std::memory_order_release);
  }
  // The loop drains its queue before every wait, so a post from the loop
  // thread, or onto a non-empty queue, needs no wakeup.
  if (was_empty && !in_loop_thread()) wake();
  return true;
}

void EventLoop::wait_finished_if_exited() {
  std::unique_lock lock(mutex_);
  if (state_ != State::exited || in_loop_thread()) return;
  exited_cv_.wait(lock, [this] { return finished_; });
}

bool EventLoop::in_loop_thread() const noexcept {
  return loop_thread_id_.load() == std::this_thread::get_id();
}

bool EventLoop::running() const noexcept {
  std::lock_guard lock(mutex_);
  return state_ == State::running;
}

Status EventLoop::add_fd(int fd, uint32_t epoll_events, FdHandler handler) {
  if (fd < 0 || !handler) return make_error(Errc::invalid_argument, "add_fd: invalid fd or empty handler");
  if (fd_registrations_.count(fd) != 0)
    return make_error(Errc::invalid_state, "add_fd: fd already registered");
  uint64_t registration = next_registration_++;
  WZP_TRY(epoll_control(epoll_fd_, EPOLL_CTL_ADD, fd, epoll_events, registration));
  fd_entries_.emplace(registration, std::make_shared<FdEntry>(FdEntry{fd, std::move(handler)}));
  fd_registrations_.emplace(fd, registration);
  return {};
}

Status EventLoop::modify_fd(int fd, uint32_t epoll_events) {
  auto it = fd_registrations_.find(fd);
  if (it == fd_registrations_.end()) return make_error(Errc::not_found, "modify_fd: fd not registered");
  return epoll_control(epoll_fd_, EPOLL_CTL_MOD, fd, epoll_events, it->second);
}

void EventLoop::remove_fd(int fd) {
  auto it = fd_registrations_.find(fd);
  if (it == fd_registrations_.end()) return;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  fd_entries_.erase(it->second);
  fd_registrations_.erase(it);
}

EventLoop::TimerId EventLoop::add_timer(uint64_t deadline_ns, Task callback) {
  TimerId id = next_timer_id_++;
  auto position = timer_order_.emplace(std::make_pair(deadline_ns, id), id).first;
  timers_.emplace(id, TimerEntry{std::move(callback), position});
  // No system call here: the loop's wait ends at the earliest deadline
  // (connections move their timers on nearly every packet, and a timerfd
  // re-armed each time cost a relay half its CPU in a virtual machine).
  return id;
}

bool EventLoop::cancel_timer(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  timer_order_.erase(it->second.position);
  timers_.erase(it);
  // A timerfd armed too early only costs one spurious wakeup; no re-arm.
  return true;
}

bool EventLoop::reschedule_timer(TimerId id, uint64_t deadline_ns) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return false;
  auto node = timer_order_.extract(it->second.position);
  node.key().first = deadline_ns;
  it->second.position = timer_order_.insert(std::move(node)).position;
  return true;
}

int EventLoop::wait(epoll_event* events, bool tasks_pending) {
  if (tasks_pending) return epoll_wait(epoll_fd_, events, kMaxEventsPerWait, 0);
  if (timer_order_.empty()) return epoll_wait(epoll_fd_, events, kMaxEventsPerWait, -1);
  // Relative to now, so it keeps working when tests replace the clock source.
  const uint64_t earliest = timer_order_.begin()->first.first;
  const uint64_t now = clock::now_ns();
  const uint64_t delay = earliest > now ? earliest - now : 0;
  if (!g_epoll_pwait2_missing.load(std::memory_order_relaxed)) {
    const int n = epoll_wait_ns(epoll_fd_, events, delay);
    // ENOSYS: a kernel before 5.11; EPERM: a seccomp filter that does not know it (older
    // container runtimes). Either way, epoll_wait from now on.
    if (n >= 0 || (errno != ENOSYS && errno != EPERM)) return n;
    g_epoll_pwait2_missing.store(true, std::memory_order_relaxed);
  }
  const uint64_t ms = (delay + 999'999) / 1'000'000;
  return epoll_wait(epoll_fd_, events, kMaxEventsPerWait, static_cast<int>(std::min<uint64_t>(ms, INT_MAX)));
}

void EventLoop::wake() {
  uint64_t one = 1;
  ssize_t n = ::write(wake_fd_, &one, sizeof one);
  (void)n;  // EAGAIN means the counter is already non-zero: the loop will wake.
}

void EventLoop::loop_body() {
  std::vector<epoll_event> events(kMaxEventsPerWait);
  while (!stop_requested_.load()) {
    int n = wait(events.data(), tasks_posted_.load(std::memory_order_acquire));
    if (n < 0) {
      if (errno == EINTR) continue;
      WZP_LOG(error, "event_loop", std::string("epoll_wait failed: ") + std::strerror(errno));
      break;
    }
    // Tasks posted before this wakeup run before the input that woke it: what
    // another loop published (a room's new member) precedes datagrams sent
    // after it, even when this loop was late to wake.
    run_posted_tasks();
    if (stop_requested_.load()) break;
    for (int i = 0; i < n && !stop_requested_.load(); ++i) {
      uint64_t registration = events[i].data.u64;
      if (registration == kWakeRegistration) {
        uint64_t value = 0;
        ssize_t r = ::read(wake_fd_, &value, sizeof value);
        (void)r;
      } else {
        dispatch_fd(registration, events[i].events);
      }
    }
    if (stop_requested_.load()) break;
    if (!timer_order_.empty() && timer_order_.begin()->first.first <= clock::now_ns()) {
      run_due_timers();
    }
    if (stop_requested_.load()) break;
    run_posted_tasks();
  }
  {
    std::lock_guard lock(mutex_);
    state_ = State::exited;  // from here on post() refuses new tasks
  }
  run_posted_tasks();  // what was accepted still runs: run_sync() waiters must not hang
  loop_thread_id_.store(std::thread::id{});
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  exited_cv_.notify_all();
}

void EventLoop::dispatch_fd(uint64_t registration, uint32_t epoll_events) {
  auto it = fd_entries_.find(registration);
  if (it == fd_entries_.end()) return;  // removed earlier in this wakeup
  // Keep the entry alive even if the handler removes its own fd.
  std::shared_ptr<FdEntry> entry = it->second;
  c_boundary_void("event loop fd handler", [&] { entry->handler(epoll_events); });
}

void EventLoop::run_due_timers() {
  // Only timers due now run in this pass, so a callback that re-adds an
  // already-due timer cannot keep the loop here forever.
  uint64_t now = clock::now_ns();
  std::vector<TimerId> due;
  for (auto it = timer_order_.begin(); it != timer_order_.end() && it->first.first <= now; ++it) {
    due.push_back(it->second);
  }
  for (TimerId id : due) {
    if (stop_requested_.load()) break;
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;  // cancelled by an earlier callback
    Task callback = std::move(it->second.callback);
    timer_order_.erase(it->second.position);
    timers_.erase(it);
    c_boundary_void("event loop timer", callback);
  }
}

void EventLoop::run_posted_tasks() {
  if (!tasks_posted_.load(std::memory_order_acquire)) return;  // no lock, no deque to build
  std::deque<Task> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(tasks_);
    tasks_posted_.store(false, std::memory_order_relaxed);
  }
  for (auto& task : batch) {
    if (task) c_boundary_void("event loop task", task);
  }
}

}  // namespace wzp

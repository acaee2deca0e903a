// A bounded multi-producer queue that an application can wait on three ways:
// blocking pop with a timeout, an eventfd that is readable while the queue is
// non-empty (for select/epoll/asyncio), or nothing at all (poll with timeout 0).
// When full, the oldest entry is dropped and counted, so a stalled reader can
// never grow memory without bound.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace wzp {

template <class T>
class EventQueue {
 public:
  explicit EventQueue(size_t capacity) : capacity_(capacity), fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~EventQueue() {
    if (fd_ >= 0) ::close(fd_);
  }
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  /// Readable while at least one event is queued; -1 if eventfd failed.
  int fd() const noexcept { return fd_; }
  uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }
  size_t size() const {
    std::lock_guard lock(mutex_);
    return items_.size();
  }

  void push(T item) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      if (items_.size() >= capacity_) {
        items_.pop_front();
        ++dropped_;
      }
      items_.push_back(std::move(item));
      signal_locked();
    }
    cv_.notify_one();
  }

  /// Push the last item and close, at once: a reader that pops it finds the queue closed.
  void push_last(T item) {
    {
      std::lock_guard lock(mutex_);
      if (!closed_) {
        if (items_.size() >= capacity_) {
          items_.pop_front();
          ++dropped_;
        }
        items_.push_back(std::move(item));
      }
      closed_ = true;
      signal_locked();
    }
    cv_.notify_all();
  }

  /// True once close() or push_last() ran.
  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  /// Wait up to timeout_ms (negative: forever, 0: poll). nullopt on timeout or after close().
  std::optional<T> pop(int timeout_ms) {
    std::unique_lock lock(mutex_);
    auto ready = [&] { return !items_.empty() || closed_; };
    if (timeout_ms < 0) {
      cv_.wait(lock, ready);
    } else if (timeout_ms > 0) {
      cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready);
    }
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    if (items_.empty()) drain_fd_locked();
    return item;
  }

  /// Wake every waiter; later pushes are ignored, queued items can still be popped.
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      signal_locked();
    }
    cv_.notify_all();
  }

 private:
  void signal_locked() {
    if (fd_ >= 0 && !signalled_) {
      uint64_t one = 1;
      [[maybe_unused]] ssize_t n = ::write(fd_, &one, sizeof one);
      signalled_ = true;
    }
  }
  void drain_fd_locked() {
    if (fd_ >= 0 && signalled_ && !closed_) {
      uint64_t value = 0;
      [[maybe_unused]] ssize_t n = ::read(fd_, &value, sizeof value);
      signalled_ = false;
    }
  }

  const size_t capacity_;
  const int fd_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<T> items_;
  uint64_t dropped_ = 0;
  bool closed_ = false;
  bool signalled_ = false;
};

}  // namespace wzp

#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <utility>

namespace wzp::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::warn)};  // programs opt into info

// One installed sink and the number of calls to it in progress, so that
// replacing it can wait for them (the C ABI promises that an old callback is
// not running once wzp_log_set_callback returns).
struct Installed {
  explicit Installed(Sink s) : sink(std::move(s)) {}
  Sink sink;
  std::mutex mutex;
  std::condition_variable idle;
  int active = 0;
};

// Guards only the pointer swap: the sink itself is called without any lock.
struct SinkHolder {
  std::mutex mutex;
  std::shared_ptr<Installed> current;
};

SinkHolder& holder() {
  static SinkHolder h;
  return h;
}

// The sink this thread is running, if any: a line logged from inside a sink
// goes to stderr instead (calling the sink again could recurse without end).
thread_local const Installed* t_in_sink = nullptr;

void write_stderr(Level lvl, std::string_view component, std::string_view message) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  // One fprintf per line: stdio's own lock keeps concurrent lines whole.
  (void)std::fprintf(stderr, "%lld.%03lld %-5s %.*s: %.*s\n", static_cast<long long>(ms / 1000),
                     static_cast<long long>(ms % 1000), level_name(lvl).data(),
                     static_cast<int>(component.size()), component.data(), static_cast<int>(message.size()),
                     message.data());
}

}  // namespace

void set_level(Level lvl) noexcept { g_level.store(static_cast<int>(lvl), std::memory_order_relaxed); }
Level level() noexcept { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }
bool enabled(Level lvl) noexcept { return static_cast<int>(lvl) <= g_level.load(std::memory_order_relaxed); }

void set_sink(Sink sink) {
  auto next = sink ? std::make_shared<Installed>(std::move(sink)) : nullptr;
  std::shared_ptr<Installed> old;
  {
    auto& h = holder();
    std::lock_guard lock(h.mutex);
    old = std::exchange(h.current, std::move(next));
  }
  // Wait for calls of the old sink on other threads. A sink that replaces the
  // sink does not wait (two sinks doing so on two threads would wait on each other).
  if (!old || t_in_sink != nullptr) return;
  std::unique_lock lock(old->mutex);
  old->idle.wait(lock, [&] { return old->active == 0; });
}

std::string_view level_name(Level lvl) noexcept {
  switch (lvl) {
    case Level::error: return "ERROR";
    case Level::warn: return "WARN";
    case Level::info: return "INFO";
    case Level::debug: return "DEBUG";
    case Level::trace: return "TRACE";
  }
  return "?";
}

void write(Level lvl, std::string_view component, std::string_view message) {
  if (t_in_sink != nullptr) return write_stderr(lvl, component, message);
  std::shared_ptr<Installed> installed;
  {
    auto& h = holder();
    std::lock_guard lock(h.mutex);
    installed = h.current;
    if (installed) {
      std::lock_guard count(installed->mutex);
      ++installed->active;
    }
  }
  if (!installed) return write_stderr(lvl, component, message);
  struct Leave {
    Installed& s;
    ~Leave() {
      t_in_sink = nullptr;
      std::lock_guard lock(s.mutex);
      if (--s.active == 0) s.idle.notify_all();
    }
  } leave{*installed};
  t_in_sink = installed.get();
  installed->sink(lvl, component, message);
}

}  // namespace wzp::log

#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace wzp::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::warn)};  // programs opt into info

struct SinkHolder {
  std::mutex mutex;
  Sink sink;
};

SinkHolder& holder() {
  static SinkHolder h;
  return h;
}

}  // namespace

void set_level(Level lvl) noexcept { g_level.store(static_cast<int>(lvl), std::memory_order_relaxed); }
Level level() noexcept { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }
bool enabled(Level lvl) noexcept { return static_cast<int>(lvl) <= g_level.load(std::memory_order_relaxed); }

void set_sink(Sink sink) {
  auto& h = holder();
  std::lock_guard lock(h.mutex);
  h.sink = std::move(sink);
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
  auto& h = holder();
  std::lock_guard lock(h.mutex);
  if (h.sink) {
    h.sink(lvl, component, message);
    return;
  }
  auto now = std::chrono::system_clock::now().time_since_epoch();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
  (void)std::fprintf(stderr, "%lld.%03lld %-5s %.*s: %.*s\n", static_cast<long long>(ms / 1000),
               static_cast<long long>(ms % 1000), level_name(lvl).data(), static_cast<int>(component.size()),
               component.data(), static_cast<int>(message.size()), message.data());
}

}  // namespace wzp::log

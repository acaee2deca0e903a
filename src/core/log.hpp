// Leveled logging with a replaceable sink. Default sink writes to stderr.
// Thread-safe. The sink is called without any library lock held, possibly from
// several threads at once; a line logged from inside the sink (on the sink's
// thread) goes to stderr instead of re-entering it.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace wzp::log {

enum class Level : int { error = 0, warn = 1, info = 2, debug = 3, trace = 4 };

using Sink = std::function<void(Level, std::string_view component, std::string_view message)>;

void set_level(Level level) noexcept;
Level level() noexcept;
bool enabled(Level level) noexcept;
/// Replace the sink; an empty function restores the stderr sink. Returns once no
/// other thread runs the old sink (called from inside a sink, it returns at once).
void set_sink(Sink sink);
void write(Level level, std::string_view component, std::string_view message);
std::string_view level_name(Level level) noexcept;

}  // namespace wzp::log

#define WZP_LOG(lvl, component, msg)                             \
  do {                                                           \
    if (::wzp::log::enabled(::wzp::log::Level::lvl))             \
      ::wzp::log::write(::wzp::log::Level::lvl, component, msg); \
  } while (0)

// Quiet logs for the live suite: errors only, unless WZP_TEST_LOG names a
// level (error, warn, info, debug, trace).
#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/log.hpp"

namespace {

wzp::log::Level level_from_env() {
  const char* value = std::getenv("WZP_TEST_LOG");
  std::string name = value ? value : "error";
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (auto level : {wzp::log::Level::error, wzp::log::Level::warn, wzp::log::Level::info,
                     wzp::log::Level::debug, wzp::log::Level::trace}) {
    if (wzp::log::level_name(level) == name) return level;
  }
  return wzp::log::Level::error;
}

const bool kLogLevelSet = [] {
  wzp::log::set_level(level_from_env());
  return true;
}();

}  // namespace

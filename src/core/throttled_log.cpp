#include "core/throttled_log.hpp"

#include "core/clock.hpp"

namespace wzp {

ThrottledLog::ThrottledLog(log::Level level, std::string_view component, double per_second, double burst)
    : level_(level), component_(component), bucket_(per_second, burst) {}

bool ThrottledLog::admit() {
  if (!log::enabled(level_)) return false;
  if (bucket_.take(clock::now_ns())) return true;
  ++suppressed_;
  ++suppressed_total_;
  return false;
}

void ThrottledLog::emit(const std::string& message) {
  if (suppressed_ == 0) {
    log::write(level_, component_, message);
    return;
  }
  log::write(level_, component_,
             message + " (" + std::to_string(suppressed_) + " similar messages suppressed)");
  suppressed_ = 0;
}

void ThrottledLog::write(const std::string& message) {
  if (admit()) emit(message);
}

}  // namespace wzp

// The example programs' --log-level names, as the library's levels.
#pragma once

#include <wzp.h>

#include <string>

// error, warn, info, debug; anything else (the flags only allow "trace") is trace.
inline int log_level_from(const std::string& name) {
  if (name == "error") return WZP_LOG_ERROR;
  if (name == "warn") return WZP_LOG_WARN;
  if (name == "info") return WZP_LOG_INFO;
  if (name == "debug") return WZP_LOG_DEBUG;
  return WZP_LOG_TRACE;
}

// C ABI: process-wide logging.
#include <mutex>
#include <string>

#include "capi/capi_support.hpp"
#include "core/c_boundary.hpp"
#include "core/log.hpp"

extern "C" {

void wzp_log_set_level(int level) {
  if (level < WZP_LOG_ERROR) level = WZP_LOG_ERROR;
  if (level > WZP_LOG_TRACE) level = WZP_LOG_TRACE;
  wzp::log::set_level(static_cast<wzp::log::Level>(level));
}

void wzp_log_set_callback(wzp_log_cb callback, void* user_data) {
  wzp::c_boundary_void("wzp_log_set_callback", [&] {
    if (callback == nullptr) {
      wzp::log::set_sink({});
      return;
    }
    wzp::log::set_sink(
        [callback, user_data](wzp::log::Level level, std::string_view component, std::string_view message) {
          wzp::c_boundary_void("log callback", [&] {
            std::string c(component), m(message);  // NUL-terminated copies for C
            callback(static_cast<int>(level), c.c_str(), m.c_str(), user_data);
          });
        });
  });
}

}  // extern "C"

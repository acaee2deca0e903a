#include "core/c_boundary.hpp"

#include <cstdio>
#include <string>

#include "core/log.hpp"

namespace wzp {

void report_boundary_exception(std::string_view where, const char* what) noexcept {
  try {
    WZP_LOG(error, "core", "exception at the C boundary in " + std::string(where) + ": " + what);
  } catch (...) {
    // Logging needs memory; when even that fails, stderr is the last resort.
    (void)std::fprintf(stderr, "libwzp: exception at the C boundary in %.*s: %s\n",
                       static_cast<int>(where.size()), where.data(), what);
  }
}

}  // namespace wzp

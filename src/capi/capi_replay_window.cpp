// C ABI: the standalone anti-replay window.
#include <memory>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;

extern "C" {

int wzp_replay_window_new(wzp_replay_window** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(out);
    *out = std::make_unique<wzp_replay_window>().release();
    return WZP_OK;
  });
}

void wzp_replay_window_free(wzp_replay_window* window) { std::unique_ptr<wzp_replay_window> owned(window); }

int wzp_replay_window_check(wzp_replay_window* window, uint16_t seq) {
  WZP_CAPI_REQUIRE(window);
  auto status = window->window.check_and_update(seq);
  return status ? WZP_OK : fail(status.error());
}

}  // extern "C"

// The Python featherChat presence handle (_FcPresence): bound in bind_fc_net.cpp and borrowed by
// the call manager's binding (bind_featherchat.cpp) for relay choice, so both see one type.
#pragma once

#include <wzp.h>

#include <memory>
#include <vector>

#include "py_handles.hpp"

namespace wzp_py {

using FcPresenceHandle = Handle<wzp_fc_presence, free_without_gil<wzp_fc_presence, wzp_fc_presence_free>>;

// The handle and what its sources borrow (relays, registries), kept alive while it lives: the
// handle is declared last, so it is freed (its thread stopped) before them.
struct PyFcPresence {
  std::vector<std::shared_ptr<void>> keep;
  FcPresenceHandle handle{nullptr};
};

}  // namespace wzp_py

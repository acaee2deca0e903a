// Owning wrappers around the C handles, shared by the binding files.
#pragma once

#include <wzp.h>

#include <memory>

#include "bindings_common.hpp"

namespace wzp_py {

template <class T, void (*Free)(T*)>
class Handle {
 public:
  explicit Handle(T* h) : h_(h) {}
  T* get() const { return h_.get(); }

 private:
  std::unique_ptr<T, Deleter<T, Free>> h_;
};

// Freeing stops a loop thread, so it runs without the GIL (when held: a handle may
// also be collected on a thread that does not hold it).
template <class T, void (*Free)(T*)>
void free_without_gil(T* handle) {
  if (handle != nullptr && PyGILState_Check()) {
    py::gil_scoped_release release;
    Free(handle);
  } else {
    Free(handle);
  }
}

using RelayHandle = Handle<wzp_relay, free_without_gil<wzp_relay, wzp_relay_free>>;
using ClientHandle = Handle<wzp_client, free_without_gil<wzp_client, wzp_client_free>>;
using LoopHandle = Handle<wzp_loop, free_without_gil<wzp_loop, wzp_loop_free>>;
using CallHandle = Handle<wzp_call, free_without_gil<wzp_call, wzp_call_free>>;

/// A call engine for Python: owned (it keeps its client's handle alive and is freed first), or
/// borrowed from a featherChat call manager (`keeper` keeps the manager alive; the manager
/// clears `borrowed` when it releases the call's media, after which calls raise).
struct PyCall {
  std::shared_ptr<ClientHandle> client;
  CallHandle owned{nullptr};
  wzp_call* borrowed = nullptr;
  std::shared_ptr<void> keeper;
  wzp_call* get() const { return owned.get() != nullptr ? owned.get() : borrowed; }
};

/// A call profile as the Python dict {"codec": "Opus24k", "fec_ratio", "frame_ms", "frames_per_block"}.
py::dict profile_dict(const wzp_call_profile& p);

using Identity = Handle<wzp_identity, wzp_identity_free>;
using Session = Handle<wzp_session, wzp_session_free>;
using Caller = Handle<wzp_caller, wzp_caller_free>;
using Callee = Handle<wzp_callee, wzp_callee_free>;
using ReplayWindow = Handle<wzp_replay_window, wzp_replay_window_free>;

}  // namespace wzp_py

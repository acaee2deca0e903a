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

using Identity = Handle<wzp_identity, wzp_identity_free>;
using Session = Handle<wzp_session, wzp_session_free>;
using Caller = Handle<wzp_caller, wzp_caller_free>;
using Callee = Handle<wzp_callee, wzp_callee_free>;
using ReplayWindow = Handle<wzp_replay_window, wzp_replay_window_free>;

}  // namespace wzp_py

// wzp.set_log_callback: the library's log sink as a Python callable.
//
// The C sink runs on library threads (loop threads included) and takes the GIL.
// Three rules keep that from deadlocking or crashing:
// - every binding call that may wait for a loop thread releases the GIL first
//   (bind_live.cpp), so the loop thread can take it to log;
// - the C-side user_data is one object that is never freed, and the callable
//   inside it is read and replaced only under the GIL: a sink call in flight on
//   another thread holds its own reference;
// - at interpreter exit (atexit, before finalisation) the sink is removed and
//   the exit waits, without the GIL, until no library thread is inside it.
// A callable that raises is reported through sys.unraisablehook; the library goes on.
#include "bindings_common.hpp"

namespace wzp_py {
namespace {

struct PySink {
  PyObject* callable = nullptr;  // owned reference; read and written under the GIL
};

PySink& sink() {
  static auto* s = new PySink;  // never freed: library threads may still point at it at exit
  return *s;
}

void trampoline(int level, const char* component, const char* message, void* user_data) {
  if (!Py_IsInitialized() || _Py_IsFinalizing()) return;
  py::gil_scoped_acquire gil;
  auto* s = static_cast<PySink*>(user_data);
  if (s->callable == nullptr) return;
  py::object fn = py::reinterpret_borrow<py::object>(s->callable);
  try {
    fn(level, py::str(component), py::str(message));
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("wzp log callback");
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    PyErr_WriteUnraisable(fn.ptr());
  }
}

void set_log_callback(const py::object& fn) {
  if (!fn.is_none() && !PyCallable_Check(fn.ptr()))
    throw py::type_error("the log callback must be callable or None");
  auto& s = sink();
  PyObject* old = s.callable;
  s.callable = fn.is_none() ? nullptr : fn.inc_ref().ptr();
  bool install = s.callable != nullptr;
  {
    // Without the GIL: replacing the sink waits for calls in flight, which need the GIL.
    py::gil_scoped_release release;
    if (install) {
      wzp_log_set_callback(trampoline, &s);
    } else {
      wzp_log_set_callback(nullptr, nullptr);
    }
  }
  Py_XDECREF(old);
}

}  // namespace

void bind_log(py::module_& m) {
  m.def("set_log_callback", &set_log_callback, py::arg("callback"),
        "Send the library's log lines to callback(level, component, message) instead of stderr;\n"
        "None restores stderr. The callback runs on library threads (holding the GIL), possibly\n"
        "while other threads log; an exception it raises goes to sys.unraisablehook. Lines logged\n"
        "while the callback runs on the same thread go to stderr. When this returns, the previous\n"
        "callback is no longer running on any other thread. Removed automatically at exit.");
  py::module_::import("atexit").attr("register")(py::cpp_function([] { set_log_callback(py::none()); }));
}

}  // namespace wzp_py

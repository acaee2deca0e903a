// pybind11 bindings for libwzp. They call only the public C ABI (wzp.h), which proves the
// ABI is complete for a non-C++ user. Errors become wzp.WzpError(code, name, message).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "bindings_common.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_wzp, m) {
  m.doc() = "libwzp: WarzonePhone voice protocol SDK (native module; use the `wzp` package)";
  wzp_py::bind_core(m);
  wzp_py::bind_identity(m);
  wzp_py::bind_session(m);
  wzp_py::bind_wire(m);
  wzp_py::bind_live(m);
  wzp_py::bind_log(m);
  wzp_py::bind_presence(m);
  wzp_py::bind_call(m);
  wzp_py::bind_featherchat(m);
  wzp_py::bind_fc_acl(m);
  wzp_py::bind_fc_net(m);
}

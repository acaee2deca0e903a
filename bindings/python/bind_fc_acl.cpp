// Bindings of the featherChat group-room calls (wzp_fc_acl_sync_relay / _http), used by
// the wzp.featherchat_acl module.
#include <string>
#include <vector>

#include "bindings_common.hpp"
#include "py_handles.hpp"

namespace wzp_py {
namespace {

std::vector<const char*> c_strings(const std::vector<std::string>& items) {
  std::vector<const char*> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(c_text(item, "fingerprint"));
  return out;
}

}  // namespace

void bind_fc_acl(py::module_& m) {
  m.def(
      "_fc_acl_sync_relay",
      [](const std::shared_ptr<RelayHandle>& relay, const std::string& room_name,
         const std::vector<std::string>& fingerprints) {
        const char* room = c_text(room_name, "room_name");
        auto fps = c_strings(fingerprints);
        size_t added = 0, removed = 0;
        int rc;
        {
          py::gil_scoped_release release;
          rc = wzp_fc_acl_sync_relay(relay->get(), room, fps.data(), fps.size(), &added, &removed);
        }
        check(rc);
        return py::make_tuple(added, removed);
      },
      py::arg("relay"), py::arg("room_name"), py::arg("fingerprints"));
  m.def(
      "_fc_acl_sync_http",
      [](const std::string& url, const std::string& admin_token, const std::string& room_name,
         const std::vector<std::string>& fingerprints, int timeout_ms) {
        const char* base = c_text(url, "url");
        const char* token = c_text(admin_token, "admin_token");
        const char* room = c_text(room_name, "room_name");
        auto fps = c_strings(fingerprints);
        int rc;
        {
          py::gil_scoped_release release;
          rc = wzp_fc_acl_sync_http(base, token, room, fps.data(), fps.size(), timeout_ms, nullptr);
        }
        check(rc);
      },
      py::arg("url"), py::arg("admin_token"), py::arg("room_name"), py::arg("fingerprints"),
      py::arg("timeout_ms"));
}

}  // namespace wzp_py

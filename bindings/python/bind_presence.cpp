// wzp.Presence: the standalone presence registry (wzp_presence_*). JSON answers of the
// C ABI are handed to Python parsed (dicts and lists).
#include <vector>

#include "bindings_common.hpp"
#include "py_handles.hpp"

namespace wzp_py {

namespace {

using Presence = Handle<wzp_presence, wzp_presence_free>;

py::object parse_json(char* text) { return py::module_::import("json").attr("loads")(take_string(text)); }

// Raises for a negative status; otherwise returns it (0 or 1 for the (un)register calls).
int checked(int rc) {
  if (rc < 0) raise_status(rc);
  return rc;
}

}  // namespace

void bind_presence(py::module_& m) {
  py::class_<Presence, std::shared_ptr<Presence>>(
      m, "Presence",
      "Who is online where, as a relay keeps it: local users (online while one of "
      "their connections is registered), users reported by peer relays, peer records. "
      "Thread-safe.")
      .def(py::init([](size_t max_local, size_t max_remote, size_t max_peers) {
             wzp_presence_config cfg;
             wzp_presence_config_init(&cfg);
             cfg.max_local = max_local;
             cfg.max_remote = max_remote;
             cfg.max_peers = max_peers;
             wzp_presence* h = nullptr;
             check(wzp_presence_new(&cfg, &h));
             return std::make_shared<Presence>(h);
           }),
           py::arg("max_local") = 100000, py::arg("max_remote") = 1000000, py::arg("max_peers") = 1024)
      .def(
          "register_local",
          [](Presence& p, const std::string& fingerprint, uint64_t connection_id,
             std::optional<std::string> alias, std::optional<std::string> room) {
            return checked(wzp_presence_register_local(
                       p.get(), c_text(fingerprint, "fingerprint"), connection_id,
                       alias ? c_text(*alias, "alias") : nullptr, room ? c_text(*room, "room") : nullptr)) ==
                   1;
          },
          py::arg("fingerprint"), py::arg("connection_id"), py::arg("alias") = py::none(),
          py::arg("room") = py::none(),
          "A local user's connection joined: True when the user came online, False when it was already "
          "here. Raises WzpError (WZP_ERR_TOO_LARGE) when max_local users are here.")
      .def(
          "unregister_local",
          [](Presence& p, const std::string& fingerprint, uint64_t connection_id) {
            return checked(wzp_presence_unregister_local(p.get(), c_text(fingerprint, "fingerprint"),
                                                         connection_id)) == 1;
          },
          py::arg("fingerprint"), py::arg("connection_id"),
          "A local user's connection left: True when that was its last connection.")
      .def(
          "update_peer",
          [](Presence& p, const std::string& relay_addr, const std::vector<std::string>& fingerprints) {
            std::vector<const char*> fps;
            fps.reserve(fingerprints.size());
            for (const auto& fp : fingerprints) fps.push_back(c_text(fp, "fingerprint"));
            check(
                wzp_presence_update_peer(p.get(), c_text(relay_addr, "relay_addr"), fps.data(), fps.size()));
          },
          py::arg("relay_addr"), py::arg("fingerprints"),
          "A peer relay's users (replacing its previous report). Raises WzpError (WZP_ERR_TOO_LARGE) "
          "over max_peers or max_remote; nothing changes then.")
      .def(
          "remove_peer",
          [](Presence& p, const std::string& relay_addr) {
            check(wzp_presence_remove_peer(p.get(), c_text(relay_addr, "relay_addr")));
          },
          py::arg("relay_addr"), "Forget a peer relay and its users.")
      .def(
          "lookup",
          [](const Presence& p, const std::string& fingerprint) -> py::object {
            char* out = nullptr;
            check(wzp_presence_lookup(p.get(), c_text(fingerprint, "fingerprint"), &out));
            py::object answer = parse_json(out);
            if (answer["location"].is_none()) return py::none();
            return answer;
          },
          py::arg("fingerprint"),
          "{'fingerprint': fp, 'location': 'Local' or {'Remote': 'ip:port'}}, or None when unknown.")
      .def(
          "list",
          [](const Presence& p) {
            char* out = nullptr;
            check(wzp_presence_list_json(p.get(), &out));
            return parse_json(out);
          },
          "Every known user as GET /presence lists them (locals first).")
      .def(
          "peers",
          [](const Presence& p) {
            char* out = nullptr;
            check(wzp_presence_peers_json(p.get(), &out));
            return parse_json(out);
          },
          "The peer records as GET /peers lists them: addr, fingerprints, rtt_ms.")
      .def(
          "expire",
          [](Presence& p, uint32_t ttl_ms) {
            size_t n = 0;
            check(wzp_presence_expire(p.get(), ttl_ms, &n));
            return n;
          },
          py::arg("ttl_ms"),
          "Remove remote users and peer records not refreshed within ttl_ms; returns the users removed.")
      .def(
          "counts",
          [](const Presence& p) {
            size_t local = 0, remote = 0, peers = 0;
            check(wzp_presence_counts(p.get(), &local, &remote, &peers));
            return py::make_tuple(local, remote, peers);
          },
          "(local users, remote entries, peer records).");
}

}  // namespace wzp_py

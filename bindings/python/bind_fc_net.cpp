// wzp._wzp featherChat presence and relay choice (wzp_fc_relay_config_*, wzp_fc_presence_*,
// wzp_fc_choose_relay). wzp/featherchat_net.py is the public face.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bindings_common.hpp"
#include "fc_presence_holder.hpp"
#include "py_handles.hpp"

namespace wzp_py {
namespace {

using Registry = Handle<wzp_presence, wzp_presence_free>;

constexpr size_t kRelayBuf = 262;

py::object loads(const std::string& text) { return py::module_::import("json").attr("loads")(text); }

const char* opt_text(const std::optional<std::string>& s, const char* what) {
  return s ? c_text(*s, what) : nullptr;
}

py::dict event_dict(const wzp_fc_presence_event& e) {
  py::dict d;
  d["type"] = wzp_fc_presence_event_type_name(e.type);
  d["fingerprint"] = std::string(e.fingerprint != nullptr ? e.fingerprint : "");
  d["relay_addr"] = std::string(e.relay_addr != nullptr ? e.relay_addr : "");
  d["source"] = std::string(e.source != nullptr ? e.source : "");
  d["time_ms"] = e.time_ms;
  return d;
}

}  // namespace

void bind_fc_net(py::module_& m) {
  m.def(
      "_fc_relay_config_parse",
      [](const std::string& json) {
        char* out = nullptr;
        check(wzp_fc_relay_config_parse(json.data(), json.size(), &out, nullptr, 0));
        return loads(take_string(out));
      },
      py::arg("json"));
  m.def(
      "_fc_relay_config_fetch",
      [](const std::string& url, std::optional<std::string> token, uint32_t timeout_ms) {
        char* out = nullptr;
        int rc;
        const char* u = c_text(url, "url");
        const char* t = opt_text(token, "token");
        {
          py::gil_scoped_release release;
          rc = wzp_fc_relay_config_fetch(u, t, timeout_ms, &out, nullptr, 0);
        }
        check(rc);
        return loads(take_string(out));
      },
      py::arg("url"), py::arg("token"), py::arg("timeout_ms"));
  m.def(
      "_fc_choose_relay",
      [](int policy, std::optional<std::string> mine, std::optional<std::string> callee,
         std::optional<std::string> fallback) -> py::tuple {
        char out[kRelayBuf];
        wzp_fc_relay_reason reason = WZP_FC_RELAY_REASON_NONE;
        const int rc = wzp_fc_choose_relay(static_cast<wzp_fc_relay_policy>(policy),
                                           opt_text(mine, "my_relay"), opt_text(callee, "callee_relay"),
                                           opt_text(fallback, "config_default"), out, sizeof out, &reason);
        if (rc == WZP_ERR_NOT_FOUND) return py::make_tuple(py::none(), wzp_fc_relay_reason_name(reason));
        check(rc);
        return py::make_tuple(std::string(out), wzp_fc_relay_reason_name(reason));
      },
      py::arg("policy"), py::arg("my_relay"), py::arg("callee_relay"), py::arg("config_default"));

  py::class_<PyFcPresence, std::shared_ptr<PyFcPresence>>(m, "_FcPresence")
      .def(py::init([](const py::dict& cfg) {
        wzp_fc_presence_config c;
        wzp_fc_presence_config_init(&c);
        auto get = [&](const char* key, auto& field) {
          if (cfg.contains(key) && !cfg[key].is_none())
            field = cfg[key].cast<std::remove_reference_t<decltype(field)>>();
        };
        get("poll_interval_ms", c.poll_interval_ms);
        get("backoff_max_ms", c.backoff_max_ms);
        get("offline_after_failures", c.offline_after_failures);
        get("http_timeout_ms", c.http_timeout_ms);
        get("event_queue_capacity", c.event_queue_capacity);
        get("max_sources", c.max_sources);
        get("max_watched", c.max_watched);
        wzp_fc_presence* h = nullptr;
        check(wzp_fc_presence_new(&c, &h));
        auto p = std::make_shared<PyFcPresence>();
        p->handle = FcPresenceHandle(h);
        return p;
      }))
      .def("add_http",
           [](PyFcPresence& p, const std::string& url, std::optional<std::string> token,
              const std::string& relay_addr) {
             check(wzp_fc_presence_add_http(p.handle.get(), c_text(url, "base_url"), opt_text(token, "token"),
                                            c_text(relay_addr, "relay_addr")));
           })
      .def("add_relay",
           [](PyFcPresence& p, const std::shared_ptr<RelayHandle>& relay,
              std::optional<std::string> relay_addr) {
             check(
                 wzp_fc_presence_add_relay(p.handle.get(), relay->get(), opt_text(relay_addr, "relay_addr")));
             p.keep.push_back(relay);
           })
      .def("add_registry",
           [](PyFcPresence& p, const std::shared_ptr<Registry>& registry, const std::string& relay_addr) {
             check(wzp_fc_presence_add_registry(p.handle.get(), registry->get(),
                                                c_text(relay_addr, "relay_addr")));
             p.keep.push_back(registry);
           })
      .def("watch",
           [](PyFcPresence& p, const std::string& fp) {
             check(wzp_fc_presence_watch(p.handle.get(), c_text(fp, "fingerprint")));
           })
      .def("unwatch",
           [](PyFcPresence& p, const std::string& fp) {
             const int rc = wzp_fc_presence_unwatch(p.handle.get(), c_text(fp, "fingerprint"));
             if (rc == WZP_ERR_NOT_FOUND) return false;
             check(rc);
             return true;
           })
      .def("start", [](PyFcPresence& p) { check(wzp_fc_presence_start(p.handle.get())); })
      .def("lookup",
           [](PyFcPresence& p, const std::string& fp) -> py::object {
             char relay[kRelayBuf];
             char source[512];
             int rc;
             const char* f = c_text(fp, "fingerprint");
             {
               py::gil_scoped_release release;
               rc = wzp_fc_presence_lookup(p.handle.get(), f, relay, sizeof relay, source, sizeof source);
             }
             if (rc == WZP_ERR_NOT_FOUND) return py::none();
             check(rc);
             return py::make_tuple(std::string(relay), std::string(source));
           })
      .def("next_event",
           [](PyFcPresence& p, std::optional<double> timeout) -> py::object {
             const int ms = timeout ? static_cast<int>(*timeout * 1000.0) : -1;
             wzp_fc_presence_event e;
             wzp_fc_presence_event_init(&e);
             int rc;
             {
               py::gil_scoped_release release;
               rc = wzp_fc_presence_next_event(p.handle.get(), &e, ms);
             }
             if (rc == WZP_ERR_TIMEOUT || rc == WZP_ERR_WOULD_BLOCK) return py::none();
             check(rc);
             py::dict d;
             try {
               d = event_dict(e);
             } catch (...) {
               wzp_fc_presence_event_clear(&e);
               throw;
             }
             wzp_fc_presence_event_clear(&e);
             return d;
           })
      .def("event_fd", [](PyFcPresence& p) { return wzp_fc_presence_event_fd(p.handle.get()); })
      .def("stats",
           [](PyFcPresence& p) {
             wzp_fc_presence_stats s;
             wzp_fc_presence_stats_init(&s);
             check(wzp_fc_presence_stats_get(p.handle.get(), &s));
             py::dict d;
             d["polls"] = s.polls;
             d["failures"] = s.failures;
             d["events"] = s.events;
             d["dropped"] = s.dropped;
             d["sources"] = s.sources;
             d["watched"] = s.watched;
             d["online"] = s.online;
             return d;
           })
      .def("sources", [](PyFcPresence& p) {
        char* out = nullptr;
        check(wzp_fc_presence_sources_json(p.handle.get(), &out));
        return loads(take_string(out));
      });
}

}  // namespace wzp_py

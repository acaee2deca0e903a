// wzp._wzp featherChat calls: the signalling bridge (wzp_fc_*) and the call manager
// (wzp_fc_manager_*). JSON crosses as Python dicts; wzp/featherchat.py is the public face.
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "bindings_common.hpp"
#include "fc_presence_holder.hpp"
#include "py_handles.hpp"

namespace wzp_py {
namespace {

using Manager = Handle<wzp_fc_manager, free_without_gil<wzp_fc_manager, wzp_fc_manager_free>>;

py::object loads(const std::string& text) { return py::module_::import("json").attr("loads")(text); }
std::string dumps(const py::object& value) {
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  return py::module_::import("json").attr("dumps")(value).cast<std::string>();
}

const char* opt_text(const std::optional<std::string>& s, const char* what) {
  return s ? c_text(*s, what) : nullptr;
}

py::dict event_dict(const wzp_fc_event& e) {
  py::dict d;
  d["type"] = wzp_fc_event_type_name(e.type);
  d["call_id"] = std::string(e.call_id);
  d["peer"] = std::string(e.peer);
  d["outgoing"] = e.outgoing != 0;
  d["state"] = wzp_fc_call_state_name(e.state);
  d["previous_state"] = wzp_fc_call_state_name(e.previous_state);
  d["end"] = wzp_fc_call_end_name(e.end);
  d["ended_here"] = e.ended_here != 0;
  auto text = [](const char* s) -> py::object { return s != nullptr ? py::object(py::str(s)) : py::none(); };
  d["relay_addr"] = text(e.relay_addr);
  d["room"] = text(e.room);
  d["detail"] = text(e.detail);
  d["target"] = text(e.target);
  d["time_ms"] = e.time_ms;
  if (e.type == WZP_FC_EVENT_SEND) {
    d["signal"] = loads(e.signal_json);
    d["bincode"] = to_bytes(e.signal_bincode, e.signal_bincode_len);
  } else if (e.type == WZP_FC_EVENT_IN_CALL) {
    d["signal"] = loads(e.signal_json);
  } else if (e.type == WZP_FC_EVENT_MISSED) {
    d["record"] = loads(e.signal_json);
    d["missed_call"] = to_bytes(e.missed_call, WZP_FC_MISSED_CALL_BYTES);
  }
  return d;
}

// The manager and the Python views of its calls' media (cleared when released).
// The manager with the presence handle it borrows for relay choice: the manager is declared last, so
// it is freed before the presence goes.
struct ManagerWithPresence {
  std::shared_ptr<PyFcPresence> presence;
  Manager manager{nullptr};
};

struct PyManager {
  std::shared_ptr<Manager> handle;
  mutable std::mutex mutex;
  std::map<std::string, std::shared_ptr<PyCall>> media;
};

// The manager, held for the duration of one operation (close() only drops the Python object's
// reference, so an operation running on another thread finishes first); closed: CLOSED.
std::shared_ptr<Manager> live(const PyManager& m) {
  std::lock_guard lock(m.mutex);
  if (!m.handle) raise_status(WZP_ERR_CLOSED, "the call manager is closed", py::none(), py::none());
  return m.handle;
}

template <class Fn>
void call_op(PyManager& m, const std::string& call_id, Fn fn) {
  const auto h = live(m);
  int rc;
  {
    py::gil_scoped_release release;
    rc = fn(h->get(), call_id.c_str());
  }
  check(rc);
}

}  // namespace

void bind_featherchat(py::module_& m) {
  m.def("_fc_wrap_signal", [](const py::object& signal, const std::string& sender, const std::string& target,
                              std::optional<std::string> relay_addr, std::optional<std::string> room,
                              std::optional<std::string> call_id, bool tags_only) {
    const std::string json = dumps(signal);
    char* out = nullptr;
    check(wzp_fc_wrap_signal(json.data(), json.size(), c_text(sender, "sender"), c_text(target, "target"),
                             opt_text(relay_addr, "relay_addr"), opt_text(room, "room"),
                             opt_text(call_id, "call_id"), tags_only ? 1 : 0, &out));
    return loads(take_string(out));
  });
  m.def("_fc_open_signal", [](const py::object& message) {
    const std::string json = dumps(message);
    char* out = nullptr;
    check(wzp_fc_open_signal(json.data(), json.size(), &out));
    return loads(take_string(out));
  });
  m.def("_fc_signal_encode", [](const py::object& message, uint32_t variant) {
    const std::string json = dumps(message);
    uint8_t* out = nullptr;
    size_t len = 0;
    check(wzp_fc_signal_encode(json.data(), json.size(), variant, &out, &len));
    py::bytes b = to_bytes(out, len);
    wzp_free(out);
    return b;
  });
  m.def("_fc_signal_decode", [](const py::bytes& data, uint32_t variant) {
    const auto v = view(data);
    char* out = nullptr;
    check(wzp_fc_signal_decode(data_of(v), v.size(), variant, &out));
    return loads(take_string(out));
  });
  m.def("_fc_missed_call_encode", [](const py::object& record) {
    const std::string json = dumps(record);
    std::array<uint8_t, WZP_FC_MISSED_CALL_BYTES> out{};
    check(wzp_fc_missed_call_encode(json.data(), json.size(), out.data()));
    return to_bytes(out.data(), out.size());
  });
  m.def("_fc_missed_call_decode", [](const py::bytes& data) {
    const auto v = view(data);
    char* out = nullptr;
    check(wzp_fc_missed_call_decode(data_of(v), v.size(), &out));
    return loads(take_string(out));
  });

  py::class_<PyManager, std::shared_ptr<PyManager>>(m, "_FcManager")
      .def(py::init([](const std::shared_ptr<Identity>& identity, const py::dict& cfg) {
        wzp_fc_manager_config c;
        wzp_fc_manager_config_init(&c);
        c.identity = identity->get();
        auto u32 = [&](const char* key, uint32_t& field) {
          if (cfg.contains(key)) field = cfg[key].cast<uint32_t>();
        };
        auto flag = [&](const char* key, int& field) {
          if (cfg.contains(key)) field = cfg[key].cast<bool>() ? 1 : 0;
        };
        u32("ring_timeout_ms", c.ring_timeout_ms);
        u32("connect_timeout_ms", c.connect_timeout_ms);
        u32("max_live_calls", c.max_live_calls);
        u32("max_history", c.max_history);
        u32("bincode_variant", c.bincode_variant);
        u32("join_timeout_ms", c.join_timeout_ms);
        flag("send_ringing", c.send_ringing);
        flag("call_waiting", c.call_waiting);
        flag("featherchat_tags_only", c.featherchat_tags_only);
        flag("manual_clock", c.manual_clock);
        flag("join_relay", c.join_relay);
        if (cfg.contains("event_queue_capacity"))
          c.event_queue_capacity = cfg["event_queue_capacity"].cast<size_t>();
        std::string default_relay, my_relay, token, pin_cert, pin_relay;
        std::shared_ptr<PyFcPresence> presence;
        if (cfg.contains("presence") && !cfg["presence"].is_none()) {
          presence = cfg["presence"].cast<std::shared_ptr<PyFcPresence>>();
          c.presence = presence->handle.get();
        }
        if (cfg.contains("relay_policy")) c.relay_policy = cfg["relay_policy"].cast<int>();
        if (cfg.contains("my_relay") && !cfg["my_relay"].is_none()) {
          my_relay = cfg["my_relay"].cast<std::string>();
          c.my_relay = c_text(my_relay, "my_relay");
        }
        if (cfg.contains("default_relay") && !cfg["default_relay"].is_none()) {
          default_relay = cfg["default_relay"].cast<std::string>();
          c.default_relay = c_text(default_relay, "default_relay");
        }
        if (cfg.contains("token") && !cfg["token"].is_none()) {
          token = cfg["token"].cast<std::string>();
          c.token = c_text(token, "token");
        }
        if (cfg.contains("pin_cert_sha256") && !cfg["pin_cert_sha256"].is_none()) {
          pin_cert = std::string(exact(cfg["pin_cert_sha256"].cast<py::bytes>(), 32, "pin_cert_sha256"));
          c.pin_cert_sha256 = data_of(pin_cert);
        }
        if (cfg.contains("pin_relay_fingerprint") && !cfg["pin_relay_fingerprint"].is_none()) {
          pin_relay =
              std::string(exact(cfg["pin_relay_fingerprint"].cast<py::bytes>(), 16, "pin_relay_fingerprint"));
          c.pin_relay_fingerprint = data_of(pin_relay);
        }
        wzp_call_config call_config;  // copied by wzp_fc_manager_new
        wzp_call_config_init(&call_config);
        if (cfg.contains("e2e")) {
          call_config.e2e = cfg["e2e"].cast<int>();
          c.call_config = &call_config;
        }
        wzp_fc_manager* h = nullptr;
        check(wzp_fc_manager_new(&c, &h));
        auto owner = std::make_shared<ManagerWithPresence>();
        owner->presence = std::move(presence);
        owner->manager = Manager(h);
        auto pm = std::make_shared<PyManager>();
        pm->handle = std::shared_ptr<Manager>(owner, &owner->manager);
        return pm;
      }))
      .def("place_call",
           [](PyManager& m, const std::string& peer, std::optional<std::string> relay_addr,
              std::optional<std::string> room) {
             std::array<char, WZP_FC_CALL_ID_LEN + 1> id{};
             int rc;
             {
               const char* p = c_text(peer, "peer");
               const char* r = opt_text(relay_addr, "relay_addr");
               const char* rm = opt_text(room, "room");
               const auto h = live(m);
               py::gil_scoped_release release;
               rc = wzp_fc_manager_place_call(h->get(), p, r, rm, id.data());
             }
             check(rc);
             return std::string(id.data());
           })
      .def("accept", [](PyManager& m, const std::string& id) { call_op(m, id, wzp_fc_manager_accept); })
      .def("reject", [](PyManager& m, const std::string& id) { call_op(m, id, wzp_fc_manager_reject); })
      .def("hangup", [](PyManager& m, const std::string& id) { call_op(m, id, wzp_fc_manager_hangup); })
      .def("media_connected",
           [](PyManager& m, const std::string& id) { call_op(m, id, wzp_fc_manager_media_connected); })
      .def("media_failed",
           [](PyManager& m, const std::string& id, std::optional<std::string> why) {
             const char* w = opt_text(why, "why");
             call_op(m, id, [w](wzp_fc_manager* h, const char* cid) {
               return wzp_fc_manager_media_failed(h, cid, w);
             });
           })
      .def("receive",
           [](PyManager& m, const py::object& message) {
             const auto h = live(m);
             int rc;
             if (py::isinstance<py::bytes>(message)) {
               const std::string data = message.cast<std::string>();
               py::gil_scoped_release release;
               rc = wzp_fc_manager_receive_bincode(h->get(), data_of(data), data.size());
             } else {
               const std::string json = dumps(message);
               py::gil_scoped_release release;
               rc = wzp_fc_manager_receive(h->get(), json.data(), json.size());
             }
             check(rc);
           })
      .def("advance",
           [](PyManager& m, int64_t now_ms) { check(wzp_fc_manager_advance(live(m)->get(), now_ms)); })
      .def("call",
           [](PyManager& m, const std::string& id) {
             char* out = nullptr;
             check(wzp_fc_manager_call_json(live(m)->get(), c_text(id, "call_id"), &out));
             return loads(take_string(out));
           })
      .def("live_calls",
           [](PyManager& m) {
             char* out = nullptr;
             check(wzp_fc_manager_live_calls_json(live(m)->get(), &out));
             return loads(take_string(out));
           })
      .def("history",
           [](PyManager& m) {
             char* out = nullptr;
             check(wzp_fc_manager_history_json(live(m)->get(), &out));
             return loads(take_string(out));
           })
      .def("stats",
           [](PyManager& m) {
             wzp_fc_manager_stats s;
             wzp_fc_manager_stats_init(&s);
             check(wzp_fc_manager_stats_get(live(m)->get(), &s));
             py::dict d;
#define WZP_STAT(name) d[#name] = s.name
             WZP_STAT(signals);
             WZP_STAT(duplicates);
             WZP_STAT(late);
             WZP_STAT(foreign);
             WZP_STAT(malformed);
             WZP_STAT(glare);
             WZP_STAT(busy);
             WZP_STAT(sent);
             WZP_STAT(live_calls);
             WZP_STAT(media_joined);
             WZP_STAT(media_failed);
             WZP_STAT(events_dropped);
#undef WZP_STAT
             return d;
           })
      .def("next_event",
           [](PyManager& m, std::optional<double> timeout) -> py::object {
             const int ms = timeout ? static_cast<int>(*timeout * 1000.0) : -1;
             wzp_fc_event e;
             wzp_fc_event_init(&e);
             const auto h = live(m);
             int rc;
             {
               py::gil_scoped_release release;
               rc = wzp_fc_manager_next_event(h->get(), &e, ms);
             }
             if (rc == WZP_ERR_TIMEOUT || rc == WZP_ERR_WOULD_BLOCK) return py::none();
             check(rc);
             py::dict d = event_dict(e);
             wzp_fc_event_clear(&e);
             return d;
           })
      .def("event_fd", [](PyManager& m) { return wzp_fc_manager_event_fd(live(m)->get()); })
      .def("media",
           [](PyManager& m, const std::string& id) {
             const auto h = live(m);
             std::lock_guard lock(m.mutex);
             if (auto it = m.media.find(id); it != m.media.end()) return it->second;
             wzp_call* call = nullptr;
             check(wzp_fc_manager_call_media(h->get(), c_text(id, "call_id"), &call, nullptr));
             auto py_call = std::make_shared<PyCall>();
             py_call->borrowed = call;
             py_call->keeper = h;
             m.media.emplace(id, py_call);
             return py_call;
           })
      .def("release_media",
           [](PyManager& m, const std::string& id) {
             {
               std::lock_guard lock(m.mutex);
               if (auto it = m.media.find(id); it != m.media.end()) {
                 it->second->borrowed = nullptr;
                 m.media.erase(it);
               }
             }
             call_op(m, id, wzp_fc_manager_release_media);
           })
      .def("close", [](PyManager& m) {
        // The calls' media views go dead (later calls raise); the manager is freed (without the
        // GIL) once neither an operation on another thread nor a Call object still holds it.
        std::shared_ptr<Manager> last;
        {
          std::lock_guard lock(m.mutex);
          for (auto& [id, call] : m.media) call->borrowed = nullptr;
          m.media.clear();
          last = std::move(m.handle);
        }
      });
}

}  // namespace wzp_py

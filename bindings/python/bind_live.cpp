// Low-level bindings of the relay and the client (wzp._wzp._Relay / _Client).
// The Python classes wzp.Relay and wzp.Client in live.py wrap them.
#include <initializer_list>
#include <optional>
#include <string>

#include "bindings_common.hpp"
#include "py_handles.hpp"

namespace wzp_py {
namespace {

// Calls that may wait for a loop thread run without the GIL: the loop thread may
// need it meanwhile (a Python log callback), and other Python threads go on.
template <class F>
int nogil(F call) {
  py::gil_scoped_release release;
  return call();
}

py::object opt_str(const char* s) { return s ? py::object(py::str(s)) : py::object(py::none()); }

const char* origin_name(wzp_close_origin origin) {
  static const char* origins[] = {"peer", "local", "idle", "transport"};
  return origin <= WZP_CLOSED_TRANSPORT ? origins[origin] : "transport";
}

// The client's close as a dict, or None while it is not closed.
py::object last_close(wzp_client* client) {
  wzp_close_info info;
  wzp_close_info_init(&info);
  if (wzp_client_last_close(client, &info) != WZP_OK) return py::none();
  py::dict d;
  d["code"] = info.code;
  d["code_name"] = wzp_close_code_name(info.code);
  d["origin"] = origin_name(info.origin);
  d["reason"] = py::str(info.reason);
  return d;
}

py::dict event_dict(const wzp_event& ev) {
  py::dict d;
  d["type"] = wzp_event_type_name(ev.type);
  d["connection_id"] = ev.connection_id;
  d["state"] = wzp_client_state_name(ev.state);
  d["room"] = opt_str(ev.room);
  d["fingerprint"] = opt_str(ev.fingerprint);
  d["data"] = ev.data ? to_bytes(ev.data, ev.data_len) : py::bytes();
  bool closing = ev.type == WZP_EVENT_LEFT || ev.type == WZP_EVENT_REJECTED || ev.type == WZP_EVENT_CLOSED ||
                 ev.type == WZP_EVENT_PEER_LEFT;
  d["close_code"] = closing ? py::object(py::int_(ev.close_code)) : py::object(py::none());
  d["close_code_name"] = closing ? opt_str(wzp_close_code_name(ev.close_code)) : py::object(py::none());
  d["close_origin"] = closing ? py::object(py::str(origin_name(ev.close_origin))) : py::object(py::none());
  d["close_reason"] = opt_str(ev.close_reason);
  d["alias"] = opt_str(ev.alias);
  bool presence = ev.type == WZP_EVENT_PRESENCE;
  d["online"] = presence ? py::object(py::bool_(ev.online != 0)) : py::object(py::none());
  d["relay_addr"] = presence ? opt_str(ev.relay_addr) : py::object(py::none());
  const bool media = ev.type == WZP_EVENT_MEDIA, call_profile = ev.type == WZP_EVENT_CALL_PROFILE;
  d["source"] = media || call_profile ? py::object(py::int_(ev.source)) : py::object(py::none());
  d["call_profile"] = call_profile ? py::object(profile_dict(ev.call_profile)) : py::object(py::none());
  static constexpr const char* kStates[] = {"no_key",         "ok",    "missing_key",
                                            "decrypt_failed", "clear", "unauthorised"};
  const bool e2e = ev.type == WZP_EVENT_CALL_E2E && ev.e2e_state >= 0 && ev.e2e_state <= 5;
  d["e2e_state"] = e2e ? py::object(py::str(kStates[ev.e2e_state])) : py::object(py::none());
  return d;
}

// Waits with the GIL released; returns a dict, or None when nothing came (a timeout, or
// nothing queued for a zero timeout). Raises for CLOSED.
template <class Next>
py::object next_event(Next next, std::optional<double> timeout) {
  int ms = timeout ? static_cast<int>(*timeout * 1000.0) : -1;
  wzp_event ev;
  wzp_event_init(&ev);
  int rc;
  {
    py::gil_scoped_release release;
    rc = next(&ev, ms);
  }
  if (rc == WZP_ERR_TIMEOUT || rc == WZP_ERR_WOULD_BLOCK) return py::none();
  check(rc);
  py::dict d = event_dict(ev);
  wzp_event_clear(&ev);
  return d;
}

// A config dict from live.py, which checks types and ranges first; these checks name the
// field too, for callers of the private classes.
template <class T>
T get_or(const py::dict& d, const char* key, T fallback) {
  if (!d.contains(key) || d[key].is_none()) return fallback;
  try {
    return d[key].cast<T>();
  } catch (const py::cast_error&) {
    throw py::type_error(std::string("config field '") + key + "' has the wrong type (" +
                         std::string(py::str(py::type::of(d[key]).attr("__name__"))) + ")");
  }
}

std::optional<std::string> get_str(const py::dict& d, const char* key) {
  if (!d.contains(key) || d[key].is_none()) return std::nullopt;
  return get_or<std::string>(d, key, {});
}

// A key this build does not know is refused, not ignored: a setting silently dropped could
// be a security setting (an access-list mode, a pin).
void refuse_unknown(const py::dict& d, std::initializer_list<const char*> known) {
  for (auto item : d) {
    auto key = item.first.cast<std::string>();
    bool found = false;
    for (const char* k : known) found = found || key == k;
    if (!found) throw py::type_error("unknown config field '" + key + "'");
  }
}

}  // namespace

void bind_live(py::module_& m) {
  py::class_<RelayHandle, std::shared_ptr<RelayHandle>>(m, "_Relay")
      .def(py::init([](const py::dict& cfg) {
        refuse_unknown(cfg, {"host",
                             "port",
                             "identity",
                             "identity_file",
                             "cert_file",
                             "key_file",
                             "auth_url",
                             "auth_timeout_ms",
                             "allow_identity_mismatch",
                             "require_session_v2",
                             "max_sessions",
                             "max_room_size",
                             "phase_timeout_ms",
                             "idle_timeout_ms",
                             "acl_enabled",
                             "acl_file",
                             "acl_default_deny",
                             "event_queue_capacity",
                             "sender_datagrams_per_s",
                             "sender_burst_datagrams",
                             "sender_bytes_per_s",
                             "max_handshakes",
                             "handshake_timeout_ms",
                             "auth_max_pending",
                             "auth_max_pending_per_address",
                             "probe_targets",
                             "advertise",
                             "mesh_peers",
                             "mesh_open",
                             "presence_ttl_s",
                             "presence_redis",
                             "metrics_port",
                             "metrics_bind",
                             "http_token",
                             "http_admin_token",
                             "trusted_bridges",
                             "trunking",
                             "threads"});
        wzp_relay_config c;
        wzp_relay_config_init(&c);
        auto host = get_or<std::string>(cfg, "host", "127.0.0.1");
        auto identity_file = get_str(cfg, "identity_file");
        auto cert = get_str(cfg, "cert_file"), key = get_str(cfg, "key_file");
        auto auth = get_str(cfg, "auth_url"), acl = get_str(cfg, "acl_file");
        auto presence_redis = get_str(cfg, "presence_redis");
        auto metrics_bind = get_str(cfg, "metrics_bind"), http_token = get_str(cfg, "http_token");
        auto http_admin_token = get_str(cfg, "http_admin_token");
        c.listen_host = host.c_str();
        c.listen_port = get_or<uint16_t>(cfg, "port", 0);
        std::shared_ptr<Identity> identity;
        if (cfg.contains("identity") && !cfg["identity"].is_none()) {
          identity = cfg["identity"].cast<std::shared_ptr<Identity>>();
          c.identity = identity->get();
        }
        c.identity_file = identity_file ? identity_file->c_str() : nullptr;
        c.cert_file = cert ? cert->c_str() : nullptr;
        c.key_file = key ? key->c_str() : nullptr;
        c.auth_url = auth ? auth->c_str() : nullptr;
        c.auth_timeout_ms = get_or<uint32_t>(cfg, "auth_timeout_ms", c.auth_timeout_ms);
        c.allow_identity_mismatch = get_or<bool>(cfg, "allow_identity_mismatch", false) ? 1 : 0;
        c.require_session_v2 = get_or<bool>(cfg, "require_session_v2", false) ? 1 : 0;
        c.max_sessions = get_or<uint32_t>(cfg, "max_sessions", c.max_sessions);
        c.max_room_size = get_or<uint32_t>(cfg, "max_room_size", 0);
        c.phase_timeout_ms = get_or<uint32_t>(cfg, "phase_timeout_ms", c.phase_timeout_ms);
        c.idle_timeout_ms = get_or<uint32_t>(cfg, "idle_timeout_ms", c.idle_timeout_ms);
        c.acl_enabled = get_or<bool>(cfg, "acl_enabled", false) ? 1 : 0;
        c.acl_file = acl ? acl->c_str() : nullptr;
        c.acl_default_deny = get_or<bool>(cfg, "acl_default_deny", false) ? 1 : 0;
        c.event_queue_capacity = get_or<size_t>(cfg, "event_queue_capacity", c.event_queue_capacity);
        c.sender_datagrams_per_s = get_or<uint32_t>(cfg, "sender_datagrams_per_s", c.sender_datagrams_per_s);
        c.sender_burst_datagrams = get_or<uint32_t>(cfg, "sender_burst_datagrams", c.sender_burst_datagrams);
        c.sender_bytes_per_s = get_or<uint32_t>(cfg, "sender_bytes_per_s", c.sender_bytes_per_s);
        c.max_handshakes = get_or<uint32_t>(cfg, "max_handshakes", c.max_handshakes);
        c.threads = get_or<uint32_t>(cfg, "threads", c.threads);
        c.handshake_timeout_ms = get_or<uint32_t>(cfg, "handshake_timeout_ms", c.handshake_timeout_ms);
        c.auth_max_pending = get_or<uint32_t>(cfg, "auth_max_pending", c.auth_max_pending);
        c.auth_max_pending_per_address =
            get_or<uint32_t>(cfg, "auth_max_pending_per_address", c.auth_max_pending_per_address);
        auto probe_targets = get_or<std::vector<std::string>>(cfg, "probe_targets", {});
        auto mesh_peers = get_or<std::vector<std::string>>(cfg, "mesh_peers", {});
        auto trusted_bridges = get_or<std::vector<std::string>>(cfg, "trusted_bridges", {});
        auto advertise = get_str(cfg, "advertise");
        std::vector<const char*> probe_ptrs, peer_ptrs, bridge_ptrs;
        for (const auto& t : probe_targets) probe_ptrs.push_back(t.c_str());
        for (const auto& b : trusted_bridges) bridge_ptrs.push_back(b.c_str());
        c.trusted_bridges = bridge_ptrs.data();
        c.trusted_bridge_count = bridge_ptrs.size();
        for (const auto& p : mesh_peers) peer_ptrs.push_back(p.c_str());
        c.probe_targets = probe_ptrs.data();
        c.probe_target_count = probe_ptrs.size();
        c.mesh_peers = peer_ptrs.data();
        c.mesh_peer_count = peer_ptrs.size();
        c.advertise = advertise ? advertise->c_str() : nullptr;
        c.mesh_open = get_or<bool>(cfg, "mesh_open", false) ? 1 : 0;
        c.presence_ttl_s = get_or<uint32_t>(cfg, "presence_ttl_s", c.presence_ttl_s);
        c.presence_redis = presence_redis ? presence_redis->c_str() : nullptr;
        // None: no HTTP API; 0: a free port (http_port tells which).
        if (cfg.contains("metrics_port") && !cfg["metrics_port"].is_none()) {
          c.metrics_port = cfg["metrics_port"].cast<uint16_t>();
          c.metrics_any_port = c.metrics_port == 0 ? 1 : 0;
        }
        c.metrics_bind = metrics_bind ? metrics_bind->c_str() : nullptr;
        c.http_token = http_token ? http_token->c_str() : nullptr;
        c.http_admin_token = http_admin_token ? http_admin_token->c_str() : nullptr;
        c.trunking = get_or<bool>(cfg, "trunking", false) ? 1 : 0;
        wzp_relay* h = nullptr;
        check(wzp_relay_new(&c, &h));
        return std::make_shared<RelayHandle>(h);
      }))
      .def("start",
           [](RelayHandle& r) {
             int rc;
             {
               py::gil_scoped_release release;
               rc = wzp_relay_start(r.get());
             }
             check(rc);
           })
      .def("stop",
           [](RelayHandle& r) {
             int rc;
             {
               py::gil_scoped_release release;
               rc = wzp_relay_stop(r.get());
             }
             check(rc);
           })
      .def_property_readonly("port",
                             [](const RelayHandle& r) {
                               uint16_t port = 0;
                               check(wzp_relay_port(r.get(), &port));
                               return port;
                             })
      .def_property_readonly("address",
                             [](const RelayHandle& r) {
                               char buf[64];
                               check(wzp_relay_address(r.get(), buf, sizeof buf));
                               return std::string(buf);
                             })
      .def_property_readonly("fingerprint",
                             [](const RelayHandle& r) {
                               char buf[WZP_FINGERPRINT_STR_LEN + 1];
                               check(wzp_relay_fingerprint(r.get(), buf, sizeof buf));
                               return std::string(buf);
                             })
      .def_property_readonly("cert_sha256",
                             [](const RelayHandle& r) {
                               uint8_t out[32];
                               check(wzp_relay_cert_sha256(r.get(), out));
                               return to_bytes(out, sizeof out);
                             })
      .def("stats",
           [](const RelayHandle& r) {
             wzp_relay_stats s;
             wzp_relay_stats_init(&s);
             check(wzp_relay_stats_get(r.get(), &s));
             py::dict d;
#define WZP_STAT(name) d[#name] = s.name
             WZP_STAT(connections_accepted);
             WZP_STAT(sessions_active);
             WZP_STAT(participants);
             WZP_STAT(rooms);
             WZP_STAT(auth_ok);
             WZP_STAT(auth_rejected);
             WZP_STAT(auth_unavailable);
             WZP_STAT(handshakes_ok);
             WZP_STAT(handshakes_failed);
             WZP_STAT(rejected_acl);
             WZP_STAT(rejected_full);
             WZP_STAT(rejected_timeout);
             WZP_STAT(rejected_malformed);
             WZP_STAT(rejected_identity);
             WZP_STAT(datagrams_received);
             WZP_STAT(datagrams_forwarded);
             WZP_STAT(datagrams_malformed);
             WZP_STAT(datagrams_dropped);
             WZP_STAT(bytes_forwarded);
             WZP_STAT(events_dropped);
             WZP_STAT(media_sessions_v2);
             WZP_STAT(media_sessions_reference);
             WZP_STAT(handshakes_in_progress);
             WZP_STAT(handshakes_refused);
             WZP_STAT(handshake_timeouts);
             WZP_STAT(retries_sent);
             WZP_STAT(stateless_resets_sent);
             WZP_STAT(tls_refused);
             WZP_STAT(datagrams_rate_limited);
             WZP_STAT(signal_streams_timed_out);
             WZP_STAT(auth_cancelled);
             WZP_STAT(membership_messages_sent);
             WZP_STAT(peer_signals_forwarded);
             WZP_STAT(peer_signals_dropped);
             WZP_STAT(datagrams_no_recipient);
             WZP_STAT(presence_local);
             WZP_STAT(presence_remote);
             WZP_STAT(presence_peers);
             WZP_STAT(presence_expired);
             WZP_STAT(gossip_in);
             WZP_STAT(gossip_out);
             WZP_STAT(gossip_refused_unauthenticated);
             WZP_STAT(gossip_refused_address);
             WZP_STAT(gossip_refused_full);
             WZP_STAT(mesh_auth_ok);
             WZP_STAT(mesh_auth_unlisted);
             WZP_STAT(mesh_auth_failed);
             WZP_STAT(probe_pings_sent);
             WZP_STAT(probe_pongs_received);
             WZP_STAT(probe_pongs_sent);
             WZP_STAT(probe_messages_malformed);
             WZP_STAT(trunk_frames_sent);
             WZP_STAT(trunk_packets_batched);
             WZP_STAT(acl_evicted);
             WZP_STAT(bridged_sessions);
             WZP_STAT(cross_loop_datagrams);
             WZP_STAT(cross_loop_dropped);
             WZP_STAT(packets_handed_over);
             WZP_STAT(handover_dropped);
             WZP_STAT(threads);
#undef WZP_STAT
             return d;
           })
      .def("acl_json",
           [](const RelayHandle& r) {
             char* out = nullptr;
             check(nogil([&] { return wzp_relay_acl_json(r.get(), &out); }));
             return take_string(out);
           })
      .def("rooms_json",
           [](const RelayHandle& r) {
             char* out = nullptr;
             check(nogil([&] { return wzp_relay_rooms_json(r.get(), &out); }));
             return take_string(out);
           })
      .def("lookup_json",
           [](const RelayHandle& r, const std::string& fingerprint) {
             char* out = nullptr;
             check(nogil([&] { return wzp_relay_lookup(r.get(), fingerprint.c_str(), &out); }));
             return take_string(out);
           })
      .def("presence_json",
           [](const RelayHandle& r) {
             char* out = nullptr;
             check(nogil([&] { return wzp_relay_presence_json(r.get(), &out); }));
             return take_string(out);
           })
      .def("peers_json",
           [](const RelayHandle& r) {
             char* out = nullptr;
             check(nogil([&] { return wzp_relay_peers_json(r.get(), &out); }));
             return take_string(out);
           })
      .def("mesh_json",
           [](const RelayHandle& r) {
             char* out = nullptr;
             check(nogil([&] { return wzp_relay_mesh_json(r.get(), &out); }));
             return take_string(out);
           })
      .def("metrics",
           [](const RelayHandle& r) {
             char* out = nullptr;
             check(nogil([&] { return wzp_relay_metrics(r.get(), &out); }));
             return take_string(out);
           })
      .def_property_readonly("http_port",
                             [](const RelayHandle& r) {
                               uint16_t port = 0;
                               check(wzp_relay_http_port(r.get(), &port));
                               return port;
                             })
      .def("acl_set_enabled",
           [](RelayHandle& r, bool on) {
             check(nogil([&] { return wzp_relay_acl_set_enabled(r.get(), on ? 1 : 0); }));
           })
      .def("acl_set_default_deny",
           [](RelayHandle& r, bool on) {
             check(nogil([&] { return wzp_relay_acl_set_default_deny(r.get(), on ? 1 : 0); }));
           })
      .def("acl_allow",
           [](RelayHandle& r, const std::string& room, const std::string& fp) {
             check(nogil([&] { return wzp_relay_acl_allow(r.get(), room.c_str(), fp.c_str()); }));
           })
      .def("acl_revoke",
           [](RelayHandle& r, const std::string& room, const std::string& fp) {
             check(nogil([&] { return wzp_relay_acl_revoke(r.get(), room.c_str(), fp.c_str()); }));
           })
      .def("acl_allow_room_name",
           [](RelayHandle& r, const std::string& name, const std::string& fp) {
             check(nogil([&] { return wzp_relay_acl_allow_room_name(r.get(), name.c_str(), fp.c_str()); }));
           })
      .def("acl_revoke_room_name",
           [](RelayHandle& r, const std::string& name, const std::string& fp) {
             check(nogil([&] { return wzp_relay_acl_revoke_room_name(r.get(), name.c_str(), fp.c_str()); }));
           })
      .def("acl_clear_room",
           [](RelayHandle& r, const std::string& room) {
             check(nogil([&] { return wzp_relay_acl_clear_room(r.get(), room.c_str()); }));
           })
      .def("acl_load_file",
           [](RelayHandle& r, const std::string& path) {
             check(nogil([&] { return wzp_relay_acl_load_file(r.get(), path.c_str()); }));
           })
      .def(
          "next_event",
          [](RelayHandle& r, std::optional<double> timeout) {
            return next_event([&](wzp_event* ev, int ms) { return wzp_relay_next_event(r.get(), ev, ms); },
                              timeout);
          },
          py::arg("timeout") = py::none())
      .def("event_fd", [](const RelayHandle& r) { return wzp_relay_event_fd(r.get()); });

  py::class_<LoopHandle, std::shared_ptr<LoopHandle>>(m, "_Loop")
      .def(py::init([] {
        wzp_loop* h = nullptr;
        check(wzp_loop_new(&h));
        return std::make_shared<LoopHandle>(h);
      }))
      .def_property_readonly("client_count",
                             [](const LoopHandle& l) { return wzp_loop_client_count(l.get()); });

  py::class_<ClientHandle, std::shared_ptr<ClientHandle>>(m, "_Client")
      .def(py::init([](const py::dict& cfg) {
        refuse_unknown(
            cfg, {"host", "port", "room", "raw_room", "token", "identity", "session_mode",
                  "require_session_v2", "pin_cert_sha256", "pin_relay_fingerprint", "handshake_timeout_ms",
                  "idle_timeout_ms", "event_queue_capacity", "accept_trunking", "loop"});
        wzp_client_config c;
        wzp_client_config_init(&c);
        auto host = get_or<std::string>(cfg, "host", "127.0.0.1");
        auto room = get_str(cfg, "room"), token = get_str(cfg, "token");
        c.relay_host = host.c_str();
        c.relay_port = get_or<uint16_t>(cfg, "port", 0);
        c.room = room ? room->c_str() : nullptr;
        c.raw_room = get_or<bool>(cfg, "raw_room", false) ? 1 : 0;
        c.token = token ? token->c_str() : nullptr;
        std::shared_ptr<Identity> identity;
        if (cfg.contains("identity") && !cfg["identity"].is_none()) {
          identity = cfg["identity"].cast<std::shared_ptr<Identity>>();
          c.identity = identity->get();
        }
        auto mode = get_or<std::string>(cfg, "session_mode", "v2");
        if (mode != "v2" && mode != "reference")
          throw py::value_error("session_mode must be 'v2' or 'reference'");
        c.session_mode = mode == "v2" ? WZP_SESSION_V2 : WZP_SESSION_REFERENCE;
        c.require_session_v2 = get_or<bool>(cfg, "require_session_v2", false) ? 1 : 0;
        std::string cert_pin, relay_pin;
        if (cfg.contains("pin_cert_sha256") && !cfg["pin_cert_sha256"].is_none()) {
          cert_pin = std::string(exact(cfg["pin_cert_sha256"].cast<py::bytes>(), 32, "pin_cert_sha256"));
          c.pin_cert_sha256 = data_of(cert_pin);
        }
        if (cfg.contains("pin_relay_fingerprint") && !cfg["pin_relay_fingerprint"].is_none()) {
          relay_pin =
              std::string(exact(cfg["pin_relay_fingerprint"].cast<py::bytes>(), 16, "pin_relay_fingerprint"));
          c.pin_relay_fingerprint = data_of(relay_pin);
        }
        c.handshake_timeout_ms = get_or<uint32_t>(cfg, "handshake_timeout_ms", c.handshake_timeout_ms);
        c.idle_timeout_ms = get_or<uint32_t>(cfg, "idle_timeout_ms", c.idle_timeout_ms);
        c.event_queue_capacity = get_or<size_t>(cfg, "event_queue_capacity", c.event_queue_capacity);
        c.accept_trunking = get_or<bool>(cfg, "accept_trunking", true) ? 1 : 0;
        std::shared_ptr<LoopHandle> loop;
        if (cfg.contains("loop") && !cfg["loop"].is_none()) {
          loop = cfg["loop"].cast<std::shared_ptr<LoopHandle>>();
          c.loop = loop->get();
        }
        wzp_client* h = nullptr;
        check(nogil([&] { return wzp_client_new(&c, &h); }));
        if (!loop) return std::make_shared<ClientHandle>(h);
        // The client keeps its loop alive, and is freed before it (declared last).
        struct ClientOnLoop {
          std::shared_ptr<LoopHandle> loop;
          ClientHandle client{nullptr};
        };
        auto owner = std::make_shared<ClientOnLoop>();
        owner->loop = std::move(loop);
        owner->client = ClientHandle(h);
        return std::shared_ptr<ClientHandle>(owner, &owner->client);
      }))
      .def("connect", [](ClientHandle& c) { check(nogil([&] { return wzp_client_connect(c.get()); })); })
      .def(
          "wait_joined",
          [](ClientHandle& c, std::optional<double> timeout) {
            int ms = timeout ? static_cast<int>(*timeout * 1000.0) : -1;
            int rc;
            {
              py::gil_scoped_release release;
              rc = wzp_client_wait_joined(c.get(), ms);
            }
            if (rc == WZP_OK) return;
            std::string message = wzp_last_error();
            // A close (not the wait's own timeout): the exception carries its code and origin.
            py::object close = last_close(c.get());
            if (close.is_none()) raise_status(rc, message, py::none(), py::none());
            raise_status(rc, message, close["code"], close["origin"]);
          },
          py::arg("timeout") = py::none())
      .def("last_close", [](ClientHandle& c) { return last_close(c.get()); })
      .def_property_readonly("state",
                             [](const ClientHandle& c) {
                               return std::string(wzp_client_state_name(wzp_client_get_state(c.get())));
                             })
      .def("send_media",
           [](ClientHandle& c, const py::bytes& data) {
             auto v = view(data);
             check(wzp_client_send_media(c.get(), data_of(v), v.size()));
           })
      .def("send_signal",
           [](ClientHandle& c, const std::string& json) {
             check(nogil([&] { return wzp_client_send_signal(c.get(), json.data(), json.size()); }));
           })
      .def(
          "hangup",
          [](ClientHandle& c, const std::string& reason) {
            int rc;
            {
              py::gil_scoped_release release;
              rc = wzp_client_hangup(c.get(), reason.c_str());
            }
            check(rc);
          },
          py::arg("reason") = "Normal")
      .def("stats",
           [](const ClientHandle& c) {
             wzp_client_stats s;
             wzp_client_stats_init(&s);
             check(nogil([&] { return wzp_client_stats_get(c.get(), &s); }));
             py::dict d;
#define WZP_STAT(name) d[#name] = s.name
             WZP_STAT(rtt_us);
             WZP_STAT(min_rtt_us);
             WZP_STAT(datagrams_sent);
             WZP_STAT(datagrams_received);
             WZP_STAT(datagrams_lost);
             WZP_STAT(datagrams_dropped);
             WZP_STAT(signals_sent);
             WZP_STAT(signals_received);
             WZP_STAT(bytes_sent);
             WZP_STAT(bytes_received);
             WZP_STAT(events_dropped);
             WZP_STAT(trunk_frames_received);
             WZP_STAT(trunk_packets_unpacked);
             WZP_STAT(trunk_frames_malformed);
#undef WZP_STAT
             return d;
           })
      .def_property_readonly("relay_fingerprint",
                             [](const ClientHandle& c) -> py::object {
                               char buf[WZP_FINGERPRINT_STR_LEN + 1];
                               if (wzp_client_relay_fingerprint(c.get(), buf, sizeof buf) != WZP_OK)
                                 return py::none();
                               return py::str(buf);
                             })
      .def_property_readonly("media_session",
                             [](const ClientHandle& c) -> py::object {
                               wzp_session_mode mode;
                               if (wzp_client_media_session(c.get(), &mode) != WZP_OK) return py::none();
                               return py::str(mode == WZP_SESSION_V2 ? "v2" : "reference");
                             })
      .def("peers_json",
           [](const ClientHandle& c) {
             char* out = nullptr;
             check(nogil([&] { return wzp_client_peers_json(c.get(), &out); }));
             return take_string(out);
           })
      .def(
          "send_peer_signal",
          [](ClientHandle& c, const py::bytes& data, std::optional<std::string> to) {
            std::string payload(data);
            check(nogil([&] {
              return wzp_client_send_peer_signal(c.get(), to ? to->c_str() : nullptr, data_of(payload),
                                                 payload.size());
            }));
          },
          py::arg("data"), py::arg("to") = py::none())
      .def_property_readonly("sni",
                             [](const ClientHandle& c) {
                               char buf[256];
                               check(wzp_client_sni(c.get(), buf, sizeof buf));
                               return std::string(buf);
                             })
      .def(
          "next_event",
          [](ClientHandle& c, std::optional<double> timeout) {
            return next_event([&](wzp_event* ev, int ms) { return wzp_client_next_event(c.get(), ev, ms); },
                              timeout);
          },
          py::arg("timeout") = py::none())
      .def("event_fd", [](const ClientHandle& c) { return wzp_client_event_fd(c.get()); });

  // The library's config defaults, so the tests can hold the Python keyword defaults to them.
  m.def("_relay_config_defaults", [] {
    wzp_relay_config c;
    wzp_relay_config_init(&c);
    py::dict d;
    d["host"] = c.listen_host;
    d["port"] = c.listen_port;
    d["auth_timeout_ms"] = c.auth_timeout_ms;
    d["allow_identity_mismatch"] = c.allow_identity_mismatch != 0;
    d["max_sessions"] = c.max_sessions;
    d["max_room_size"] = c.max_room_size;
    d["phase_timeout_ms"] = c.phase_timeout_ms;
    d["idle_timeout_ms"] = c.idle_timeout_ms;
    d["acl_enabled"] = c.acl_enabled != 0;
    d["acl_default_deny"] = c.acl_default_deny != 0;
    d["event_queue_capacity"] = c.event_queue_capacity;
    d["require_session_v2"] = c.require_session_v2 != 0;
    d["sender_datagrams_per_s"] = c.sender_datagrams_per_s;
    d["sender_burst_datagrams"] = c.sender_burst_datagrams;
    d["sender_bytes_per_s"] = c.sender_bytes_per_s;
    d["max_handshakes"] = c.max_handshakes;
    d["handshake_timeout_ms"] = c.handshake_timeout_ms;
    d["auth_max_pending"] = c.auth_max_pending;
    d["auth_max_pending_per_address"] = c.auth_max_pending_per_address;
    d["mesh_open"] = c.mesh_open != 0;
    d["presence_ttl_s"] = c.presence_ttl_s;
    d["presence_redis"] = py::none();  // NULL: off
    d["trunking"] = c.trunking != 0;
    return d;
  });
  m.def("_client_config_defaults", [] {
    wzp_client_config c;
    wzp_client_config_init(&c);
    py::dict d;
    d["raw_room"] = c.raw_room != 0;
    d["session_mode"] = c.session_mode == WZP_SESSION_V2 ? "v2" : "reference";
    d["require_session_v2"] = c.require_session_v2 != 0;
    d["handshake_timeout_ms"] = c.handshake_timeout_ms;
    d["idle_timeout_ms"] = c.idle_timeout_ms;
    d["event_queue_capacity"] = c.event_queue_capacity;
    d["accept_trunking"] = c.accept_trunking != 0;
    return d;
  });

  m.def("log_set_level", &wzp_log_set_level, py::arg("level"),
        "Process-wide log level: 0 error, 1 warn, 2 info, 3 debug, 4 trace.");
}

}  // namespace wzp_py

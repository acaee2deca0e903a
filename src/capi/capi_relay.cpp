// C ABI: the relay.
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "capi/live_event.hpp"
#include "core/hex.hpp"
#include "relay/relay_server.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;

struct wzp_relay {
  relay::RelayConfig config;
  std::unique_ptr<capi::EventChannel> events;
  std::mutex mutex;  // start/stop/free and config changes before start
  std::unique_ptr<relay::RelayServer> server;
  std::atomic<bool> stopped{false};
};

namespace {

Result<std::string> read_text_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(Errc::io,
                      std::string("cannot read ") + what + " '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

// The relay's identity survives restarts through a seed file (64 hex digits);
// a missing file is created with a fresh random seed, readable by the owner only.
Result<crypto::Identity> load_or_create_identity(const std::string& path) {
  std::ifstream probe(path);
  if (!probe) {
    auto seed = crypto::Seed::random();
    std::string hex = seed.to_hex() + "\n";
    mode_t old = ::umask(077);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    ::umask(old);
    out << hex;
    crypto::wipe_bytes(hex);
    if (!out)
      return make_error(Errc::io, "cannot create identity file '" + path + "': " + std::strerror(errno));
    return crypto::Identity::from_seed(seed);
  }
  auto text = read_text_file(path, "identity file");
  if (!text) return std::move(text).error();
  std::string hex = trim(*text);
  crypto::wipe_bytes(*text);
  auto seed = crypto::Seed::from_hex(hex);
  crypto::wipe_bytes(hex);
  if (!seed) {
    auto e = seed.error();
    e.message = "identity file '" + path + "': " + e.message;
    return e;
  }
  return crypto::Identity::from_seed(*seed);
}

Result<std::map<std::string, std::set<std::string>>> load_acl(const std::string& path) {
  auto text = read_text_file(path, "ACL file");
  if (!text) return std::move(text).error();
  auto acl = relay::parse_acl_text(*text);
  if (!acl) {
    auto e = acl.error();
    e.message = "ACL file '" + path + "': " + e.message;
    return e;
  }
  return acl;
}

template <class T>
bool has(const wzp_relay_config* c, size_t offset, const T&) {
  return capi::config_has(c, offset, sizeof(T));
}
#define WZP_HAS(c, field) has(c, offsetof(wzp_relay_config, field), (c)->field)

capi::LiveEvent to_live(const relay::RelayEvent& e) {
  capi::LiveEvent out;
  switch (e.type) {
    case relay::RelayEventType::joined: out.type = WZP_EVENT_JOINED; break;
    case relay::RelayEventType::left: out.type = WZP_EVENT_LEFT; break;
    case relay::RelayEventType::rejected: out.type = WZP_EVENT_REJECTED; break;
  }
  out.connection_id = e.connection;
  if (!e.room.empty()) out.room = e.room;
  out.fingerprint = e.fingerprint;
  if (e.type != relay::RelayEventType::joined) out.close = e.close;
  return out;
}

}  // namespace

extern "C" {

void wzp_relay_config_init(wzp_relay_config* config) {
  if (config == nullptr) return;
  std::memset(config, 0, sizeof *config);
  config->struct_size = sizeof *config;
  config->listen_host = "0.0.0.0";
  config->listen_port = 4433;
  config->auth_timeout_ms = 5000;
  config->max_sessions = 100;
  config->phase_timeout_ms = 10'000;
  config->idle_timeout_ms = 30'000;
  config->event_queue_capacity = 1024;
  const relay::SenderRateLimit rate;
  config->sender_datagrams_per_s = rate.datagrams_per_s;
  config->sender_burst_datagrams = rate.burst_datagrams;
  config->sender_bytes_per_s = rate.bytes_per_s;
}

int wzp_relay_new(const wzp_relay_config* config, wzp_relay** out) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(out);
    wzp_relay_config c;
    wzp_relay_config_init(&c);
    if (config != nullptr) {
      if (config->struct_size == 0 || config->struct_size > sizeof c) {
        return fail(Errc::invalid_argument,
                    "wzp_relay_config.struct_size is not set (use wzp_relay_config_init)");
      }
      std::memcpy(&c, config,
                  config->struct_size);  // fields a shorter (older) struct lacks keep their defaults
    }
    auto relay = std::make_unique<wzp_relay>();
    auto& rc = relay->config;
    rc.listen_host = c.listen_host ? c.listen_host : "0.0.0.0";
    rc.listen_port = c.listen_port;
    if (c.identity != nullptr) {
      rc.identity = c.identity->identity;
    } else if (c.identity_file != nullptr) {
      auto id = load_or_create_identity(c.identity_file);
      if (!id) return fail(id.error());
      rc.identity = std::move(*id);
    } else {
      rc.identity = crypto::Identity::from_seed(crypto::Seed::random());
    }
    if ((c.cert_file == nullptr) != (c.key_file == nullptr)) {
      return fail(Errc::invalid_argument, "cert_file and key_file go together");
    }
    if (c.cert_file != nullptr) {
      auto creds = transport::TlsCredentials::from_pem_files(c.cert_file, c.key_file);
      if (!creds) return fail(creds.error());
      rc.credentials = *creds;
    }
    if (c.auth_url != nullptr && c.auth_url[0] != '\0') rc.auth_url = c.auth_url;
    if (c.auth_timeout_ms != 0) rc.auth_timeout_ms = c.auth_timeout_ms;
    rc.allow_identity_mismatch = c.allow_identity_mismatch != 0;
    if (c.max_sessions == 0) return fail(Errc::invalid_argument, "max_sessions must be at least 1");
    rc.max_sessions = c.max_sessions;
    rc.max_room_size = c.max_room_size;
    if (c.phase_timeout_ms != 0) rc.phase_timeout_ms = c.phase_timeout_ms;
    if (c.idle_timeout_ms != 0) rc.transport.idle_timeout_ms = c.idle_timeout_ms;
    rc.acl_enabled = c.acl_enabled != 0;
    if (c.acl_file != nullptr) {
      auto acl = load_acl(c.acl_file);
      if (!acl) return fail(acl.error());
      rc.acl = std::move(*acl);
      rc.acl_enabled = true;
    }
    rc.sender_rate = {c.sender_datagrams_per_s, c.sender_burst_datagrams, c.sender_bytes_per_s};
    relay->events = std::make_unique<capi::EventChannel>(c.callback, c.user_data, c.event_queue_capacity);
    *out = relay.release();
    return WZP_OK;
  });
}

int wzp_relay_start(wzp_relay* relay) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    std::lock_guard lock(relay->mutex);
    if (relay->server || relay->stopped) return fail(Errc::invalid_state, "the relay was already started");
    auto* events = relay->events.get();
    auto server = relay::RelayServer::start(
        relay->config, [events](const relay::RelayEvent& e) { events->deliver(to_live(e)); });
    if (!server) return fail(server.error());
    relay->server = std::move(*server);
    return WZP_OK;
  });
}

int wzp_relay_stop(wzp_relay* relay) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    std::lock_guard lock(relay->mutex);
    if (relay->server) relay->server->stop();
    relay->stopped = true;
    relay->events->finish();
    return WZP_OK;
  });
}

void wzp_relay_free(wzp_relay* relay) {
  if (relay == nullptr) return;
  wzp_relay_stop(relay);
  std::unique_ptr<wzp_relay> owned(relay);
}

int wzp_relay_port(const wzp_relay* relay, uint16_t* out_port) {
  WZP_CAPI_REQUIRE(relay);
  WZP_CAPI_REQUIRE(out_port);
  if (!relay->server) return fail(Errc::invalid_state, "the relay is not started");
  *out_port = relay->server->port();
  return WZP_OK;
}

int wzp_relay_fingerprint(const wzp_relay* relay, char* buf, size_t buf_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    return capi::copy_c_string(relay->config.identity.fingerprint().to_display(), buf, buf_len);
  });
}

int wzp_relay_cert_sha256(const wzp_relay* relay, uint8_t out[32]) {
  WZP_CAPI_REQUIRE(relay);
  WZP_CAPI_REQUIRE(out);
  if (!relay->server) return fail(Errc::invalid_state, "the relay is not started");
  std::memcpy(out, relay->server->certificate_sha256().data(), 32);
  return WZP_OK;
}

int wzp_relay_stats_get(const wzp_relay* relay, wzp_relay_stats* out) {
  WZP_CAPI_REQUIRE(relay);
  WZP_CAPI_REQUIRE(out);
  if (out->struct_size == 0 || out->struct_size > sizeof *out) {
    return fail(Errc::invalid_argument, "wzp_relay_stats.struct_size must be set to sizeof(wzp_relay_stats)");
  }
  wzp_relay_stats s{};
  s.struct_size = out->struct_size;
  if (relay->server) {
    const auto& c = relay->server->counters();
    auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    s.connections_accepted = get(c.connections_accepted);
    s.sessions_active = get(c.sessions_active);
    s.participants = get(c.participants);
    s.rooms = get(c.rooms);
    s.auth_ok = get(c.auth_ok);
    s.auth_rejected = get(c.auth_rejected);
    s.auth_unavailable = get(c.auth_unavailable);
    s.handshakes_ok = get(c.handshakes_ok);
    s.handshakes_failed = get(c.handshakes_failed);
    s.rejected_acl = get(c.rejected_acl);
    s.rejected_full = get(c.rejected_full);
    s.rejected_timeout = get(c.rejected_timeout);
    s.rejected_malformed = get(c.rejected_malformed);
    s.rejected_identity = get(c.rejected_identity);
    s.datagrams_received = get(c.datagrams_received);
    s.datagrams_forwarded = get(c.datagrams_forwarded);
    s.datagrams_malformed = get(c.datagrams_malformed);
    s.datagrams_dropped = get(c.datagrams_dropped);
    s.bytes_forwarded = get(c.bytes_forwarded);
    s.tls_refused = get(c.tls_refused);
    s.datagrams_rate_limited = get(c.datagrams_rate_limited);
    s.signal_streams_timed_out = get(c.signal_streams_timed_out);
    s.auth_cancelled = get(c.auth_cancelled);
  }
  s.events_dropped = relay->events->dropped();
  std::memcpy(out, &s, out->struct_size);
  return WZP_OK;
}

int wzp_relay_acl_set_enabled(wzp_relay* relay, int enabled) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    std::lock_guard lock(relay->mutex);
    relay->config.acl_enabled = enabled != 0;
    if (relay->server) relay->server->set_acl_enabled(enabled != 0);
    return WZP_OK;
  });
}

int wzp_relay_acl_allow(wzp_relay* relay, const char* room, const char* fingerprint) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    WZP_CAPI_REQUIRE(room);
    WZP_CAPI_REQUIRE(fingerprint);
    std::lock_guard lock(relay->mutex);
    relay->config.acl[room].insert(fingerprint);
    if (relay->server) relay->server->acl_allow(room, fingerprint);
    return WZP_OK;
  });
}

int wzp_relay_acl_revoke(wzp_relay* relay, const char* room, const char* fingerprint) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    WZP_CAPI_REQUIRE(room);
    WZP_CAPI_REQUIRE(fingerprint);
    std::lock_guard lock(relay->mutex);
    auto it = relay->config.acl.find(room);
    if (it != relay->config.acl.end()) it->second.erase(fingerprint);
    if (relay->server) relay->server->acl_revoke(room, fingerprint);
    return WZP_OK;
  });
}

int wzp_relay_acl_load_file(wzp_relay* relay, const char* path) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    WZP_CAPI_REQUIRE(path);
    auto acl = load_acl(path);
    if (!acl) return fail(acl.error());
    std::lock_guard lock(relay->mutex);
    relay->config.acl = *acl;
    if (relay->server) relay->server->acl_replace(std::move(*acl));
    return WZP_OK;
  });
}

int wzp_relay_rooms_json(const wzp_relay* relay, char** out_json) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    nlohmann::ordered_json rooms = nlohmann::ordered_json::array();
    if (relay->server) {
      for (const auto& room : relay->server->rooms()) {
        nlohmann::ordered_json members = nlohmann::ordered_json::array();
        for (const auto& p : room.participants) {
          nlohmann::ordered_json m;
          m["id"] = p.id;
          m["connection"] = p.connection;
          m["fingerprint"] = p.fingerprint;
          m["token_fingerprint"] =
              p.token_fingerprint ? nlohmann::ordered_json(*p.token_fingerprint) : nullptr;
          m["remote"] = p.remote;
          m["datagrams_rate_limited"] = p.datagrams_rate_limited;
          m["signal_bytes_buffered"] = p.signal_bytes_buffered;
          members.push_back(std::move(m));
        }
        rooms.push_back({{"room", room.room}, {"participants", std::move(members)}});
      }
    }
    return capi::give_string(rooms.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
                             out_json);
  });
}

int wzp_relay_next_event(wzp_relay* relay, wzp_event* event, int timeout_ms) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    return relay->events->next(event, timeout_ms);
  });
}

int wzp_relay_event_fd(const wzp_relay* relay) {
  if (relay == nullptr) return capi::null_argument("relay");
  return relay->events->fd();
}

}  // extern "C"

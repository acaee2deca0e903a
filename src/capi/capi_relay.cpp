// C ABI: the relay.
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <vector>

#include "capi/abi_history.hpp"
#include "capi/acl_change.hpp"
#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "capi/live_event.hpp"
#include "capi/struct_prefix.hpp"
#include "core/c_boundary.hpp"
#include "core/hex.hpp"
#include "core/log.hpp"
#include "crypto/fingerprint.hpp"
#include "relay/acl_json.hpp"
#include "relay/identity_file.hpp"
#include "relay/presence_json.hpp"
#include "relay/redis_url.hpp"
#include "relay/relay_server.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;

// Threading. `mutex` guards the lifecycle state, the pre-start config and the
// server pointer, and is never held while calling into the server (whose loop
// runs user callbacks that may call back into this handle). `stop_mutex` only
// makes concurrent stops wait for each other; callbacks cannot take it (stop and
// free are refused inside the handle's own callback).
struct wzp_relay {
  enum class State { idle, starting, started, stopped };

  std::unique_ptr<capi::EventChannel> events;
  std::string fingerprint;  // display form, immutable

  mutable std::mutex mutex;            // also taken by const queries (wzp_relay_acl_json)
  std::condition_variable started_cv;  // leaves State::starting
  State state = State::idle;
  relay::RelayConfig config;                         // owner of the ACL until started
  std::vector<capi::AclChange> pending;              // ACL changes made while starting
  std::thread::id starting_thread;                   // the thread inside wzp_relay_start
  std::unique_ptr<relay::RelayServer> owner;         // set once at start, destroyed by free
  std::atomic<relay::RelayServer*> server{nullptr};  // published once started

  std::mutex stop_mutex;

  relay::RelayServer* live() const noexcept { return server.load(std::memory_order_acquire); }
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

Result<relay::AccessList::Rooms> load_acl(const std::string& path) {
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

// A validated (room, fingerprint) entry, or the first problem with it.
Result<std::pair<std::string, std::string>> acl_entry(Result<std::string> room, const char* fingerprint) {
  if (!room) return std::move(room).error();
  auto fp = relay::parse_acl_fingerprint(fingerprint);
  if (!fp) return std::move(fp).error();
  return std::pair{std::move(*room), std::move(*fp)};
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
    case relay::RelayEventType::presence: out.type = WZP_EVENT_PRESENCE; break;
  }
  out.connection_id = e.connection;
  if (!e.room.empty()) out.room = e.room;
  out.fingerprint = e.fingerprint;
  if (e.type == relay::RelayEventType::left || e.type == relay::RelayEventType::rejected) out.close = e.close;
  out.online = e.online;
  out.relay_addr = e.relay_addr;
  return out;
}

wzp_relay_config relay_defaults() {
  wzp_relay_config c{};
  c.struct_size = sizeof c;
  c.listen_host = "0.0.0.0";
  c.listen_port = 4433;
  c.auth_timeout_ms = 5000;
  c.max_sessions = 100;
  c.phase_timeout_ms = 10'000;
  c.idle_timeout_ms = 30'000;
  c.event_queue_capacity = 1024;
  const relay::SenderRateLimit rate;
  c.sender_datagrams_per_s = rate.datagrams_per_s;
  c.sender_burst_datagrams = rate.burst_datagrams;
  c.sender_bytes_per_s = rate.bytes_per_s;
  const relay::RelayConfig defaults;
  c.max_handshakes = static_cast<uint32_t>(defaults.max_handshakes);
  c.handshake_timeout_ms = defaults.handshake_timeout_ms;
  c.auth_max_pending = static_cast<uint32_t>(defaults.max_auth_pending);
  c.auth_max_pending_per_address = static_cast<uint32_t>(defaults.max_auth_pending_per_address);
  c.presence_ttl_s = defaults.presence_ttl_s;
  c.metrics_bind = "127.0.0.1";
  c.threads = 1;
  return c;
}

// JSON that `answer` makes of the running relay (nullptr before the start), handed out.
template <class Answer>
int relay_json(const wzp_relay* relay, char** out_json, Answer answer) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(relay);
    return capi::give_string(answer(relay->live()), out_json);
  });
}

enum class AclEdit { allow, revoke };

// One entry added or removed: the room as the caller wrote it (`plain_name`: a room name to
// hash, else a room hash or "sni:" room), the fingerprint validated first.
int edit_acl(wzp_relay* relay, const char* room, bool plain_name, const char* fingerprint, AclEdit edit) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    WZP_CAPI_REQUIRE(room);
    WZP_CAPI_REQUIRE(fingerprint);
    auto entry =
        acl_entry(plain_name ? relay::acl_room_of_name(room) : relay::parse_acl_room(room), fingerprint);
    if (!entry) return fail(entry.error());
    return capi::change_acl(relay, {[edit, e = std::move(*entry)](relay::AccessList& acl) {
                              if (edit == AclEdit::allow) {
                                acl.allow(e.first, e.second);
                              } else {
                                acl.revoke(e.first, e.second);
                              }
                            }});
  });
}

}  // namespace

// Applies an ACL change to its one owner: the pre-start config, the list of
// changes made while starting, or the running server (without holding the lock,
// so a callback on the loop thread may do this while another thread stops the relay).
int capi::change_acl(wzp_relay* relay, AclChange change) {
  relay::RelayServer* server = nullptr;
  {
    std::lock_guard lock(relay->mutex);
    switch (relay->state) {
      case wzp_relay::State::idle: change.apply(relay->config); return WZP_OK;
      case wzp_relay::State::starting: relay->pending.push_back(std::move(change)); return WZP_OK;
      case wzp_relay::State::started:
      case wzp_relay::State::stopped: server = relay->owner.get(); break;
    }
  }
  if (server != nullptr) change.apply(*server);  // a relay whose start failed and was stopped has none
  return WZP_OK;
}

relay::AccessList capi::acl_snapshot(const wzp_relay* relay) {
  {
    std::lock_guard lock(relay->mutex);
    // Before the start, and while starting (with the changes kept for then), the config owns it.
    if (relay->state == wzp_relay::State::idle || relay->state == wzp_relay::State::starting ||
        relay->owner == nullptr) {
      relay::AccessList acl = relay->config.acl;
      for (const auto& change : relay->pending) change.change(acl);
      return acl;
    }
  }
  return relay->owner->acl();  // set once started, destroyed only by free
}

extern "C" {

void wzp_relay_config_init_sized(wzp_relay_config* config, size_t size) {
  if (config == nullptr || size < sizeof config->struct_size) return;
  capi::write_prefix(config, size, relay_defaults());
}

void(wzp_relay_config_init)(wzp_relay_config* config) {
  wzp_relay_config_init_sized(config, sizeof(capi::abi_v0_1::relay_config));
}

void wzp_relay_stats_init_sized(wzp_relay_stats* stats, size_t size) {
  if (stats == nullptr || size < sizeof stats->struct_size) return;
  capi::write_prefix(stats, size, wzp_relay_stats{});
}

int wzp_relay_new(const wzp_relay_config* config, wzp_relay** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(out);
    wzp_relay_config c = relay_defaults();
    if (config != nullptr) {
      if (config->struct_size < sizeof config->struct_size) {
        return fail(Errc::invalid_argument,
                    "wzp_relay_config.struct_size is not set (use wzp_relay_config_init)");
      }
      // Fields a shorter (older) struct lacks keep their defaults; a newer one's extra fields are ignored.
      c = capi::read_prefix(config, c);
      if (config->struct_size < sizeof(wzp_relay_config)) {
        WZP_LOG(info, "capi",
                "wzp_relay_config of " + std::to_string(config->struct_size) + " bytes (this library's is " +
                    std::to_string(sizeof(wzp_relay_config)) +
                    "): the fields it lacks take their defaults (a program built against an older wzp.h, or "
                    "one calling the unsized wzp_relay_config_init: rebuild it to set them)");
      }
    }
    auto relay = std::make_unique<wzp_relay>();
    auto& rc = relay->config;
    rc.listen_host = c.listen_host ? c.listen_host : "0.0.0.0";
    rc.listen_port = c.listen_port;
    if (c.identity != nullptr) {
      rc.identity = c.identity->identity;
    } else if (c.identity_file != nullptr) {
      auto seed = relay::load_or_create_seed_file(c.identity_file);
      if (!seed) return fail(seed.error());
      rc.identity = crypto::Identity::from_seed(*seed);
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
    rc.require_media_session_v2 = c.require_session_v2 != 0;
    if (c.max_sessions == 0) return fail(Errc::invalid_argument, "max_sessions must be at least 1");
    rc.max_sessions = c.max_sessions;
    rc.max_room_size = c.max_room_size;
    if (c.phase_timeout_ms != 0) rc.phase_timeout_ms = c.phase_timeout_ms;
    if (c.idle_timeout_ms != 0) rc.transport.idle_timeout_ms = c.idle_timeout_ms;
    rc.acl.set_enabled(c.acl_enabled != 0 || c.acl_default_deny != 0);
    rc.acl.set_default_deny(c.acl_default_deny != 0);
    if (c.acl_file != nullptr) {
      auto acl = load_acl(c.acl_file);
      if (!acl) return fail(acl.error());
      rc.acl.replace(std::move(*acl));
      rc.acl.set_enabled(true);
    }
    relay->fingerprint = rc.identity.fingerprint().to_display();
    rc.sender_rate = {c.sender_datagrams_per_s, c.sender_burst_datagrams, c.sender_bytes_per_s};
    rc.max_handshakes = c.max_handshakes;
    if (c.handshake_timeout_ms == 0)
      return fail(Errc::invalid_argument, "handshake_timeout_ms must be at least 1");
    rc.handshake_timeout_ms = c.handshake_timeout_ms;
    if (c.auth_max_pending == 0 || c.auth_max_pending_per_address == 0)
      return fail(Errc::invalid_argument,
                  "auth_max_pending and auth_max_pending_per_address must be at least 1");
    rc.max_auth_pending = c.auth_max_pending;
    if (c.metrics_any_port != 0) {
      rc.metrics_port = uint16_t{0};
    } else if (c.metrics_port != 0) {
      rc.metrics_port = c.metrics_port;
    }
    if (c.metrics_bind != nullptr && c.metrics_bind[0] != '\0') rc.metrics_bind = c.metrics_bind;
    if (c.http_token != nullptr) {
      if (c.http_token[0] == '\0') return fail(Errc::invalid_argument, "http_token is empty");
      rc.http_token = c.http_token;
    }
    if (c.http_admin_token != nullptr) {
      if (c.http_admin_token[0] == '\0') return fail(Errc::invalid_argument, "http_admin_token is empty");
      rc.http_admin_token = c.http_admin_token;
    }
    rc.max_auth_pending_per_address = c.auth_max_pending_per_address;
    auto targets = capi::string_list(c.probe_targets, c.probe_target_count, "probe_targets");
    if (!targets) return fail(targets.error());
    rc.probe_targets = std::move(*targets);
    auto mesh_peers = capi::string_list(c.mesh_peers, c.mesh_peer_count, "mesh_peers");
    if (!mesh_peers) return fail(mesh_peers.error());
    rc.mesh_peers = std::move(*mesh_peers);
    auto bridges = capi::string_list(c.trusted_bridges, c.trusted_bridge_count, "trusted_bridges");
    if (!bridges) return fail(bridges.error());
    for (const auto& text : *bridges) {
      if (!crypto::Fingerprint::parse(text))
        return fail(Errc::invalid_argument, "trusted_bridges: '" + text + "' is not a fingerprint");
    }
    rc.trusted_bridges = std::move(*bridges);
    if (c.advertise != nullptr) rc.advertise = c.advertise;
    rc.mesh_open = c.mesh_open != 0;
    if (c.presence_ttl_s != 0) rc.presence_ttl_s = c.presence_ttl_s;
    if (c.presence_redis != nullptr && c.presence_redis[0] != '\0') {
      auto url = relay::parse_redis_url(c.presence_redis);
      if (!url) return fail(url.error());
      rc.presence_redis = c.presence_redis;
    }
    rc.trunking = c.trunking != 0;
    if (c.threads > relay::kMaxRelayThreads) {
      return fail(Errc::invalid_argument, "threads: " + std::to_string(c.threads) +
                                              " is over the maximum of " +
                                              std::to_string(relay::kMaxRelayThreads));
    }
    rc.threads = c.threads;
    relay->events = std::make_unique<capi::EventChannel>(c.callback, c.user_data, c.event_queue_capacity);
    // The channel outlives the server (wzp_relay_free stops the server first).
    rc.events_dropped = [events = relay->events.get()] { return events->dropped(); };
    *out = relay.release();
    return WZP_OK;
  });
}

int wzp_relay_start(wzp_relay* relay) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    relay::RelayConfig config;
    {
      std::lock_guard lock(relay->mutex);
      if (relay->state != wzp_relay::State::idle)
        return fail(Errc::invalid_state, "the relay was already started");
      relay->state = wzp_relay::State::starting;
      relay->starting_thread = std::this_thread::get_id();
      config = relay->config;
    }
    // Started without the lock: the server's loop may already deliver events whose
    // callbacks call back into this handle (ACL changes made meanwhile are kept in
    // `pending` and applied below, in order).
    auto* events = relay->events.get();
    auto server = relay::RelayServer::start(
        std::move(config), [events](const relay::RelayEvent& e) { events->deliver(to_live(e)); });
    std::unique_lock lock(relay->mutex);
    if (!server) {
      for (const auto& change : relay->pending) change.apply(relay->config);
      relay->pending.clear();
      relay->state = wzp_relay::State::idle;
      relay->started_cv.notify_all();
      return fail(server.error());
    }
    relay->owner = std::move(*server);
    relay->config.acl = {};  // the server owns the ACL from now on
    while (!relay->pending.empty()) {
      auto batch = std::exchange(relay->pending, {});
      lock.unlock();
      for (const auto& change : batch) change.apply(*relay->owner);
      lock.lock();
    }
    relay->server.store(relay->owner.get(), std::memory_order_release);
    relay->state = wzp_relay::State::started;
    relay->started_cv.notify_all();
    return WZP_OK;
  });
}

int wzp_relay_stop(wzp_relay* relay) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    if (relay->events->in_callback())
      return fail(Errc::invalid_state, "wzp_relay_stop called from the relay's own callback");
    std::lock_guard stopping(relay->stop_mutex);
    relay::RelayServer* server = nullptr;
    {
      std::unique_lock lock(relay->mutex);
      if (relay->state == wzp_relay::State::starting) {
        if (relay->starting_thread == std::this_thread::get_id())
          return fail(Errc::invalid_state, "wzp_relay_stop called while this thread starts the relay");
        relay->started_cv.wait(lock, [&] { return relay->state != wzp_relay::State::starting; });
      }
      relay->state = wzp_relay::State::stopped;
      server = relay->owner.get();
    }
    if (server != nullptr) server->stop();  // LEFT events reach callbacks; no ABI lock is held
    relay->events->finish();
    return WZP_OK;
  });
}

void wzp_relay_free(wzp_relay* relay) {
  if (relay == nullptr) return;
  wzp::c_boundary_void("wzp_relay_free", [&] {
    if (relay->events->in_callback()) {
      // Destroying the loop from inside its own callback cannot work; a leak is the safe outcome.
      WZP_LOG(error, "capi",
              "wzp_relay_free called from the relay's own callback: refused, the relay is leaked");
      return;
    }
    if (wzp_relay_stop(relay) != WZP_OK) {
      WZP_LOG(error, "capi", std::string("wzp_relay_free: stop failed: ") + wzp_last_error());
    }
    relay->events->close_and_wait();  // threads in next_event leave with WZP_ERR_CLOSED
    std::unique_ptr<wzp_relay> owned(relay);
  });
}

int wzp_relay_port(const wzp_relay* relay, uint16_t* out_port) {
  WZP_CAPI_REQUIRE(relay);
  WZP_CAPI_REQUIRE(out_port);
  auto* server = relay->live();
  if (server == nullptr) return fail(Errc::invalid_state, "the relay is not started");
  *out_port = server->port();
  return WZP_OK;
}

int wzp_relay_address(const wzp_relay* relay, char* buf, size_t buf_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    WZP_CAPI_REQUIRE(buf);
    auto* server = relay->live();
    if (server == nullptr) return fail(Errc::invalid_state, "the relay is not started");
    return capi::copy_c_string(server->address(), buf, buf_len);
  });
}

int wzp_relay_fingerprint(const wzp_relay* relay, char* buf, size_t buf_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    return capi::copy_c_string(relay->fingerprint, buf, buf_len);
  });
}

int wzp_relay_cert_sha256(const wzp_relay* relay, uint8_t out[32]) {
  WZP_CAPI_REQUIRE(relay);
  WZP_CAPI_REQUIRE(out);
  auto* server = relay->live();
  if (server == nullptr) return fail(Errc::invalid_state, "the relay is not started");
  std::memcpy(out, server->certificate_sha256().data(), 32);
  return WZP_OK;
}

int wzp_relay_stats_get(const wzp_relay* relay, wzp_relay_stats* out) {
  WZP_CAPI_REQUIRE(relay);
  WZP_CAPI_REQUIRE(out);
  if (out->struct_size < sizeof out->struct_size) {
    return fail(Errc::invalid_argument, "wzp_relay_stats.struct_size is not set (use wzp_relay_stats_init)");
  }
  wzp_relay_stats s{};
  if (auto* server = relay->live()) {
    const auto& c = server->counters();
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
    s.media_sessions_v2 = get(c.media_sessions_v2);
    s.media_sessions_reference = get(c.media_sessions_reference);
    const transport::EndpointStats t = server->transport_stats();
    s.handshakes_in_progress = t.handshakes_in_progress;
    s.handshakes_refused = t.handshakes_refused;
    s.handshake_timeouts = t.handshake_timeouts;
    s.retries_sent = t.retries_sent;
    s.stateless_resets_sent = t.stateless_resets_sent;
    s.tls_refused = get(c.tls_refused);
    s.datagrams_rate_limited = get(c.datagrams_rate_limited);
    s.signal_streams_timed_out = get(c.signal_streams_timed_out);
    s.auth_cancelled = get(c.auth_cancelled);
    s.membership_messages_sent = get(c.membership_messages_sent);
    s.peer_signals_forwarded = get(c.peer_signals_forwarded);
    s.peer_signals_dropped = get(c.peer_signals_dropped);
    s.datagrams_no_recipient = get(c.datagrams_no_recipient);
    const auto& presence = server->presence();
    s.presence_local = presence.local_count();
    s.presence_remote = presence.remote_count();
    s.presence_peers = presence.peer_count();
    s.presence_expired = get(presence.counters().expired);
    const auto& m = c.mesh;
    s.gossip_in = get(m.gossip_in);
    s.gossip_out = get(m.gossip_out);
    s.gossip_refused_unauthenticated = get(m.gossip_refused_unauthenticated);
    s.gossip_refused_address = get(m.gossip_refused_address);
    s.gossip_refused_full = get(m.gossip_refused_full);
    s.mesh_auth_ok = get(m.mesh_auth_ok);
    s.mesh_auth_unlisted = get(m.mesh_auth_unlisted);
    s.mesh_auth_failed = get(m.mesh_auth_failed);
    s.probe_pings_sent = get(m.probe_pings_sent);
    s.probe_pongs_received = get(m.probe_pongs_received);
    s.probe_pongs_sent = get(m.probe_pongs_sent);
    s.probe_messages_malformed = get(m.probe_messages_malformed);
    s.trunk_frames_sent = get(c.trunk_frames_sent);
    s.trunk_packets_batched = get(c.trunk_packets_batched);
    s.acl_evicted = get(c.acl_evicted);
    s.bridged_sessions = get(c.bridged_sessions);
    s.cross_loop_datagrams = get(c.cross_loop_datagrams);
    s.cross_loop_dropped = get(c.cross_loop_dropped);
    s.packets_handed_over = t.packets_handed_over;
    s.handover_dropped = get(c.handover_dropped);
    s.threads = static_cast<uint32_t>(server->thread_count());
  }
  s.events_dropped = relay->events->dropped();
  capi::write_prefix(out, out->struct_size, s);
  return WZP_OK;
}

int wzp_relay_acl_set_enabled(wzp_relay* relay, int enabled) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    const bool on = enabled != 0;
    return capi::change_acl(relay, {[on](relay::AccessList& acl) { acl.set_enabled(on); }});
  });
}

int wzp_relay_acl_set_default_deny(wzp_relay* relay, int deny) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    const bool on = deny != 0;
    return capi::change_acl(relay, {[on](relay::AccessList& acl) { acl.set_default_deny(on); }});
  });
}

int wzp_relay_acl_allow(wzp_relay* relay, const char* room, const char* fingerprint) {
  return edit_acl(relay, room, false, fingerprint, AclEdit::allow);
}

int wzp_relay_acl_revoke(wzp_relay* relay, const char* room, const char* fingerprint) {
  return edit_acl(relay, room, false, fingerprint, AclEdit::revoke);
}

int wzp_relay_acl_allow_room_name(wzp_relay* relay, const char* room_name, const char* fingerprint) {
  return edit_acl(relay, room_name, true, fingerprint, AclEdit::allow);
}

int wzp_relay_acl_revoke_room_name(wzp_relay* relay, const char* room_name, const char* fingerprint) {
  return edit_acl(relay, room_name, true, fingerprint, AclEdit::revoke);
}

int wzp_relay_acl_clear_room(wzp_relay* relay, const char* room) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    WZP_CAPI_REQUIRE(room);
    auto key = relay::parse_acl_room(room);
    if (!key) return fail(key.error());
    return capi::change_acl(relay, {[k = std::move(*key)](relay::AccessList& acl) { acl.clear_room(k); }});
  });
}

int wzp_relay_acl_load_file(wzp_relay* relay, const char* path) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(relay);
    WZP_CAPI_REQUIRE(path);
    auto rooms = load_acl(path);
    if (!rooms) return fail(rooms.error());
    return capi::change_acl(relay, {[r = std::move(*rooms)](relay::AccessList& acl) { acl.replace(r); }});
  });
}

int wzp_relay_acl_json(const wzp_relay* relay, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(relay);
    WZP_CAPI_REQUIRE(out_json);
    return capi::give_string(relay::acl_json(capi::acl_snapshot(relay)), out_json);
  });
}

int wzp_relay_rooms_json(const wzp_relay* relay, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(relay);
    nlohmann::ordered_json rooms = nlohmann::ordered_json::array();
    if (auto* server = relay->live()) {
      for (const auto& room : server->rooms()) {
        nlohmann::ordered_json members = nlohmann::ordered_json::array();
        for (const auto& p : room.participants) {
          nlohmann::ordered_json m;
          m["id"] = p.id;
          m["connection"] = p.connection;
          m["fingerprint"] = p.fingerprint;
          m["token_fingerprint"] =
              p.token_fingerprint ? nlohmann::ordered_json(*p.token_fingerprint) : nullptr;
          m["remote"] = p.remote;
          m["media_session"] = nullptr;
          if (p.media_session)
            m["media_session"] = *p.media_session == handshake::SessionMode::v2 ? "v2" : "reference";
          m["datagrams_rate_limited"] = p.datagrams_rate_limited;
          m["signal_bytes_buffered"] = p.signal_bytes_buffered;
          m["trunking"] = p.trunking;
          members.push_back(std::move(m));
        }
        rooms.push_back({{"room", room.room}, {"participants", std::move(members)}});
      }
    }
    return capi::give_string(rooms.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
                             out_json);
  });
}

int wzp_relay_lookup(const wzp_relay* relay, const char* fingerprint, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(relay);
    WZP_CAPI_REQUIRE(fingerprint);
    std::optional<relay::PresenceLocation> where;
    if (auto* server = relay->live()) where = server->presence().lookup(fingerprint);
    return capi::give_string(relay::lookup_json(fingerprint, where), out_json);
  });
}

int wzp_relay_presence_json(const wzp_relay* relay, char** out_json) {
  return relay_json(relay, out_json, [](const relay::RelayServer* server) {
    return relay::presence_json(server ? server->presence().all_known()
                                       : std::vector<relay::PresenceEntry>{});
  });
}

int wzp_relay_peers_json(const wzp_relay* relay, char** out_json) {
  return relay_json(relay, out_json, [](const relay::RelayServer* server) {
    return relay::peers_json(server ? server->presence().peers() : std::vector<relay::PresencePeer>{});
  });
}

int wzp_relay_mesh_json(const wzp_relay* relay, char** out_json) {
  return relay_json(relay, out_json, [](const relay::RelayServer* server) {
    nlohmann::ordered_json mesh = nlohmann::ordered_json::array();
    if (server == nullptr) return mesh.dump();
    auto authenticated = server->probe_peers();
    for (const auto& s : server->probe_status()) {
      auto peer = authenticated.find(s.target);
      mesh.push_back(
          {{"target", s.target},
           {"kind", s.kind},
           {"up", s.up},
           {"rtt_ms", s.rtt_ms},
           {"loss_pct", s.loss_pct},
           {"jitter_ms", s.jitter_ms},
           {"pings_sent", s.pings_sent},
           {"pongs_received", s.pongs_received},
           {"peer_fingerprint", peer == authenticated.end() ? nlohmann::ordered_json(nullptr)
                                                            : nlohmann::ordered_json(peer->second)}});
    }
    return mesh.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  });
}

int wzp_relay_metrics(const wzp_relay* relay, char** out_text) {
  return guarded([&]() -> int {
    capi::clear_outs(out_text);
    WZP_CAPI_REQUIRE(relay);
    WZP_CAPI_REQUIRE(out_text);
    auto* server = relay->live();
    if (server == nullptr) return fail(Errc::invalid_state, "the relay is not started");
    return capi::give_string(server->metrics_text(), out_text);
  });
}

int wzp_relay_http_port(const wzp_relay* relay, uint16_t* out_port) {
  WZP_CAPI_REQUIRE(relay);
  WZP_CAPI_REQUIRE(out_port);
  auto* server = relay->live();
  if (server == nullptr) return fail(Errc::invalid_state, "the relay is not started");
  if (server->http_port() == 0) return fail(Errc::invalid_state, "the relay has no HTTP API (metrics_port)");
  *out_port = server->http_port();
  return WZP_OK;
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

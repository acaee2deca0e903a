// C ABI: the client.
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>

#include "capi/abi_history.hpp"
#include "capi/capi_support.hpp"
#include "capi/client_handle.hpp"
#include "capi/close_info_out.hpp"
#include "capi/handles.hpp"
#include "capi/live_event.hpp"
#include "capi/struct_prefix.hpp"
#include "client/client.hpp"
#include "core/c_boundary.hpp"
#include "core/log.hpp"
#include "crypto/room_hash.hpp"
#include "wire/media_packet.hpp"
#include "wire/sni.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;

static_assert(WZP_CLIENT_JOINED == static_cast<int>(client::ClientState::joined));
static_assert(WZP_CLIENT_CLOSED == static_cast<int>(client::ClientState::closed));
static_assert(WZP_MAX_PEER_SIGNAL_BYTES == wire::kMaxPeerSignalBytes);

namespace {

capi::LiveEvent to_live(const client::ClientEvent& e) {
  capi::LiveEvent out;
  out.state = static_cast<wzp_client_state>(e.state);
  switch (e.type) {
    case client::ClientEventType::state: out.type = WZP_EVENT_STATE; break;
    case client::ClientEventType::joined: out.type = WZP_EVENT_JOINED; break;
    case client::ClientEventType::media: out.type = WZP_EVENT_MEDIA; break;
    case client::ClientEventType::signal:
      out.type = WZP_EVENT_SIGNAL;
      out.data_is_text = true;
      break;
    case client::ClientEventType::closed:
      out.type = WZP_EVENT_CLOSED;
      out.close = e.close;
      break;
    case client::ClientEventType::peer_joined: out.type = WZP_EVENT_PEER_JOINED; break;
    case client::ClientEventType::peer_left:
      out.type = WZP_EVENT_PEER_LEFT;
      out.close = e.close;
      break;
    case client::ClientEventType::peer_signal: out.type = WZP_EVENT_PEER_SIGNAL; break;
  }
  out.room = e.room;
  out.fingerprint = e.fingerprint;
  out.alias = e.alias;
  out.data = e.data;
  out.source = e.source.value_or(0);
  return out;
}

int from_status(const Status& status) { return status ? WZP_OK : fail(status.error()); }

wzp_client_config client_defaults() {
  wzp_client_config c{};
  c.struct_size = sizeof c;
  c.session_mode = WZP_SESSION_V2;
  c.handshake_timeout_ms = 10'000;
  c.idle_timeout_ms = 30'000;
  c.event_queue_capacity = 1024;
  c.accept_trunking = 1;
  return c;
}

}  // namespace

extern "C" {

void wzp_client_config_init_sized(wzp_client_config* config, size_t size) {
  if (config == nullptr || size < sizeof config->struct_size) return;
  capi::write_prefix(config, size, client_defaults());
}

void(wzp_client_config_init)(wzp_client_config* config) {
  wzp_client_config_init_sized(config, sizeof(capi::abi_v0_1::client_config));
}

void wzp_client_stats_init_sized(wzp_client_stats* stats, size_t size) {
  if (stats == nullptr || size < sizeof stats->struct_size) return;
  capi::write_prefix(stats, size, wzp_client_stats{});
}

int wzp_client_new(const wzp_client_config* config, wzp_client** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(config);
    WZP_CAPI_REQUIRE(out);
    if (config->struct_size < sizeof config->struct_size) {
      return fail(Errc::invalid_argument,
                  "wzp_client_config.struct_size is not set (use wzp_client_config_init)");
    }
    // Fields a shorter (older) struct lacks keep their defaults; a newer one's extra fields are ignored.
    const wzp_client_config c = capi::read_prefix(config, client_defaults());
    if (config->struct_size < sizeof(wzp_client_config)) {
      WZP_LOG(info, "capi",
              "wzp_client_config of " + std::to_string(config->struct_size) + " bytes (this library's is " +
                  std::to_string(sizeof(wzp_client_config)) +
                  "): the fields it lacks take their defaults (a program built against an older wzp.h, or "
                  "one calling the unsized wzp_client_config_init: rebuild it to set them)");
    }
    if (c.relay_host == nullptr) return capi::null_argument("config->relay_host");
    client::ClientConfig cc;  // fields assigned one by one: the struct grows
    cc.relay_host = c.relay_host;
    cc.relay_port = c.relay_port;
    if (c.identity) cc.identity = c.identity->identity;
    cc.session_mode = c.session_mode == WZP_SESSION_REFERENCE ? handshake::SessionMode::reference
                                                              : handshake::SessionMode::v2;
    cc.handshake_timeout_ms = c.handshake_timeout_ms ? c.handshake_timeout_ms : 10'000;
    if (c.room != nullptr) {
      cc.sni = c.raw_room ? std::string(c.room) : crypto::hash_room_name(c.room);
      if (c.raw_room && !wire::is_valid_sni(cc.sni)) {
        return fail(Errc::invalid_argument,
                    "raw room '" + cc.sni +
                        "' is not a valid DNS name, so it cannot be sent as SNI (hash it instead)");
      }
    }
    if (c.token != nullptr) cc.token = c.token;
    if (c.pin_cert_sha256 != nullptr) {
      ByteArray<32> pin{};
      std::memcpy(pin.data(), c.pin_cert_sha256, pin.size());
      cc.pin_certificate_sha256 = pin;
    }
    if (c.pin_relay_fingerprint != nullptr) {
      ByteArray<16> fp{};
      std::memcpy(fp.data(), c.pin_relay_fingerprint, fp.size());
      cc.pin_relay_fingerprint = crypto::Fingerprint(fp);
    }
    if (c.idle_timeout_ms != 0) cc.transport.idle_timeout_ms = c.idle_timeout_ms;
    cc.require_media_session_v2 = c.require_session_v2 != 0;
    // The reference mode sends exactly a reference client's CallOffer: no extension at all.
    cc.offer_room_peers = cc.session_mode == handshake::SessionMode::v2;
    cc.offer_trunking = c.accept_trunking != 0;  // the client offers it with the v2 session only
    if (cc.require_media_session_v2 && cc.session_mode != handshake::SessionMode::v2) {
      return fail(Errc::invalid_argument, "require_session_v2 needs session_mode WZP_SESSION_V2");
    }
    auto handle = std::make_unique<wzp_client>();
    handle->events = std::make_unique<capi::EventChannel>(c.callback, c.user_data, c.event_queue_capacity);
    auto* events = handle->events.get();
    const wzp_client* self = handle.get();
    auto created = client::Client::create(
        std::move(cc),
        [events, self](const client::ClientEvent& e) {
          // Each change arrives once: joining and closing are their own events, not STATE too.
          if (e.type == client::ClientEventType::state &&
              (e.state == client::ClientState::joined || e.state == client::ClientState::closed)) {
            return;
          }
          capi::LiveEvent live = to_live(e);
          if (e.type == client::ClientEventType::joined) {
            // Events start after connect(), which follows new(): self->client is set by then.
            live.room = self->client->sni();
            if (auto fp = self->client->relay_fingerprint()) live.fingerprint = fp->to_display();
          }
          events->deliver(std::move(live), e.type == client::ClientEventType::closed);
        },
        c.loop != nullptr ? &c.loop->loop : nullptr);
    if (!created) return fail(created.error());
    handle->client = std::move(*created);
    if (c.loop != nullptr) {
      handle->shared_loop = c.loop;
      c.loop->clients.fetch_add(1, std::memory_order_relaxed);
    }
    *out = handle.release();
    return WZP_OK;
  });
}

int wzp_client_connect(wzp_client* client) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    return from_status(client->client->connect());
  });
}

int wzp_client_wait_joined(wzp_client* client, int timeout_ms) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    Status joined = client->client->wait_joined(timeout_ms);
    // A zero timeout is a poll: "not yet" is WOULD_BLOCK, as for every non-blocking call. A
    // client that closed has its answer: the status of the close (a connect timeout among them).
    if (!joined && joined.error().code == Errc::timeout && timeout_ms == 0 &&
        client->client->state() != client::ClientState::closed) {
      return fail(Errc::would_block, joined.error().message);
    }
    return from_status(joined);
  });
}

wzp_client_state wzp_client_get_state(const wzp_client* client) {
  if (client == nullptr) return WZP_CLIENT_CLOSED;
  return static_cast<wzp_client_state>(client->client->state());
}

int wzp_client_send_media(wzp_client* client, const uint8_t* data, size_t len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    if (data == nullptr && len != 0) return capi::null_argument("data");
    // The relay drops (and counts) what is not a media packet: refuse it here, with the reason.
    if (auto packet = wire::parse_media_packet(ByteView(data, len)); !packet) {
      return fail(Errc::malformed, "not a media packet: " + packet.error().message);
    }
    return from_status(client->client->send_media(ByteView(data, len)));
  });
}

int wzp_client_send_signal(wzp_client* client, const char* json, size_t json_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    WZP_CAPI_REQUIRE(json);
    auto message = wire::decode_json(std::string_view(json, json_len));
    if (!message) return fail(message.error());
    return from_status(client->client->send_signal(*message));
  });
}

int wzp_client_hangup(wzp_client* client, const char* reason) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    auto r = wire::hangup_reason_from_name(reason ? reason : "Normal");
    if (!r) {
      return fail(Errc::invalid_argument,
                  std::string("hangup reason must be Normal, Busy, Declined, Timeout or Error, got '") +
                      reason + "'");
    }
    client->client->hangup(*r);
    return WZP_OK;
  });
}

int wzp_client_stats_get(const wzp_client* client, wzp_client_stats* out) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    WZP_CAPI_REQUIRE(out);
    if (out->struct_size < sizeof out->struct_size) {
      return fail(Errc::invalid_argument,
                  "wzp_client_stats.struct_size is not set (use wzp_client_stats_init)");
    }
    auto st = client->client->stats();
    wzp_client_stats s{};
    s.rtt_us = st.smoothed_rtt_ns / 1000;
    s.min_rtt_us = st.min_rtt_ns / 1000;
    s.datagrams_sent = st.datagrams_sent;
    s.datagrams_received = st.datagrams_received;
    s.datagrams_lost = st.datagrams_lost;
    s.datagrams_dropped = st.datagrams_dropped;
    s.signals_sent = st.signals_sent;
    s.signals_received = st.signals_received;
    s.bytes_sent = st.bytes_sent;
    s.bytes_received = st.bytes_received;
    s.events_dropped = client->events->dropped();
    const auto& trunk = client->client->trunk_counters();
    s.trunk_frames_received = trunk.frames_received.load(std::memory_order_relaxed);
    s.trunk_packets_unpacked = trunk.packets_unpacked.load(std::memory_order_relaxed);
    s.trunk_frames_malformed = trunk.frames_malformed.load(std::memory_order_relaxed);
    capi::write_prefix(out, out->struct_size, s);
    return WZP_OK;
  });
}

int wzp_client_last_close(const wzp_client* client, wzp_close_info* out) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    WZP_CAPI_REQUIRE(out);
    auto info = client->client->close_info();
    if (!info) {
      return fail(Errc::invalid_state, "the client is not closed (state " +
                                           std::string(client::client_state_name(client->client->state())) +
                                           ")");
    }
    return capi::copy_close_info(*info, out);
  });
}

int wzp_client_relay_fingerprint(const wzp_client* client, char* buf, size_t buf_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    auto fp = client->client->relay_fingerprint();
    if (!fp) return fail(Errc::invalid_state, "the handshake has not completed");
    return capi::copy_c_string(fp->to_display(), buf, buf_len);
  });
}

int wzp_client_media_session(const wzp_client* client, wzp_session_mode* out_mode) {
  WZP_CAPI_REQUIRE(client);
  WZP_CAPI_REQUIRE(out_mode);
  return guarded([&]() -> int {
    auto mode = client->client->media_session();
    if (!mode) return fail(Errc::invalid_state, "the client has not joined");
    *out_mode = *mode == handshake::SessionMode::v2 ? WZP_SESSION_V2 : WZP_SESSION_REFERENCE;
    return WZP_OK;
  });
}

int wzp_client_sni(const wzp_client* client, char* buf, size_t buf_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    return capi::copy_c_string(client->client->sni(), buf, buf_len);
  });
}

int wzp_client_peers_json(const wzp_client* client, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    WZP_CAPI_REQUIRE(out_json);
    auto peers = client->client->peers();
    if (!peers) return fail(peers.error());
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& p : *peers) {
      list.push_back({{"fingerprint", p.fingerprint},
                      {"alias", p.alias ? nlohmann::ordered_json(*p.alias) : nlohmann::ordered_json()}});
    }
    return capi::give_string(list.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
                             out_json);
  });
}

int wzp_client_peer_count(const wzp_client* client, size_t* out) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    WZP_CAPI_REQUIRE(out);
    auto peers = client->client->peers();
    if (!peers) return fail(peers.error());
    *out = peers->size();
    return WZP_OK;
  });
}

int wzp_client_send_peer_signal(wzp_client* client, const char* to_fingerprint, const uint8_t* data,
                                size_t len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    if (data == nullptr && len != 0) return capi::null_argument("data");
    std::optional<std::string> to;
    if (to_fingerprint != nullptr) to = to_fingerprint;
    return from_status(client->client->send_peer_signal(to, ByteView(data, len)));
  });
}

int wzp_client_next_event(wzp_client* client, wzp_event* event, int timeout_ms) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(client);
    return client->events->next(event, timeout_ms);
  });
}

int wzp_client_event_fd(const wzp_client* client) {
  if (client == nullptr) return capi::null_argument("client");
  return client->events->fd();
}

int wzp_loop_new(wzp_loop** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(out);
    std::unique_ptr<wzp_loop> loop;
    try {
      loop = std::make_unique<wzp_loop>();
    } catch (const std::system_error& e) {  // the kernel refused its epoll, timer or event descriptor
      return fail(Errc::io, std::string("wzp_loop_new: ") + e.what());
    }
    loop->loop.start();
    *out = loop.release();
    return WZP_OK;
  });
}

void wzp_loop_free(wzp_loop* loop) {
  if (loop == nullptr) return;
  wzp::c_boundary_void("wzp_loop_free", [&] {
    if (loop->loop.in_loop_thread()) {
      WZP_LOG(error, "capi", "wzp_loop_free called on the loop's own thread: refused, the loop is leaked");
      return;
    }
    if (const size_t n = loop->clients.load(std::memory_order_relaxed); n != 0) {
      WZP_LOG(
          error, "capi",
          "wzp_loop_free with " + std::to_string(n) + " client(s) still on it: refused, the loop is leaked");
      return;
    }
    std::unique_ptr<wzp_loop> owned(loop);  // stops and joins its thread
  });
}

size_t wzp_loop_client_count(const wzp_loop* loop) {
  return loop == nullptr ? 0 : loop->clients.load(std::memory_order_relaxed);
}

void wzp_client_free(wzp_client* client) {
  if (client == nullptr) return;
  wzp::c_boundary_void("wzp_client_free", [&] {
    if (client->events->in_callback()) {
      // Destroying the loop from inside its own callback cannot work; a leak is the safe outcome.
      WZP_LOG(error, "capi",
              "wzp_client_free called from the client's own callback: refused, the client is leaked");
      return;
    }
    std::unique_ptr<wzp_client> owned(client);
    {
      // A call still attached stops here; its handle then only fails with CLOSED.
      std::lock_guard lock(owned->call_link->mutex);
      if (owned->call_link->e2e != nullptr) owned->call_link->e2e->detach();
      owned->call_link->e2e = nullptr;
      if (owned->call_link->call != nullptr) owned->call_link->call->detach();
      owned->call_link->call = nullptr;
    }
    // A client that never connected has nothing to hang up (and no CLOSED event to report).
    if (owned->client->state() != client::ClientState::idle)
      owned->client->hangup(wire::HangupReason::normal);
    owned->client.reset();  // stops its loop (or leaves the shared one): no callback runs after this
    owned->events->close_and_wait();  // threads in next_event leave with WZP_ERR_CLOSED
    if (owned->shared_loop != nullptr) owned->shared_loop->clients.fetch_sub(1, std::memory_order_relaxed);
  });
}

}  // extern "C"

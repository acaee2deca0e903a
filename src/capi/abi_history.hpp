// Frozen copies of the public structs as 0.1.0 first published them.
//
// The init functions that predate the sized entry points (wzp_X_config_init,
// wzp_event_init as symbols) cannot see the caller's struct size: binaries built
// against 0.1.0 and 0.2.0 call the same symbol. They write only the layout the
// symbol was first published with, so no binary ever gets memory written past
// its struct. These copies must never change; new fields go into wzp.h only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "wzp.h"

namespace wzp::capi::abi_v0_1 {

struct session_config {
  size_t struct_size;
  wzp_session_mode mode;
  wzp_role role;
};

struct handshake_config {
  size_t struct_size;
  const uint8_t* ephemeral_secret;
  wzp_session_mode session_mode;
};

struct relay_config {
  size_t struct_size;
  const char* listen_host;
  uint16_t listen_port;
  const wzp_identity* identity;
  const char* identity_file;
  const char* cert_file;
  const char* key_file;
  const char* auth_url;
  uint32_t auth_timeout_ms;
  int allow_identity_mismatch;
  uint32_t max_sessions;
  uint32_t max_room_size;
  uint32_t phase_timeout_ms;
  uint32_t idle_timeout_ms;
  int acl_enabled;
  const char* acl_file;
  size_t event_queue_capacity;
  wzp_event_cb callback;
  void* user_data;
};

struct relay_stats {
  size_t struct_size;
  uint64_t counters[20];  // connections_accepted .. events_dropped
};

struct client_config {
  size_t struct_size;
  const char* relay_host;
  uint16_t relay_port;
  const char* room;
  int raw_room;
  const char* token;
  const wzp_identity* identity;
  wzp_session_mode session_mode;
  const uint8_t* pin_cert_sha256;
  const uint8_t* pin_relay_fingerprint;
  uint32_t handshake_timeout_ms;
  uint32_t idle_timeout_ms;
  size_t event_queue_capacity;
  wzp_event_cb callback;
  void* user_data;
};

struct client_stats {
  size_t struct_size;
  uint64_t counters[11];  // rtt_us .. events_dropped
};

struct event {
  size_t struct_size;
  wzp_event_type type;
  uint64_t connection_id;
  wzp_client_state state;
  const char* room;
  const char* fingerprint;
  const uint8_t* data;
  size_t data_len;
  uint64_t close_code;
  wzp_close_origin close_origin;
  const char* close_reason;
};

// The fields the library relies on stay where 0.1.0 put them.
static_assert(offsetof(event, close_reason) == offsetof(wzp_event, close_reason));
static_assert(offsetof(relay_config, user_data) == offsetof(wzp_relay_config, user_data));
static_assert(offsetof(client_config, user_data) == offsetof(wzp_client_config, user_data));
static_assert(offsetof(handshake_config, session_mode) == offsetof(wzp_handshake_config, session_mode));
static_assert(offsetof(session_config, role) == offsetof(wzp_session_config, role));
static_assert(sizeof(relay_stats) == offsetof(wzp_relay_stats, media_sessions_v2));
static_assert(sizeof(client_stats) == offsetof(wzp_client_stats, events_dropped) + sizeof(uint64_t));

}  // namespace wzp::capi::abi_v0_1

// The unsized entry points, kept for binaries built before 0.3.0 (the header now maps
// these names to the *_sized calls). The parentheses keep the header's macros out.
extern "C" {
WZP_API void(wzp_session_config_init)(wzp_session_config* config);
WZP_API void(wzp_handshake_config_init)(wzp_handshake_config* config);
WZP_API void(wzp_relay_config_init)(wzp_relay_config* config);
WZP_API void(wzp_client_config_init)(wzp_client_config* config);
WZP_API void(wzp_event_init)(wzp_event* event);
}

/* Struct versioning, as a program built against an older or newer wzp.h sees it: the
 * structs below are frozen copies of earlier layouts (0.1.0, 0.2.0), a minimal one (only
 * struct_size) and larger ones (a future header's), each followed by guard bytes. Every
 * init, new, stats_get and next_event must stay inside struct_size, read only the fields
 * that fit, and fill those fields correctly. Plain C, like the programs it stands for. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <wzp.h>

static int failures = 0;

#define CHECK(cond)                                                                            \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__, __LINE__, #cond, \
              wzp_last_error());                                                               \
      ++failures;                                                                              \
    }                                                                                          \
  } while (0)

#define GUARD_BYTES 64
#define GUARD 0xA5
/* A struct of type T and guard bytes right behind it. */
#define GUARDED(T)                    \
  struct {                            \
    T s;                              \
    unsigned char guard[GUARD_BYTES]; \
  }

static int guard_is(const unsigned char* guard, unsigned char value) {
  for (size_t i = 0; i < GUARD_BYTES; ++i)
    if (guard[i] != value) return 0;
  return 1;
}

/* ---- 0.1.0 layouts ---------------------------------------------------------------- */
typedef struct {
  size_t struct_size;
  wzp_session_mode mode;
  wzp_role role;
} session_config_v01;
typedef struct {
  size_t struct_size;
  const uint8_t* ephemeral_secret;
  wzp_session_mode session_mode;
} handshake_config_v01;
typedef struct {
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
} relay_config_v01;
typedef struct {
  size_t struct_size;
  uint64_t connections_accepted, sessions_active, participants, rooms;
  uint64_t auth_ok, auth_rejected, auth_unavailable;
  uint64_t handshakes_ok, handshakes_failed;
  uint64_t rejected_acl, rejected_full, rejected_timeout, rejected_malformed, rejected_identity;
  uint64_t datagrams_received, datagrams_forwarded, datagrams_malformed, datagrams_dropped;
  uint64_t bytes_forwarded;
  uint64_t events_dropped;
} relay_stats_v01;
typedef struct {
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
} client_config_v01;
typedef struct {
  size_t struct_size;
  uint64_t rtt_us, min_rtt_us;
  uint64_t datagrams_sent, datagrams_received, datagrams_lost, datagrams_dropped;
  uint64_t signals_sent, signals_received;
  uint64_t bytes_sent, bytes_received;
  uint64_t events_dropped;
} client_stats_v01;
typedef struct {
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
} event_v01;

/* ---- 0.2.0 layouts (those that grew in 0.2.0) -------------------------------------- */
typedef struct {
  handshake_config_v01 v01;
  int require_session_v2;
} handshake_config_v02;
typedef struct {
  relay_config_v01 v01;
  int require_session_v2;
  uint32_t sender_datagrams_per_s, sender_burst_datagrams, sender_bytes_per_s;
  uint32_t max_handshakes, handshake_timeout_ms, auth_max_pending, auth_max_pending_per_address;
} relay_config_v02;
typedef struct {
  relay_stats_v01 v01;
  uint64_t media_sessions_v2, media_sessions_reference;
  uint64_t handshakes_in_progress, handshakes_refused, handshake_timeouts, retries_sent;
  uint64_t stateless_resets_sent, tls_refused, datagrams_rate_limited, signal_streams_timed_out;
  uint64_t auth_cancelled;
} relay_stats_v02;
typedef struct {
  client_config_v01 v01;
  int require_session_v2;
} client_config_v02;

typedef struct {
  size_t struct_size;
} minimal;

/* The unsized symbols every binary built before 0.3.0 calls (the header now maps these
 * names to the sized calls; the parentheses reach the symbols themselves). */
void(wzp_session_config_init)(wzp_session_config* config);
void(wzp_handshake_config_init)(wzp_handshake_config* config);
void(wzp_relay_config_init)(wzp_relay_config* config);
void(wzp_client_config_init)(wzp_client_config* config);
void(wzp_event_init)(wzp_event* event);

/* init_sized with the caller's size: defaults within, nothing beyond. */
static void test_sized_init(void) {
  GUARDED(relay_config_v01) r1;
  memset(&r1, GUARD, sizeof r1);
  wzp_relay_config_init_sized((wzp_relay_config*)&r1.s, sizeof r1.s);
  CHECK(guard_is(r1.guard, GUARD));
  CHECK(r1.s.struct_size == sizeof r1.s);
  CHECK(r1.s.listen_host != NULL && strcmp(r1.s.listen_host, "0.0.0.0") == 0);
  CHECK(r1.s.listen_port == 4433);
  CHECK(r1.s.max_sessions == 100);
  CHECK(r1.s.user_data == NULL);

  GUARDED(relay_config_v02) r2;
  memset(&r2, GUARD, sizeof r2);
  wzp_relay_config_init_sized((wzp_relay_config*)&r2.s, sizeof r2.s);
  CHECK(guard_is(r2.guard, GUARD));
  CHECK(r2.s.v01.struct_size == sizeof r2.s);
  CHECK(r2.s.require_session_v2 == 0);
  CHECK(r2.s.handshake_timeout_ms == 3000);
  CHECK(r2.s.auth_max_pending_per_address == 4);

  GUARDED(client_config_v01) c1;
  memset(&c1, GUARD, sizeof c1);
  wzp_client_config_init_sized((wzp_client_config*)&c1.s, sizeof c1.s);
  CHECK(guard_is(c1.guard, GUARD));
  CHECK(c1.s.struct_size == sizeof c1.s);
  CHECK(c1.s.handshake_timeout_ms == 10000);
  CHECK(c1.s.event_queue_capacity == 1024);

  GUARDED(handshake_config_v01) h1;
  memset(&h1, GUARD, sizeof h1);
  wzp_handshake_config_init_sized((wzp_handshake_config*)&h1.s, sizeof h1.s);
  CHECK(guard_is(h1.guard, GUARD));
  CHECK(h1.s.struct_size == sizeof h1.s && h1.s.session_mode == WZP_SESSION_V2 &&
        h1.s.ephemeral_secret == NULL);

  GUARDED(session_config_v01) s1;
  memset(&s1, GUARD, sizeof s1);
  wzp_session_config_init_sized((wzp_session_config*)&s1.s, sizeof s1.s);
  CHECK(guard_is(s1.guard, GUARD));
  CHECK(s1.s.struct_size == sizeof s1.s && s1.s.mode == WZP_SESSION_V2 && s1.s.role == WZP_ROLE_CALLER);

  GUARDED(relay_stats_v01) rs;
  memset(&rs, GUARD, sizeof rs);
  wzp_relay_stats_init_sized((wzp_relay_stats*)&rs.s, sizeof rs.s);
  CHECK(guard_is(rs.guard, GUARD));
  CHECK(rs.s.struct_size == sizeof rs.s && rs.s.events_dropped == 0);

  GUARDED(client_stats_v01) cs;
  memset(&cs, GUARD, sizeof cs);
  wzp_client_stats_init_sized((wzp_client_stats*)&cs.s, sizeof cs.s);
  CHECK(guard_is(cs.guard, GUARD));
  CHECK(cs.s.struct_size == sizeof cs.s && cs.s.events_dropped == 0);

  GUARDED(event_v01) e1;
  memset(&e1, GUARD, sizeof e1);
  wzp_event_init_sized((wzp_event*)&e1.s, sizeof e1.s);
  CHECK(guard_is(e1.guard, GUARD));
  CHECK(e1.s.struct_size == sizeof e1.s && e1.s.room == NULL && e1.s.close_reason == NULL);

  /* Only struct_size: only struct_size is written. */
  GUARDED(minimal) m;
  memset(&m, GUARD, sizeof m);
  wzp_relay_config_init_sized((wzp_relay_config*)&m.s, sizeof m.s);
  wzp_client_config_init_sized((wzp_client_config*)&m.s, sizeof m.s);
  wzp_handshake_config_init_sized((wzp_handshake_config*)&m.s, sizeof m.s);
  wzp_session_config_init_sized((wzp_session_config*)&m.s, sizeof m.s);
  wzp_relay_stats_init_sized((wzp_relay_stats*)&m.s, sizeof m.s);
  wzp_client_stats_init_sized((wzp_client_stats*)&m.s, sizeof m.s);
  wzp_event_init_sized((wzp_event*)&m.s, sizeof m.s);
  CHECK(guard_is(m.guard, GUARD));
  CHECK(m.s.struct_size == sizeof m.s);

  /* Smaller than struct_size itself: nothing is written. */
  union {
    size_t align;
    unsigned char bytes[16];
  } tiny;
  memset(tiny.bytes, GUARD, sizeof tiny.bytes);
  wzp_relay_config_init_sized((wzp_relay_config*)(void*)&tiny, 4);
  wzp_event_init_sized((wzp_event*)(void*)&tiny, 4);
  for (size_t i = 0; i < sizeof tiny.bytes; ++i) CHECK(tiny.bytes[i] == GUARD);

  /* The macros pass the struct's own size. */
  wzp_relay_config full;
  wzp_relay_config_init(&full);
  CHECK(full.struct_size == sizeof full);
  wzp_event ev;
  wzp_event_init(&ev);
  CHECK(ev.struct_size == sizeof ev);
}

/* The pre-0.3.0 symbols write the 0.1.0 layout, whatever the library's struct has become. */
static void test_legacy_symbols(void) {
  GUARDED(relay_config_v01) r;
  memset(&r, GUARD, sizeof r);
  (wzp_relay_config_init)((wzp_relay_config*)&r.s);
  CHECK(guard_is(r.guard, GUARD));
  CHECK(r.s.struct_size == sizeof r.s);
  CHECK(r.s.listen_port == 4433 && r.s.phase_timeout_ms == 10000);

  GUARDED(client_config_v01) c;
  memset(&c, GUARD, sizeof c);
  (wzp_client_config_init)((wzp_client_config*)&c.s);
  CHECK(guard_is(c.guard, GUARD));
  CHECK(c.s.struct_size == sizeof c.s && c.s.idle_timeout_ms == 30000);

  GUARDED(handshake_config_v01) h;
  memset(&h, GUARD, sizeof h);
  (wzp_handshake_config_init)((wzp_handshake_config*)&h.s);
  CHECK(guard_is(h.guard, GUARD));
  CHECK(h.s.struct_size == sizeof h.s && h.s.session_mode == WZP_SESSION_V2);

  GUARDED(session_config_v01) s;
  memset(&s, GUARD, sizeof s);
  (wzp_session_config_init)((wzp_session_config*)&s.s);
  CHECK(guard_is(s.guard, GUARD));
  CHECK(s.s.struct_size == sizeof s.s);

  GUARDED(event_v01) e;
  memset(&e, GUARD, sizeof e);
  (wzp_event_init)((wzp_event*)&e.s);
  CHECK(guard_is(e.guard, GUARD));
  CHECK(e.s.struct_size == sizeof e.s && e.s.data == NULL);
}

/* A relay from a 0.1.0 config; the guard holds zeros, which would fail the config
 * (handshake_timeout_ms 0) if any byte past struct_size were read. */
static wzp_relay* start_old_relay(uint16_t* port) {
  GUARDED(relay_config_v01) r;
  wzp_relay_config_init_sized((wzp_relay_config*)&r.s, sizeof r.s);
  memset(r.guard, 0, sizeof r.guard);
  r.s.listen_host = "127.0.0.1";
  r.s.listen_port = 0;
  wzp_relay* relay = (wzp_relay*)&r; /* a stale value: new must set it */
  CHECK(wzp_relay_new((const wzp_relay_config*)&r.s, &relay) == WZP_OK);
  if (relay == NULL) return NULL;
  CHECK(wzp_relay_start(relay) == WZP_OK);
  CHECK(wzp_relay_port(relay, port) == WZP_OK);
  return relay;
}

/* A client from a 0.1.0 config asking for the reference session; the guard holds 0xFF, which
 * would read as require_session_v2 = true (refused with the reference session) if read. */
static wzp_client* join_old_client(uint16_t port) {
  GUARDED(client_config_v01) c;
  wzp_client_config_init_sized((wzp_client_config*)&c.s, sizeof c.s);
  memset(c.guard, 0xFF, sizeof c.guard);
  c.s.relay_host = "127.0.0.1";
  c.s.relay_port = port;
  c.s.room = "versions";
  c.s.session_mode = WZP_SESSION_REFERENCE;
  wzp_client* client = NULL;
  CHECK(wzp_client_new((const wzp_client_config*)&c.s, &client) == WZP_OK);
  if (client == NULL) return NULL;
  CHECK(wzp_client_connect(client) == WZP_OK);
  CHECK(wzp_client_wait_joined(client, 10000) == WZP_OK);
  return client;
}

static void test_new_reads_only_what_fits(void) {
  /* A newer header's larger config: the fields this library knows are read, the rest ignored. */
  struct {
    wzp_relay_config c;
    uint64_t future_field;
  } newer;
  wzp_relay_config_init_sized(&newer.c, sizeof newer);
  CHECK(newer.c.struct_size == sizeof newer && newer.future_field == 0);
  newer.future_field = ~(uint64_t)0;
  newer.c.listen_host = "127.0.0.1";
  newer.c.listen_port = 0;
  wzp_relay* relay = NULL;
  CHECK(wzp_relay_new(&newer.c, &relay) == WZP_OK);
  wzp_relay_free(relay);

  /* struct_size not set: refused, and *out is NULL. */
  minimal unset = {0};
  relay = (wzp_relay*)&unset;
  CHECK(wzp_relay_new((const wzp_relay_config*)&unset, &relay) == WZP_ERR_INVALID_ARGUMENT);
  CHECK(relay == NULL);
  wzp_client* client = (wzp_client*)&unset;
  CHECK(wzp_client_new((const wzp_client_config*)&unset, &client) == WZP_ERR_INVALID_ARGUMENT);
  CHECK(client == NULL);

  /* The call config and stats (0.5.0): only struct_size, or a newer header's larger struct. */
  GUARDED(minimal) cm;
  memset(&cm, GUARD, sizeof cm);
  wzp_call_config_init_sized((wzp_call_config*)&cm.s, sizeof cm.s);
  wzp_call_stats_init_sized((wzp_call_stats*)&cm.s, sizeof cm.s);
  CHECK(guard_is(cm.guard, GUARD) && cm.s.struct_size == sizeof cm.s);
  struct {
    wzp_call_config c;
    uint64_t future_field;
  } newer_call;
  memset(&newer_call, GUARD, sizeof newer_call);
  wzp_call_config_init_sized(&newer_call.c, sizeof newer_call);
  CHECK(newer_call.c.struct_size == sizeof newer_call && newer_call.future_field == 0);
  CHECK(newer_call.c.jitter_max_delay_ms == 1000 && newer_call.c.adapt == 1);
  wzp_call* call = (wzp_call*)&unset;
  CHECK(wzp_call_new(NULL, NULL, &call) == WZP_ERR_INVALID_ARGUMENT);
  CHECK(call == NULL);

  /* The presence config (0.4.0): only struct_size, or a newer header's larger struct. */
  GUARDED(minimal) pm;
  memset(&pm, GUARD, sizeof pm);
  wzp_presence_config_init_sized((wzp_presence_config*)&pm.s, sizeof pm.s);
  CHECK(guard_is(pm.guard, GUARD) && pm.s.struct_size == sizeof pm.s);
  wzp_presence* presence = NULL;
  CHECK(wzp_presence_new((const wzp_presence_config*)&pm.s, &presence) == WZP_OK);
  CHECK(wzp_presence_register_local(presence, "a", 1, NULL, NULL) == 1);
  wzp_presence_free(presence);
  struct {
    wzp_presence_config c;
    uint64_t future_field;
  } newer_presence;
  memset(&newer_presence, GUARD, sizeof newer_presence);
  wzp_presence_config_init_sized(&newer_presence.c, sizeof newer_presence);
  CHECK(newer_presence.c.max_peers == 1024 && newer_presence.future_field == 0);
  newer_presence.future_field = ~(uint64_t)0;
  presence = NULL;
  CHECK(wzp_presence_new(&newer_presence.c, &presence) == WZP_OK);
  wzp_presence_free(presence);
  presence = (wzp_presence*)&unset;
  CHECK(wzp_presence_new((const wzp_presence_config*)&unset, &presence) == WZP_ERR_INVALID_ARGUMENT);
  CHECK(presence == NULL);
}

static void test_live_structs(void) {
  uint16_t port = 0;
  wzp_relay* relay = start_old_relay(&port);
  if (relay == NULL) return;
  wzp_client* client = join_old_client(port);
  if (client == NULL) {
    wzp_relay_free(relay);
    return;
  }
  wzp_session_mode mode = WZP_SESSION_V2;
  CHECK(wzp_client_media_session(client, &mode) == WZP_OK && mode == WZP_SESSION_REFERENCE);

  /* An event too small for any event: refused, nothing written, nothing consumed. */
  GUARDED(minimal) m;
  memset(&m, GUARD, sizeof m);
  m.s.struct_size = sizeof m.s;
  CHECK(wzp_relay_next_event(relay, (wzp_event*)&m.s, 10000) == WZP_ERR_INVALID_ARGUMENT);
  CHECK(guard_is(m.guard, GUARD));

  /* A 0.1.0 event gets the JOINED event, its fields in place, nothing past it. */
  GUARDED(event_v01) e;
  memset(&e, GUARD, sizeof e);
  wzp_event_init_sized((wzp_event*)&e.s, sizeof e.s);
  CHECK(wzp_relay_next_event(relay, (wzp_event*)&e.s, 10000) == WZP_OK);
  CHECK(guard_is(e.guard, GUARD));
  CHECK(e.s.struct_size == sizeof e.s);
  CHECK(e.s.type == WZP_EVENT_JOINED);
  char room[WZP_ROOM_HASH_LEN + 1];
  wzp_hash_room_name("versions", 8, room);
  CHECK(e.s.room != NULL && strcmp(e.s.room, room) == 0);
  CHECK(e.s.fingerprint != NULL && strlen(e.s.fingerprint) == WZP_FINGERPRINT_STR_LEN);
  CHECK(e.s.close_reason == NULL);
  wzp_event_clear((wzp_event*)&e.s);
  CHECK(guard_is(e.guard, GUARD));
  CHECK(e.s.struct_size == sizeof e.s && e.s.room == NULL);

  /* Stats: a 0.1.0 struct gets its counters; a minimal one only keeps its size. */
  GUARDED(relay_stats_v01) rs;
  memset(&rs, GUARD, sizeof rs);
  wzp_relay_stats_init_sized((wzp_relay_stats*)&rs.s, sizeof rs.s);
  CHECK(wzp_relay_stats_get(relay, (wzp_relay_stats*)&rs.s) == WZP_OK);
  CHECK(guard_is(rs.guard, GUARD));
  CHECK(rs.s.struct_size == sizeof rs.s);
  CHECK(rs.s.participants == 1 && rs.s.rooms == 1 && rs.s.handshakes_ok == 1);
  GUARDED(relay_stats_v02) rs2;
  memset(&rs2, GUARD, sizeof rs2);
  wzp_relay_stats_init_sized((wzp_relay_stats*)&rs2.s, sizeof rs2.s);
  CHECK(wzp_relay_stats_get(relay, (wzp_relay_stats*)&rs2.s) == WZP_OK);
  CHECK(guard_is(rs2.guard, GUARD));
  CHECK(rs2.s.v01.participants == 1 && rs2.s.media_sessions_reference == 1 && rs2.s.media_sessions_v2 == 0);
  memset(&m, GUARD, sizeof m);
  m.s.struct_size = sizeof m.s;
  CHECK(wzp_relay_stats_get(relay, (wzp_relay_stats*)&m.s) == WZP_OK);
  CHECK(m.s.struct_size == sizeof m.s && guard_is(m.guard, GUARD));
  CHECK(wzp_client_stats_get(client, (wzp_client_stats*)&m.s) == WZP_OK);
  CHECK(m.s.struct_size == sizeof m.s && guard_is(m.guard, GUARD));
  m.s.struct_size = 0;
  CHECK(wzp_relay_stats_get(relay, (wzp_relay_stats*)&m.s) == WZP_ERR_INVALID_ARGUMENT);

  GUARDED(client_stats_v01) cs;
  memset(&cs, GUARD, sizeof cs);
  wzp_client_stats_init_sized((wzp_client_stats*)&cs.s, sizeof cs.s);
  CHECK(wzp_client_stats_get(client, (wzp_client_stats*)&cs.s) == WZP_OK);
  CHECK(guard_is(cs.guard, GUARD));
  CHECK(cs.s.signals_sent >= 1 && cs.s.events_dropped == 0);

  /* A newer header's larger stats and event: the fields this library does not know are zeroed. */
  struct {
    wzp_relay_stats s;
    uint64_t future[2];
  } newer_stats;
  memset(&newer_stats, GUARD, sizeof newer_stats);
  newer_stats.s.struct_size = sizeof newer_stats;
  CHECK(wzp_relay_stats_get(relay, &newer_stats.s) == WZP_OK);
  CHECK(newer_stats.s.struct_size == sizeof newer_stats && newer_stats.s.participants == 1);
  CHECK(newer_stats.future[0] == 0 && newer_stats.future[1] == 0);

  struct {
    wzp_event e;
    const char* future[2];
  } newer_event;
  wzp_event_init_sized(&newer_event.e, sizeof newer_event);
  CHECK(wzp_client_hangup(client, NULL) == WZP_OK);
  newer_event.future[0] = newer_event.future[1] = "stale";
  /* (PRESENCE events, since 0.4.0, come with JOINED and LEFT.) */
  do {
    CHECK(wzp_relay_next_event(relay, &newer_event.e, 10000) == WZP_OK);
  } while (newer_event.e.type == WZP_EVENT_PRESENCE);
  CHECK(newer_event.e.type == WZP_EVENT_LEFT);
  CHECK(newer_event.e.close_reason != NULL);
  CHECK(newer_event.future[0] == NULL && newer_event.future[1] == NULL);
  wzp_event_clear(&newer_event.e);
  CHECK(newer_event.e.struct_size == sizeof newer_event);

  wzp_client_free(client);
  wzp_relay_free(relay);
}

static int bytes_are(const void* p, size_t n, unsigned char value) {
  const unsigned char* bytes = (const unsigned char*)p;
  for (size_t i = 0; i < n; ++i)
    if (bytes[i] != value) return 0;
  return 1;
}

/* A program built against an older header: its relay config and stats end at config_size and
 * stats_size. The bytes past them hold garbage (the guard pattern): a library that read a newer
 * field (e.g. 0.7.0's http_admin_token, 0.8.0's trusted_bridges) would fail or crash, one that
 * wrote a newer counter (acl_evicted, bridged_sessions) would overwrite them. */
static void check_old_relay(size_t config_size, size_t stats_size) {
  wzp_relay_config rc;
  memset(&rc, GUARD, sizeof rc);
  wzp_relay_config_init_sized(&rc, config_size);
  CHECK(rc.struct_size == config_size);
  CHECK(bytes_are((const char*)&rc + config_size, sizeof rc - config_size, GUARD));
  rc.listen_host = "127.0.0.1";
  rc.listen_port = 0;
  rc.metrics_any_port = 1;
  wzp_relay* relay = NULL;
  CHECK(wzp_relay_new(&rc, &relay) == WZP_OK);
  if (relay == NULL) return;
  CHECK(wzp_relay_start(relay) == WZP_OK);
  wzp_relay_stats st;
  memset(&st, GUARD, sizeof st);
  wzp_relay_stats_init_sized(&st, stats_size);
  CHECK(wzp_relay_stats_get(relay, &st) == WZP_OK);
  CHECK(st.struct_size == stats_size && st.participants == 0);
  CHECK(bytes_are((const char*)&st + stats_size, sizeof st - stats_size, GUARD));
  wzp_relay_free(relay);
}

static void test_v06_relay(void) {
  check_old_relay(offsetof(wzp_relay_config, http_admin_token), offsetof(wzp_relay_stats, acl_evicted));
}

static void test_v07_relay(void) {
  check_old_relay(offsetof(wzp_relay_config, trusted_bridges), offsetof(wzp_relay_stats, bridged_sessions));
}

/* A 0.6.0 program's client config ends where 0.7.0's loop begins: garbage there is not read (the
 * client runs a loop of its own, and can be created and freed). */
static void test_v06_client(void) {
  const size_t config_v06 = offsetof(wzp_client_config, loop);
  wzp_client_config cc;
  memset(&cc, GUARD, sizeof cc);
  wzp_client_config_init_sized(&cc, config_v06);
  CHECK(cc.struct_size == config_v06);
  CHECK(bytes_are(&cc.loop, sizeof cc.loop, GUARD));
  cc.relay_host = "127.0.0.1";
  cc.relay_port = 9;
  wzp_client* client = NULL;
  CHECK(wzp_client_new(&cc, &client) == WZP_OK);
  wzp_client_free(client);
}

/* A 0.8.0 program's call config and stats end where 0.9.0's end-to-end fields begin: garbage
 * past them (0xA5: an invalid e2e policy, a wild member list) is not read, no e2e counter is
 * written there, and the call runs clear as that program expects. */
static void test_v08_call(void) {
  uint16_t port = 0;
  wzp_relay* relay = start_old_relay(&port);
  if (relay == NULL) return;
  wzp_client* client = join_old_client(port);
  if (client != NULL) {
    const size_t config_v08 = offsetof(wzp_call_config, e2e);
    wzp_call_config cc;
    memset(&cc, GUARD, sizeof cc);
    wzp_call_config_init_sized(&cc, config_v08);
    CHECK(cc.struct_size == config_v08);
    CHECK(bytes_are((const char*)&cc + config_v08, sizeof cc - config_v08, GUARD));
    wzp_call* call = NULL;
    CHECK(wzp_call_new(client, &cc, &call) == WZP_OK);
    if (call != NULL) {
      const size_t stats_v08 = offsetof(wzp_call_stats, e2e_encrypted);
      wzp_call_stats st;
      memset(&st, GUARD, sizeof st);
      wzp_call_stats_init_sized(&st, stats_v08);
      CHECK(wzp_call_stats_get(call, WZP_CALL_MIXED, &st) == WZP_OK);
      CHECK(st.struct_size == stats_v08);
      CHECK(bytes_are((const char*)&st + stats_v08, sizeof st - stats_v08, GUARD));
      char* json = NULL;
      CHECK(wzp_call_e2e_state_json(call, &json) == WZP_ERR_INVALID_STATE && json == NULL);
      wzp_call_free(call);
    }
    wzp_client_free(client);
  }
  wzp_relay_free(relay);
}

/* A 0.9.0 program's relay config and stats end where 0.10.0's threads begin: garbage past them
 * (0xA5...: over 64 loops, which would be refused) is not read, the relay runs on one loop, and
 * no counter is written past the stats it knows. */
static void test_v09_relay(void) {
  const size_t config_v09 = offsetof(wzp_relay_config, threads);
  wzp_relay_config rc;
  memset(&rc, GUARD, sizeof rc);
  wzp_relay_config_init_sized(&rc, config_v09);
  CHECK(rc.struct_size == config_v09);
  CHECK(bytes_are((const char*)&rc + config_v09, sizeof rc - config_v09, GUARD));
  rc.listen_host = "127.0.0.1";
  rc.listen_port = 0;
  wzp_relay* relay = NULL;
  CHECK(wzp_relay_new(&rc, &relay) == WZP_OK);
  if (relay == NULL) return;
  CHECK(wzp_relay_start(relay) == WZP_OK);
  const size_t stats_v09 = offsetof(wzp_relay_stats, cross_loop_datagrams);
  wzp_relay_stats st;
  memset(&st, GUARD, sizeof st);
  wzp_relay_stats_init_sized(&st, stats_v09);
  CHECK(wzp_relay_stats_get(relay, &st) == WZP_OK);
  CHECK(st.struct_size == stats_v09);
  CHECK(bytes_are((const char*)&st + stats_v09, sizeof st - stats_v09, GUARD));
  wzp_relay_stats now;
  wzp_relay_stats_init_sized(&now, sizeof now);
  CHECK(wzp_relay_stats_get(relay, &now) == WZP_OK);
  CHECK(now.threads == 1);
  wzp_relay_free(relay);
}

int main(void) {
  test_sized_init();
  test_v09_relay();
  test_v06_relay();
  test_v07_relay();
  test_v06_client();
  test_v08_call();
  test_legacy_symbols();
  test_new_reads_only_what_fits();
  test_live_structs();
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("struct versions: all checks passed\n");
  return 0;
}

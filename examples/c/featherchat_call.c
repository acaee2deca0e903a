/* featherChat calls in C99: two featherChat users, alice and bob, each with a wzp_fc_manager,
 * and a relay in this process. featherChat itself is stood in for by a "channel": each SEND
 * event's bincode bytes are handed to the manager of the event's target, as featherChat's server
 * would route the CallSignal. Three runs:
 *
 *   1. answered: alice calls bob, bob's client rings, bob answers; both join the relay room,
 *      the call is ACTIVE, alice's voice (a tone) reaches bob; alice hangs up;
 *   2. missed:   alice calls, nobody answers; after the ring timeout both sides end the call as
 *      MISSED and bob gets the 39-byte missed-call record;
 *   3. busy:     bob is in a call with carol when alice calls: alice's call ends BUSY.
 *
 * Every step prints a line; exits 0 when all three runs went as described, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep under strict C99 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wzp.h>

#define CHECK(call)                                                                        \
  do {                                                                                     \
    int rc_ = (call);                                                                      \
    if (rc_ != WZP_OK) {                                                                   \
      fprintf(stderr, "%s failed: %s (%s)\n", #call, wzp_strerror(rc_), wzp_last_error()); \
      return 1;                                                                            \
    }                                                                                      \
  } while (0)

enum { ALICE, BOB, CAROL, USERS };
static const char* const names[USERS] = {"alice", "bob", "carol"};

struct world {
  wzp_identity* ids[USERS];
  wzp_fc_manager* managers[USERS];
  char fingerprints[USERS][WZP_FINGERPRINT_STR_LEN + 1];
  wzp_fc_event last[USERS]; /* the last STATE event each user saw */
  int missed_records;       /* MISSED events */
};

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

static int user_of(const struct world* w, const char* fingerprint) {
  for (int u = 0; u < USERS; ++u)
    if (w->managers[u] != NULL && strcmp(w->fingerprints[u], fingerprint) == 0) return u;
  return -1;
}

/* Drain every manager's events once: route SENDs (featherChat's job), print state changes.
 * Returns the number of events seen. */
static int pump(struct world* w) {
  int seen = 0;
  wzp_fc_event e;
  wzp_fc_event_init(&e);
  for (int u = 0; u < USERS; ++u) {
    if (w->managers[u] == NULL) continue;
    while (wzp_fc_manager_next_event(w->managers[u], &e, 0) == WZP_OK) {
      ++seen;
      if (e.type == WZP_FC_EVENT_SEND) {
        int to = user_of(w, e.target);
        if (to >= 0) (void)wzp_fc_manager_receive_bincode(w->managers[to], e.signal_bincode, e.signal_bincode_len);
      } else if (e.type == WZP_FC_EVENT_STATE) {
        printf("  %-5s call %.8s: %s -> %s%s%s\n", names[u], e.call_id, wzp_fc_call_state_name(e.previous_state),
               wzp_fc_call_state_name(e.state), e.state == WZP_FC_CALL_ENDED ? " " : "",
               e.state == WZP_FC_CALL_ENDED ? wzp_fc_call_end_name(e.end) : "");
        wzp_fc_event_clear(&w->last[u]);
        w->last[u] = e;                 /* keep it: its strings move with it */
        wzp_fc_event_init(&e);
      } else if (e.type == WZP_FC_EVENT_MISSED) {
        char* json = NULL;
        if (wzp_fc_missed_call_decode(e.missed_call, WZP_FC_MISSED_CALL_BYTES, &json) == WZP_OK) {
          printf("  %-5s missed-call record (%d bytes): %s\n", names[u], WZP_FC_MISSED_CALL_BYTES, json);
          wzp_free(json);
          ++w->missed_records;
        }
      }
    }
  }
  wzp_fc_event_clear(&e);
  return seen;
}

/* Pump until user u's last state is `state` (and `end`, for ENDED), for at most timeout_ms. */
static int wait_state(struct world* w, int u, wzp_fc_call_state state, wzp_fc_call_end end, int timeout_ms) {
  for (int waited = 0; waited < timeout_ms; waited += 10) {
    pump(w);
    if (w->last[u].state == state && (state != WZP_FC_CALL_ENDED || w->last[u].end == end)) return 0;
    sleep_ms(10);
  }
  fprintf(stderr, "%s never reached %s\n", names[u], wzp_fc_call_state_name(state));
  return 1;
}

static int new_manager(struct world* w, int u, const char* relay_addr, uint32_t ring_timeout_ms) {
  wzp_fc_manager_config config;
  wzp_fc_manager_config_init(&config);
  config.identity = w->ids[u];
  config.default_relay = relay_addr;
  config.ring_timeout_ms = ring_timeout_ms;
  config.join_timeout_ms = 20000; /* generous: the tests also run this under sanitizers */
  CHECK(wzp_fc_manager_new(&config, &w->managers[u]));
  wzp_fc_event_init(&w->last[u]);
  return 0;
}

static void free_managers(struct world* w) {
  for (int u = 0; u < USERS; ++u) {
    wzp_fc_manager_free(w->managers[u]);
    w->managers[u] = NULL;
    wzp_fc_event_clear(&w->last[u]);
  }
}

/* Run 1: ring, answer, media, hang up. */
static int answered_call(struct world* w, const char* relay_addr) {
  char call_id[WZP_FC_CALL_ID_LEN + 1];
  printf("1. answered call\n");
  if (new_manager(w, ALICE, relay_addr, 45000) || new_manager(w, BOB, relay_addr, 45000)) return 1;
  CHECK(wzp_fc_manager_place_call(w->managers[ALICE], w->fingerprints[BOB], NULL, "alice-and-bob", call_id));
  if (wait_state(w, BOB, WZP_FC_CALL_RINGING, WZP_FC_END_NONE, 5000)) return 1;
  if (wait_state(w, ALICE, WZP_FC_CALL_RINGING, WZP_FC_END_NONE, 5000)) return 1;
  CHECK(wzp_fc_manager_accept(w->managers[BOB], call_id));
  if (wait_state(w, ALICE, WZP_FC_CALL_ACTIVE, WZP_FC_END_NONE, 30000)) return 1;
  if (wait_state(w, BOB, WZP_FC_CALL_ACTIVE, WZP_FC_END_NONE, 30000)) return 1;

  wzp_call *alice_call = NULL, *bob_call = NULL;
  CHECK(wzp_fc_manager_call_media(w->managers[ALICE], call_id, &alice_call, NULL));
  CHECK(wzp_fc_manager_call_media(w->managers[BOB], call_id, &bob_call, NULL));
  int16_t tone[WZP_CALL_FRAME_SAMPLES];
  for (int i = 0; i < WZP_CALL_FRAME_SAMPLES; ++i) tone[i] = (int16_t)(8000.0 * sin(i * 2.0 * 3.14159265 / 96.0));
  for (int frame = 0; frame < 100; ++frame) { /* 2 s of a 500 Hz tone, paced in real time */
    CHECK(wzp_call_send_pcm(alice_call, tone, WZP_CALL_FRAME_SAMPLES));
    sleep_ms(20);
  }
  sleep_ms(300);
  wzp_call_stats stats;
  wzp_call_stats_init(&stats);
  CHECK(wzp_call_stats_get(bob_call, WZP_CALL_MIXED, &stats));
  printf("  bob received %llu packets and played %llu frames of alice's voice\n",
         (unsigned long long)stats.received, (unsigned long long)stats.played);
  if (stats.played < 50) {
    fprintf(stderr, "too little of alice's voice reached bob\n");
    return 1;
  }
  CHECK(wzp_fc_manager_hangup(w->managers[ALICE], call_id));
  if (wait_state(w, BOB, WZP_FC_CALL_ENDED, WZP_FC_END_HANGUP, 5000)) return 1;
  if (wait_state(w, ALICE, WZP_FC_CALL_ENDED, WZP_FC_END_HANGUP, 5000)) return 1;
  CHECK(wzp_fc_manager_release_media(w->managers[ALICE], call_id));
  CHECK(wzp_fc_manager_release_media(w->managers[BOB], call_id));
  free_managers(w);
  return 0;
}

/* Run 2: nobody answers; a missed-call record comes out at bob's. */
static int missed_call(struct world* w, const char* relay_addr) {
  char call_id[WZP_FC_CALL_ID_LEN + 1];
  printf("2. missed call (ring timeout 1 s)\n");
  if (new_manager(w, ALICE, relay_addr, 1000) || new_manager(w, BOB, relay_addr, 1000)) return 1;
  CHECK(wzp_fc_manager_place_call(w->managers[ALICE], w->fingerprints[BOB], NULL, NULL, call_id));
  if (wait_state(w, BOB, WZP_FC_CALL_ENDED, WZP_FC_END_MISSED, 10000)) return 1;
  if (wait_state(w, ALICE, WZP_FC_CALL_ENDED, WZP_FC_END_MISSED, 10000)) return 1;
  for (int waited = 0; w->missed_records == 0 && waited < 2000; waited += 10) {
    pump(w);
    sleep_ms(10);
  }
  if (w->missed_records != 1) {
    fprintf(stderr, "bob got %d missed-call records, not 1\n", w->missed_records);
    return 1;
  }
  free_managers(w);
  return 0;
}

/* Run 3: bob is in a call with carol when alice calls. */
static int busy_call(struct world* w, const char* relay_addr) {
  char first[WZP_FC_CALL_ID_LEN + 1], second[WZP_FC_CALL_ID_LEN + 1];
  printf("3. busy callee\n");
  for (int u = 0; u < USERS; ++u)
    if (new_manager(w, u, relay_addr, 45000)) return 1;
  CHECK(wzp_fc_manager_place_call(w->managers[CAROL], w->fingerprints[BOB], NULL, NULL, first));
  if (wait_state(w, BOB, WZP_FC_CALL_RINGING, WZP_FC_END_NONE, 5000)) return 1;
  CHECK(wzp_fc_manager_accept(w->managers[BOB], first));
  if (wait_state(w, BOB, WZP_FC_CALL_ACTIVE, WZP_FC_END_NONE, 30000)) return 1;
  CHECK(wzp_fc_manager_place_call(w->managers[ALICE], w->fingerprints[BOB], NULL, NULL, second));
  if (wait_state(w, ALICE, WZP_FC_CALL_ENDED, WZP_FC_END_BUSY, 5000)) return 1;
  char* json = NULL;
  CHECK(wzp_fc_manager_call_json(w->managers[BOB], first, &json));
  printf("  bob's call with carol goes on: %s\n", json);
  const int still_active = strstr(json, "\"state\":\"active\"") != NULL;
  wzp_free(json);
  if (!still_active) {
    fprintf(stderr, "bob's call with carol did not survive alice's call\n");
    return 1;
  }
  CHECK(wzp_fc_manager_hangup(w->managers[CAROL], first));
  if (wait_state(w, BOB, WZP_FC_CALL_ENDED, WZP_FC_END_HANGUP, 5000)) return 1;
  free_managers(w);
  return 0;
}

int main(void) {
  int failed = 1;
  struct world w;
  memset(&w, 0, sizeof w);
  wzp_relay* relay = NULL;
  wzp_relay_config rc;
  wzp_relay_config_init(&rc);
  rc.listen_host = "127.0.0.1";
  rc.listen_port = 0;
  if (wzp_relay_new(&rc, &relay) != WZP_OK || wzp_relay_start(relay) != WZP_OK) {
    fprintf(stderr, "relay: %s\n", wzp_last_error());
    goto done;
  }
  char relay_addr[64];
  if (wzp_relay_address(relay, relay_addr, sizeof relay_addr) != WZP_OK) goto done;
  printf("relay at %s\n", relay_addr);
  for (int u = 0; u < USERS; ++u) {
    if (wzp_identity_new_random(&w.ids[u]) != WZP_OK) goto done;
    wzp_identity_fingerprint_str(w.ids[u], w.fingerprints[u], sizeof w.fingerprints[u]);
  }
  if (answered_call(&w, relay_addr) || missed_call(&w, relay_addr) || busy_call(&w, relay_addr)) goto done;
  printf("featherchat_call: done\n");
  failed = 0;
done:
  free_managers(&w);
  for (int u = 0; u < USERS; ++u) wzp_identity_free(w.ids[u]);
  if (relay != NULL) wzp_relay_stop(relay);
  wzp_relay_free(relay);
  return failed;
}

/* featherChat group calls, presence and the choice of relay in C99. A relay runs in this
 * process with its access list on and an admin token for its HTTP API:
 *
 *   1. featherChat's relay-config answer is read, and the relay for a call to an offline user
 *      chosen from it;
 *   2. featherChat's server makes the room of the group "Design team" admit exactly the group's
 *      four members, over the relay's HTTP API; the four join the room, presence sees them online
 *      and the relay for a call to one of them is now the relay that user is at;
 *   3. dave leaves the group: the server syncs again, the relay disconnects dave with the ACL
 *      close code and refuses him when he joins again; presence reports him offline.
 *
 * Every step prints a line; exits 0 when it all went as described, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wzp.h>

#define CHECK(call)                                                                        \
  do {                                                                                     \
    int rc_ = (call);                                                                      \
    if (rc_ != WZP_OK) {                                                                   \
      fprintf(stderr, "%s failed: %s (%s)\n", #call, wzp_strerror(rc_), wzp_last_error()); \
      return 1;                                                                            \
    }                                                                                      \
  } while (0)

enum { ALICE, BOB, CAROL, DAVE, MEMBERS };
static const char* const names[MEMBERS] = {"alice", "bob", "carol", "dave"};
static const char* const group_name = "Design team";
static const char* const admin_token = "relay-admin-token";

struct group {
  wzp_relay* relay;
  char relay_addr[64];
  char admin_url[64];
  char config_relay[262]; /* the relay-config default */
  wzp_fc_presence* presence;
  wzp_identity* ids[MEMBERS];
  char fingerprints[MEMBERS][WZP_FINGERPRINT_STR_LEN + 1];
  const char* members[MEMBERS];
  wzp_client* clients[MEMBERS];
};

static int relay_config(struct group* g) {
  /* What featherChat's GET /v1/wzp/relay-config answered (wzp_fc_relay_config_fetch asks it). */
  char answer[256];
  snprintf(answer, sizeof answer, "{\"relay_addr\":\"%s\",\"web_bridge_url\":null,\"relays\":[]}",
           g->relay_addr);
  char* config = NULL;
  CHECK(wzp_fc_relay_config_parse(answer, strlen(answer), &config, g->config_relay, sizeof g->config_relay));
  printf("  relay-config: %s\n", config);
  wzp_free(config);
  return 0;
}

static int relay_for_call(struct group* g, const char* callee, char* relay, size_t relay_len) {
  char callee_relay[262];
  const char* at =
      wzp_fc_presence_lookup(g->presence, callee, callee_relay, sizeof callee_relay, NULL, 0) == WZP_OK
          ? callee_relay
          : NULL;
  wzp_fc_relay_reason reason;
  CHECK(wzp_fc_choose_relay(WZP_FC_RELAY_CALLEE, NULL, at, g->config_relay, relay, relay_len, &reason));
  printf("  a call to %.19s... goes to %s (%s)\n", callee, relay, wzp_fc_relay_reason_name(reason));
  return reason == WZP_FC_RELAY_REASON_CALLEE_ONLINE ? 2 : 0;
}

static int watch_the_group(struct group* g) {
  wzp_fc_presence_config config;
  wzp_fc_presence_config_init(&config);
  config.poll_interval_ms = 200;
  CHECK(wzp_fc_presence_new(&config, &g->presence));
  CHECK(wzp_fc_presence_add_relay(g->presence, g->relay, g->relay_addr));
  for (int m = 0; m < MEMBERS; ++m) CHECK(wzp_fc_presence_watch(g->presence, g->fingerprints[m]));
  CHECK(wzp_fc_presence_start(g->presence));
  return 0;
}

/* Wait for `count` presence events of `type`, printing each. */
static int wait_presence(struct group* g, wzp_fc_presence_event_type type, int count) {
  wzp_fc_presence_event ev;
  wzp_fc_presence_event_init(&ev);
  while (count > 0 && wzp_fc_presence_next_event(g->presence, &ev, 15000) == WZP_OK) {
    printf("  presence: %.19s... %s at %s\n", ev.fingerprint, wzp_fc_presence_event_type_name(ev.type),
           ev.relay_addr);
    if (ev.type == type) --count;
  }
  wzp_fc_presence_event_clear(&ev);
  return count == 0 ? 0 : 1;
}

static int join_the_group_call(struct group* g, int m, wzp_client** out) {
  wzp_client_config config;
  wzp_client_config_init(&config);
  config.relay_host = "127.0.0.1";
  config.relay_port = (uint16_t)atoi(strrchr(g->relay_addr, ':') + 1);
  config.room = group_name; /* the group's name is the room; the client hashes it */
  config.identity = g->ids[m];
  CHECK(wzp_client_new(&config, out));
  CHECK(wzp_client_connect(*out));
  return wzp_client_wait_joined(*out, 15000);
}

static int group_call(struct group* g) {
  printf("2. group call in \"%s\"\n", group_name);
  char* error = NULL;
  if (wzp_fc_acl_sync_http(g->admin_url, admin_token, group_name, g->members, MEMBERS, 5000, &error) !=
      WZP_OK) {
    fprintf(stderr, "ACL sync: %s\n", error);
    wzp_free(error);
    return 1;
  }
  printf("  featherChat's server: the room admits the group's %d members\n", MEMBERS);
  for (int m = 0; m < MEMBERS; ++m) {
    if (join_the_group_call(g, m, &g->clients[m]) != WZP_OK) {
      fprintf(stderr, "%s could not join: %s\n", names[m], wzp_last_error());
      return 1;
    }
    printf("  %s joined\n", names[m]);
  }
  return wait_presence(g, WZP_FC_PRESENCE_ONLINE, MEMBERS);
}

static int remove_a_member(struct group* g) {
  printf("3. dave leaves the group\n");
  CHECK(wzp_fc_acl_sync_http(g->admin_url, admin_token, group_name, g->members, MEMBERS - 1, 5000, NULL));
  wzp_event ev;
  wzp_event_init(&ev);
  while (wzp_client_next_event(g->clients[DAVE], &ev, 15000) == WZP_OK && ev.type != WZP_EVENT_CLOSED) {
  }
  wzp_event_clear(&ev);
  wzp_close_info closed;
  wzp_close_info_init(&closed);
  CHECK(wzp_client_last_close(g->clients[DAVE], &closed));
  printf("  dave is disconnected: %s (%s)\n", wzp_close_code_name(closed.code), closed.reason);
  if (closed.code != WZP_CLOSE_ACL_DENIED) return 1;

  wzp_client* again = NULL;
  int rc = join_the_group_call(g, DAVE, &again);
  printf("  dave tries again: %s\n",
         rc == WZP_ERR_ACL_DENIED ? "refused by the access list" : wzp_strerror(rc));
  wzp_client_free(again);
  if (rc != WZP_ERR_ACL_DENIED) return 1;
  for (int m = ALICE; m < DAVE; ++m)
    if (wzp_client_get_state(g->clients[m]) != WZP_CLIENT_JOINED) return 1;
  printf("  the other three are still in the call\n");
  return wait_presence(g, WZP_FC_PRESENCE_OFFLINE, 1);
}

static int run(struct group* g) {
  wzp_relay_config rc;
  wzp_relay_config_init(&rc);
  rc.listen_host = "127.0.0.1";
  rc.listen_port = 0; /* any free port */
  rc.acl_enabled = 1;
  rc.metrics_any_port = 1;
  rc.http_admin_token = admin_token;
  CHECK(wzp_relay_new(&rc, &g->relay));
  CHECK(wzp_relay_start(g->relay));
  CHECK(wzp_relay_address(g->relay, g->relay_addr, sizeof g->relay_addr));
  uint16_t http_port = 0;
  CHECK(wzp_relay_http_port(g->relay, &http_port));
  snprintf(g->admin_url, sizeof g->admin_url, "http://127.0.0.1:%u", (unsigned)http_port);
  printf("relay at %s, its HTTP API at %s\n", g->relay_addr, g->admin_url);
  for (int m = 0; m < MEMBERS; ++m) {
    CHECK(wzp_identity_new_random(&g->ids[m]));
    CHECK(wzp_identity_fingerprint_str(g->ids[m], g->fingerprints[m], sizeof g->fingerprints[m]));
    g->members[m] = g->fingerprints[m];
  }
  if (watch_the_group(g)) return 1;

  printf("1. relay-config and presence\n");
  char relay[262];
  if (relay_config(g) || relay_for_call(g, g->fingerprints[BOB], relay, sizeof relay) != 0) return 1;
  if (group_call(g)) return 1;
  if (relay_for_call(g, g->fingerprints[BOB], relay, sizeof relay) != 2) return 1;
  return remove_a_member(g);
}

int main(void) {
  struct group g;
  memset(&g, 0, sizeof g);
  const int failed = run(&g);
  for (int m = 0; m < MEMBERS; ++m) {
    if (g.clients[m] != NULL) wzp_client_hangup(g.clients[m], NULL);
    wzp_client_free(g.clients[m]);
    wzp_identity_free(g.ids[m]);
  }
  wzp_fc_presence_free(g.presence);
  if (g.relay != NULL) wzp_relay_stop(g.relay);
  wzp_relay_free(g.relay);
  if (!failed) printf("featherchat_group: done\n");
  return failed;
}

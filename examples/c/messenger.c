/* A messenger's call flow in C99, from one poll() loop over every event fd:
 *
 *   - a relay in this process (rooms of at most two) and three clients;
 *   - alice joins "general"; bob joins and both learn of the other (PEER_JOINED);
 *   - alice sends a media packet, bob receives it; bob sends alice a peer signal;
 *   - carol tries the full room and is refused with WZP_ERR_ROOM_FULL;
 *   - alice hangs up: bob sees PEER_LEFT with the reason, alice sees CLOSED.
 *
 * Every step prints a line; the program exits 0 once all happened, 1 on any failure or
 * after 30 s. No callbacks and no threads of our own: the library's loop threads make
 * the fds readable, this loop drains them with a zero timeout.
 */
#define _POSIX_C_SOURCE 200809L /* poll() under strict C99 */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <wzp.h>

#define CHECK(call)                                                                        \
  do {                                                                                     \
    int rc_ = (call);                                                                      \
    if (rc_ != WZP_OK) {                                                                   \
      fprintf(stderr, "%s failed: %s (%s)\n", #call, wzp_strerror(rc_), wzp_last_error()); \
      goto done;                                                                           \
    }                                                                                      \
  } while (0)

enum { RELAY, ALICE, BOB, CAROL, HANDLES };
static const char* const names[HANDLES] = {"relay", "alice", "bob", "carol"};

/* What the flow has seen so far. */
struct flow {
  wzp_relay* relay;
  wzp_client* clients[HANDLES]; /* indexed by ALICE, BOB, CAROL */
  char fingerprints[HANDLES][WZP_FINGERPRINT_STR_LEN + 1];
  int bob_connecting, alice_knows_bob, bob_knows_alice, media_sent, media_received;
  int signal_received, carol_connecting, carol_refused, alice_hung_up, bob_saw_alice_leave;
  int alice_closed, failed;
};

static int connect_client(struct flow* f, int who, uint16_t port, wzp_identity* identity) {
  wzp_client_config config;
  wzp_client_config_init(&config);
  config.relay_host = "localhost"; /* a host name: resolved off the loop thread */
  config.relay_port = port;
  config.room = "general";
  config.identity = identity;
  config.handshake_timeout_ms = 20000; /* generous: the tests also run this under valgrind */
  int rc = wzp_client_new(&config, &f->clients[who]);
  if (rc == WZP_OK) rc = wzp_client_connect(f->clients[who]);
  if (rc != WZP_OK) fprintf(stderr, "%s: %s (%s)\n", names[who], wzp_strerror(rc), wzp_last_error());
  return rc;
}

static void send_media(struct flow* f) {
  wzp_media_header header;
  memset(&header, 0, sizeof header);
  header.codec = WZP_CODEC_OPUS24K;
  header.seq = 1;
  const char* payload = "20 ms of opus"; /* the relay forwards the payload as given */
  uint8_t packet[64];
  size_t len = 0;
  if (wzp_media_packet_build(&header, (const uint8_t*)payload, strlen(payload), NULL, packet, sizeof packet,
                             &len) != WZP_OK ||
      wzp_client_send_media(f->clients[ALICE], packet, len) != WZP_OK) {
    fprintf(stderr, "alice: send_media: %s\n", wzp_last_error());
    f->failed = 1;
    return;
  }
  f->media_sent = 1;
  printf("alice: sent a media packet\n");
}

/* One event of handle `who`: print it and take the flow's next step. */
static void on_event(struct flow* f, int who, const wzp_event* ev, uint16_t port, wzp_identity* carol_id) {
  const char* name = names[who];
  switch (ev->type) {
    case WZP_EVENT_JOINED:
      if (who == RELAY) {
        printf("relay: %s joined room %.8s...\n", ev->fingerprint, ev->room);
      } else {
        printf("%s: joined, relay %s\n", name, ev->fingerprint);
        if (who == ALICE && !f->bob_connecting) {
          f->bob_connecting = 1;
          if (connect_client(f, BOB, port, NULL) != WZP_OK) f->failed = 1;
        }
      }
      break;
    case WZP_EVENT_PEER_JOINED:
      printf("%s: peer %s joined%s%s\n", name, ev->fingerprint, ev->alias ? " as " : "",
             ev->alias ? ev->alias : "");
      if (who == ALICE) f->alice_knows_bob = 1;
      if (who == BOB) f->bob_knows_alice = 1;
      if (f->alice_knows_bob && f->bob_knows_alice && !f->media_sent) send_media(f);
      break;
    case WZP_EVENT_PEER_LEFT:
      printf("%s: peer %s left: %s\n", name, ev->fingerprint, ev->close_reason ? ev->close_reason : "");
      if (who == BOB) f->bob_saw_alice_leave = 1;
      break;
    case WZP_EVENT_MEDIA:
      printf("%s: media packet of %zu bytes\n", name, ev->data_len);
      if (who == BOB && !f->media_received) {
        f->media_received = 1;
        const char* hello = "{\"hello\":\"from bob\"}"; /* opaque to the relay */
        if (wzp_client_send_peer_signal(f->clients[BOB], f->fingerprints[ALICE], (const uint8_t*)hello,
                                        strlen(hello)) != WZP_OK) {
          fprintf(stderr, "bob: send_peer_signal: %s\n", wzp_last_error());
          f->failed = 1;
        }
      }
      break;
    case WZP_EVENT_PEER_SIGNAL:
      printf("%s: signal from %s: %.*s\n", name, ev->fingerprint, (int)ev->data_len, (const char*)ev->data);
      if (who == ALICE && !f->carol_connecting) {
        f->signal_received = 1;
        f->carol_connecting = 1;
        if (connect_client(f, CAROL, port, carol_id) != WZP_OK) f->failed = 1;
      }
      break;
    case WZP_EVENT_REJECTED:
      printf("relay: refused %s: %s\n", ev->fingerprint ? ev->fingerprint : "(unknown)",
             wzp_close_code_name(ev->close_code));
      break;
    case WZP_EVENT_LEFT:
      printf("relay: %s left: %s\n", ev->fingerprint, ev->close_reason ? ev->close_reason : "");
      break;
    case WZP_EVENT_CLOSED:
      printf("%s: closed: %s (%s)\n", name, wzp_close_code_name(ev->close_code),
             ev->close_reason ? ev->close_reason : "");
      if (who == CAROL) {
        /* The refusal as a specific error: the one wzp_client_wait_joined returns too. */
        wzp_close_info info;
        wzp_close_info_init(&info);
        int status = wzp_client_last_close(f->clients[CAROL], &info) == WZP_OK
                         ? wzp_close_code_status(info.code)
                         : WZP_ERR_INTERNAL;
        printf("carol: refused with %s: %s\n", wzp_strerror(status), info.reason);
        if (status != WZP_ERR_ROOM_FULL) {
          f->failed = 1;
        } else if (!f->alice_hung_up) {
          f->carol_refused = 1;
          f->alice_hung_up = 1;
          printf("alice: hanging up\n");
          if (wzp_client_hangup(f->clients[ALICE], "Normal") != WZP_OK) f->failed = 1;
        }
      }
      if (who == ALICE) f->alice_closed = 1;
      break;
    default: break; /* STATE: connecting, authenticating, handshaking */
  }
}

int main(void) {
  struct flow f;
  memset(&f, 0, sizeof f);
  wzp_identity *alice_id = NULL, *carol_id = NULL;
  int exit_code = 1;

  wzp_relay_config relay_config;
  wzp_relay_config_init(&relay_config);
  relay_config.listen_host = "127.0.0.1";
  relay_config.listen_port = 0; /* any free port */
  relay_config.max_room_size = 2;
  relay_config.handshake_timeout_ms = 20000;
  CHECK(wzp_relay_new(&relay_config, &f.relay));
  CHECK(wzp_relay_start(f.relay));
  uint16_t port = 0;
  CHECK(wzp_relay_port(f.relay, &port));
  printf("relay: listening on port %u\n", (unsigned)port);

  CHECK(wzp_identity_new_random(&alice_id));
  CHECK(wzp_identity_fingerprint_str(alice_id, f.fingerprints[ALICE], sizeof f.fingerprints[ALICE]));
  CHECK(wzp_identity_new_random(&carol_id));
  if (connect_client(&f, ALICE, port, alice_id) != WZP_OK) goto done;

  wzp_event ev;
  wzp_event_init(&ev);
  int open[HANDLES] = {1, 1, 1, 1};
  for (int round = 0; round < 300 && !f.failed; ++round) {
    if (f.carol_refused && f.bob_saw_alice_leave && f.alice_closed) {
      exit_code = 0;
      break;
    }
    struct pollfd fds[HANDLES];
    int who_of[HANDLES], n = 0;
    for (int who = 0; who < HANDLES; ++who) {
      int fd = who == RELAY     ? wzp_relay_event_fd(f.relay)
               : f.clients[who] ? wzp_client_event_fd(f.clients[who])
                                : -1;
      if (fd < 0 || !open[who]) continue;
      fds[n].fd = fd;
      fds[n].events = POLLIN;
      fds[n].revents = 0;
      who_of[n++] = who;
    }
    if (poll(fds, (nfds_t)n, 100) < 0) break;
    for (int i = 0; i < n; ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      int who = who_of[i];
      for (;;) { /* drain: zero timeout, WOULD_BLOCK once the queue is empty */
        int rc = who == RELAY ? wzp_relay_next_event(f.relay, &ev, 0)
                              : wzp_client_next_event(f.clients[who], &ev, 0);
        if (rc == WZP_ERR_CLOSED) {
          open[who] = 0; /* ended and drained: its fd stays readable, stop polling it */
          break;
        }
        if (rc != WZP_OK) break;
        on_event(&f, who, &ev, port, carol_id);
      }
    }
  }
  wzp_event_clear(&ev);
  if (exit_code != 0)
    fprintf(stderr, "messenger: the flow did not complete\n");
  else
    printf("messenger: done\n");

done:
  for (int who = ALICE; who < HANDLES; ++who) wzp_client_free(f.clients[who]);
  wzp_relay_free(f.relay);
  wzp_identity_free(alice_id);
  wzp_identity_free(carol_id);
  return exit_code;
}

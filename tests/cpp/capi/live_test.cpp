// The relay and client calls of the C ABI, end to end on loopback: config structs,
// start/stop, ports and fingerprints, the three ways to receive events (queue, event fd,
// callback), stats, rooms JSON, the access list, pinning, hangup, and argument errors.
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "capi_test.hpp"
#include "common/auth_stand_in.hpp"

namespace wzp_capi_test {
namespace {

constexpr int kWaitMs = 10'000;

uint16_t start_relay(RelayOwner& relay, const wzp_relay_config* config = nullptr) {
  return start_loopback_relay(relay, config);
}

wzp_client_config client_config(uint16_t port, const char* room) {
  return loopback_client_config(port, room);
}

void join(ClientOwner& client, const wzp_client_config& config) {
  ASSERT_EQ(wzp_client_new(&config, &client.h), WZP_OK) << wzp_last_error();
  ASSERT_EQ(wzp_client_connect(client.h), WZP_OK) << wzp_last_error();
  ASSERT_EQ(wzp_client_wait_joined(client.h, kWaitMs), WZP_OK) << wzp_last_error();
  EXPECT_EQ(wzp_client_get_state(client.h), WZP_CLIENT_JOINED);
}

Bytes media_packet(uint16_t seq, const std::string& text) {
  wzp_media_header h{};
  h.codec = WZP_CODEC_OPUS16K;
  h.seq = seq;
  Bytes out(WZP_MEDIA_HEADER_BYTES + text.size());
  size_t n = 0;
  EXPECT_EQ(wzp_media_packet_build(&h, reinterpret_cast<const uint8_t*>(text.data()), text.size(), nullptr,
                                   out.data(), out.size(), &n),
            WZP_OK);
  out.resize(n);
  return out;
}

// Next event of a given type from a client's queue (others are skipped).
bool next_of_type(wzp_client* c, wzp_event_type type, wzp_event* ev) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (std::chrono::steady_clock::now() < deadline) {
    if (wzp_client_next_event(c, ev, 100) != WZP_OK) continue;
    if (ev->type == type) return true;
    wzp_event_clear(ev);
  }
  return false;
}

TEST(CapiLive, ConfigDefaultsAreDocumented) {
  wzp_relay_config r;
  wzp_relay_config_init(&r);
  EXPECT_EQ(r.struct_size, sizeof r);
  EXPECT_STREQ(r.listen_host, "0.0.0.0");
  EXPECT_EQ(r.listen_port, 4433);
  EXPECT_EQ(r.auth_timeout_ms, 5000u);
  EXPECT_EQ(r.max_sessions, 100u);
  EXPECT_EQ(r.phase_timeout_ms, 10000u);
  EXPECT_EQ(r.idle_timeout_ms, 30000u);
  EXPECT_EQ(r.acl_enabled, 0);
  EXPECT_EQ(r.max_handshakes, 0u);  // max(16, max_sessions / 4)
  EXPECT_EQ(r.handshake_timeout_ms, 3000u);
  EXPECT_EQ(r.auth_max_pending, 256u);
  EXPECT_EQ(r.auth_max_pending_per_address, 4u);
  wzp_client_config c;
  wzp_client_config_init(&c);
  EXPECT_EQ(c.struct_size, sizeof c);
  EXPECT_EQ(c.session_mode, WZP_SESSION_V2);
  EXPECT_EQ(c.handshake_timeout_ms, 10000u);
  EXPECT_EQ(r.trunking, 0);
  EXPECT_EQ(c.accept_trunking, 1);
}

// Trunking through the C ABI: a trunking relay batches for the client that accepts it, which
// reports each packet as its own MEDIA event; the one that declines gets plain datagrams.
TEST(CapiLive, TrunkingIsNegotiatedAndUnpacked) {
  RelayOwner relay;
  wzp_relay_config rc;
  wzp_relay_config_init(&rc);
  rc.trunking = 1;
  uint16_t port = start_relay(relay, &rc);
  ClientOwner sender, trunked, plain;
  join(sender, client_config(port, "trunk"));
  join(trunked, client_config(port, "trunk"));
  auto declining = client_config(port, "trunk");
  declining.accept_trunking = 0;
  join(plain, declining);

  constexpr uint16_t kPackets = 12;
  for (uint16_t seq = 0; seq < kPackets; ++seq) {
    Bytes packet = media_packet(seq, "trunk " + std::to_string(seq));
    ASSERT_EQ(wzp_client_send_media(sender.h, packet.data(), packet.size()), WZP_OK) << wzp_last_error();
  }
  wzp_event ev;
  wzp_event_init(&ev);
  for (wzp_client* receiver : {trunked.h, plain.h}) {
    for (uint16_t seq = 0; seq < kPackets; ++seq) {
      ASSERT_TRUE(next_of_type(receiver, WZP_EVENT_MEDIA, &ev)) << seq;
      EXPECT_EQ(Bytes(ev.data, ev.data + ev.data_len), media_packet(seq, "trunk " + std::to_string(seq)));
      wzp_event_clear(&ev);
    }
  }
  wzp_client_stats cs;
  wzp_client_stats_init(&cs);
  ASSERT_EQ(wzp_client_stats_get(trunked.h, &cs), WZP_OK);
  EXPECT_GE(cs.trunk_frames_received, 1u);
  EXPECT_EQ(cs.trunk_packets_unpacked, kPackets);
  EXPECT_EQ(cs.trunk_frames_malformed, 0u);
  ASSERT_EQ(wzp_client_stats_get(plain.h, &cs), WZP_OK);
  EXPECT_EQ(cs.trunk_frames_received, 0u);
  EXPECT_EQ(cs.datagrams_received, kPackets);

  wzp_relay_stats st;
  wzp_relay_stats_init(&st);
  // Counted just after the send: poll until the relay has counted what the clients have.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  do {
    ASSERT_EQ(wzp_relay_stats_get(relay.h, &st), WZP_OK);
  } while (st.datagrams_forwarded < 2u * kPackets && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(st.trunk_packets_batched, kPackets);
  EXPECT_GE(st.trunk_frames_sent, 1u);
  ASSERT_EQ(wzp_client_stats_get(trunked.h, &cs), WZP_OK);
  EXPECT_EQ(st.trunk_frames_sent, cs.trunk_frames_received);
  EXPECT_EQ(st.datagrams_forwarded, 2u * kPackets);
}

// The multi-loop fields of wzp_relay_stats (0.10.0) come through the ABI: a relay on two
// loops reports them, nothing dropped or handed over while nobody talks.
TEST(CapiLive, MultiLoopStatsComeThroughTheAbi) {
  wzp_relay_config rc;
  wzp_relay_config_init(&rc);
  rc.threads = 2;
  RelayOwner relay;
  start_loopback_relay(relay, &rc);
  wzp_relay_stats st;
  wzp_relay_stats_init(&st);
  st.cross_loop_dropped = st.packets_handed_over = st.handover_dropped = 77;  // overwritten
  ASSERT_EQ(wzp_relay_stats_get(relay.h, &st), WZP_OK);
  EXPECT_EQ(st.threads, 2u);
  EXPECT_EQ(st.cross_loop_dropped, 0u);
  EXPECT_EQ(st.packets_handed_over, 0u);
  EXPECT_EQ(st.handover_dropped, 0u);
}

TEST(CapiLive, ArgumentErrorsAreClear) {
  wzp_relay* relay = nullptr;
  EXPECT_EQ(wzp_relay_new(nullptr, nullptr), WZP_ERR_INVALID_ARGUMENT);
  wzp_relay_config r;
  wzp_relay_config_init(&r);
  r.struct_size = 0;
  EXPECT_EQ(wzp_relay_new(&r, &relay), WZP_ERR_INVALID_ARGUMENT);
  wzp_relay_config_init(&r);
  r.cert_file = "only-a-cert.pem";
  EXPECT_EQ(wzp_relay_new(&r, &relay), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wzp_last_error()).find("go together"), std::string::npos);
  wzp_relay_config_init(&r);
  r.acl_file = "/nonexistent/acl.txt";
  EXPECT_EQ(wzp_relay_new(&r, &relay), WZP_ERR_IO);
  wzp_relay_config_init(&r);
  r.listen_host = "not-an-ip";
  ASSERT_EQ(wzp_relay_new(&r, &relay), WZP_OK);
  EXPECT_EQ(wzp_relay_start(relay), WZP_ERR_INVALID_ARGUMENT);
  wzp_relay_free(relay);

  wzp_client* client = nullptr;
  wzp_client_config c = client_config(1, nullptr);
  c.relay_host = "";  // a host name is fine (resolved when connecting), an empty one is not
  EXPECT_EQ(wzp_client_new(&c, &client), WZP_ERR_INVALID_ARGUMENT);
  c = client_config(0, nullptr);
  EXPECT_EQ(wzp_client_new(&c, &client), WZP_ERR_INVALID_ARGUMENT);
  c = client_config(1, "not a dns name");
  c.raw_room = 1;
  EXPECT_EQ(wzp_client_new(&c, &client), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_client_send_media(nullptr, nullptr, 0), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_relay_event_fd(nullptr), WZP_ERR_INVALID_ARGUMENT);
  wzp_relay_free(nullptr);
  wzp_client_free(nullptr);
  wzp_event_clear(nullptr);
}

TEST(CapiLive, TwoClientsExchangeMediaThroughTheQueue) {
  RelayOwner relay;
  uint16_t port = start_relay(relay);
  IdentityOwner alice;
  ASSERT_EQ(wzp_identity_new_random(&alice.h), WZP_OK);
  ClientOwner a, b;
  auto ac = client_config(port, "general");
  ac.identity = alice.h;
  join(a, ac);
  join(b, client_config(port, "general"));

  char sni[256];
  ASSERT_EQ(wzp_client_sni(a.h, sni, sizeof sni), WZP_OK);
  char room[WZP_ROOM_HASH_LEN + 1];
  wzp_hash_room_name("general", 7, room);
  EXPECT_STREQ(sni, room);
  char relay_fp[WZP_FINGERPRINT_STR_LEN + 1], seen_fp[WZP_FINGERPRINT_STR_LEN + 1];
  ASSERT_EQ(wzp_relay_fingerprint(relay.h, relay_fp, sizeof relay_fp), WZP_OK);
  ASSERT_EQ(wzp_client_relay_fingerprint(a.h, seen_fp, sizeof seen_fp), WZP_OK);
  EXPECT_STREQ(relay_fp, seen_fp);

  Bytes packet = media_packet(1, "hello");
  ASSERT_EQ(wzp_client_send_media(a.h, packet.data(), packet.size()), WZP_OK) << wzp_last_error();
  wzp_event ev;
  wzp_event_init(&ev);
  ASSERT_TRUE(next_of_type(b.h, WZP_EVENT_MEDIA, &ev));
  EXPECT_EQ(Bytes(ev.data, ev.data + ev.data_len), packet);
  wzp_event_clear(&ev);
  EXPECT_EQ(ev.data, nullptr);

  // A signal after joining arrives as JSON (the relay does not forward signals: it reads them).
  EXPECT_EQ(wzp_client_send_signal(a.h, "{\"Ping\":{\"timestamp_ms\":5}}", 27), WZP_OK) << wzp_last_error();
  EXPECT_EQ(wzp_client_send_signal(a.h, "{\"Nope\":1}", 10), WZP_ERR_JSON);

  // Relay side: JOINED events, rooms JSON, counters.
  int joined = 0;
  while (wzp_relay_next_event(relay.h, &ev, joined < 2 ? kWaitMs : 0) == WZP_OK) {
    if (ev.type == WZP_EVENT_JOINED) {
      ++joined;
      EXPECT_STREQ(ev.room, room);
      ASSERT_NE(ev.fingerprint, nullptr);
    }
    wzp_event_clear(&ev);
  }
  EXPECT_EQ(joined, 2);
  char* json = nullptr;
  ASSERT_EQ(wzp_relay_rooms_json(relay.h, &json), WZP_OK);
  auto rooms = Json::parse(json);
  wzp_free(json);
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0]["room"], room);
  EXPECT_EQ(rooms[0]["participants"].size(), 2u);
  char alice_fp[WZP_FINGERPRINT_STR_LEN + 1];
  wzp_identity_fingerprint_str(alice.h, alice_fp, sizeof alice_fp);
  EXPECT_EQ(rooms[0]["participants"][0]["fingerprint"], alice_fp);
  wzp_relay_stats st;
  st.struct_size = sizeof st;
  ASSERT_EQ(wzp_relay_stats_get(relay.h, &st), WZP_OK);
  EXPECT_EQ(st.participants, 2u);
  EXPECT_EQ(st.rooms, 1u);
  EXPECT_EQ(st.handshakes_ok, 2u);
  EXPECT_EQ(st.datagrams_forwarded, 1u);
  EXPECT_EQ(st.sessions_active, 2u);
  EXPECT_EQ(st.handshakes_in_progress, 0u);
  EXPECT_EQ(st.handshakes_refused, 0u);
  EXPECT_EQ(st.retries_sent, 0u);  // no load, no Retry
  // A caller built against the 0.1 struct (without the transport counters)
  // gets exactly its fields, nothing written beyond them.
  struct {
    wzp_relay_stats old;
    uint8_t guard[sizeof(wzp_relay_stats)];
  } small{};
  std::memset(&small, 0xAB, sizeof small);
  small.old.struct_size = offsetof(wzp_relay_stats, handshakes_in_progress);
  ASSERT_EQ(wzp_relay_stats_get(relay.h, &small.old), WZP_OK);
  EXPECT_EQ(small.old.participants, 2u);
  const auto* tail = reinterpret_cast<const uint8_t*>(&small.old) + small.old.struct_size;
  EXPECT_EQ(tail[0], 0xAB);

  wzp_client_stats cs;
  cs.struct_size = sizeof cs;
  ASSERT_EQ(wzp_client_stats_get(a.h, &cs), WZP_OK);
  EXPECT_GE(cs.datagrams_sent, 1u);
  EXPECT_GE(cs.signals_sent, 2u);  // CallOffer, Ping
  EXPECT_GT(cs.rtt_us, 0u);

  // Hangup: the client reports CLOSED (locally), the relay LEFT.
  ASSERT_EQ(wzp_client_hangup(a.h, "Busy"), WZP_OK);
  EXPECT_EQ(wzp_client_hangup(a.h, "Bogus"), WZP_ERR_INVALID_ARGUMENT);
  ASSERT_TRUE(next_of_type(a.h, WZP_EVENT_CLOSED, &ev));
  EXPECT_EQ(ev.close_origin, WZP_CLOSED_LOCALLY);
  EXPECT_EQ(ev.close_code, uint64_t{WZP_CLOSE_NORMAL});
  wzp_event_clear(&ev);
  EXPECT_EQ(wzp_client_next_event(a.h, &ev, 1000), WZP_ERR_CLOSED);  // drained and finished
  EXPECT_EQ(wzp_client_send_media(a.h, packet.data(), packet.size()), WZP_ERR_CLOSED);
  bool left = false;
  while (!left && wzp_relay_next_event(relay.h, &ev, kWaitMs) == WZP_OK) {
    if (ev.type == WZP_EVENT_LEFT) {
      left = true;
      EXPECT_STREQ(ev.fingerprint, alice_fp);
      EXPECT_EQ(ev.close_origin, WZP_CLOSED_BY_PEER);
    }
    wzp_event_clear(&ev);
  }
  EXPECT_TRUE(left);
}

TEST(CapiLive, EventFdBecomesReadable) {
  RelayOwner relay;
  uint16_t port = start_relay(relay);
  int fd = wzp_relay_event_fd(relay.h);
  ASSERT_GE(fd, 0);
  pollfd p{fd, POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);  // nothing yet
  ClientOwner a;
  join(a, client_config(port, nullptr));
  ASSERT_EQ(::poll(&p, 1, kWaitMs), 1);
  wzp_event ev;
  wzp_event_init(&ev);
  ASSERT_EQ(wzp_relay_next_event(relay.h, &ev, 0), WZP_OK);
  EXPECT_EQ(ev.type, WZP_EVENT_JOINED);
  EXPECT_STREQ(ev.room, "default");  // no room: SNI "default"
  std::string fingerprint = ev.fingerprint;
  wzp_event_clear(&ev);
  // The participant is online here (no relay address: this relay).
  ASSERT_EQ(wzp_relay_next_event(relay.h, &ev, kWaitMs), WZP_OK);
  EXPECT_EQ(ev.type, WZP_EVENT_PRESENCE);
  EXPECT_STREQ(wzp_event_type_name(ev.type), "PRESENCE");
  EXPECT_EQ(ev.online, 1);
  EXPECT_EQ(ev.fingerprint, fingerprint);
  EXPECT_EQ(ev.relay_addr, nullptr);
  EXPECT_STREQ(ev.room, "default");
  wzp_event_clear(&ev);
  EXPECT_EQ(wzp_relay_next_event(relay.h, &ev, 0), WZP_ERR_WOULD_BLOCK);  // a poll: nothing queued
  EXPECT_EQ(wzp_relay_next_event(relay.h, &ev, 1), WZP_ERR_TIMEOUT);      // a wait that ran out
  EXPECT_GE(wzp_client_event_fd(a.h), 0);
}

struct Recorded {
  struct Entry {
    int type;
    uint64_t close_code;
    std::string reason;
  };
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<Entry> events;
  void add(const wzp_event* ev) {
    std::lock_guard lock(mutex);
    events.push_back({ev->type, ev->close_code, ev->close_reason ? ev->close_reason : ""});
    cv.notify_all();
  }
  /// The n-th (0-based) event of `type`, once there is one.
  std::optional<Entry> wait_for(int type, size_t n = 0) {
    std::unique_lock lock(mutex);
    std::optional<Entry> found;
    cv.wait_for(lock, std::chrono::milliseconds(kWaitMs), [&] {
      size_t seen = 0;
      for (auto& e : events) {
        if (e.type == type && seen++ == n) {
          found = e;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  size_t count(int type) {
    std::lock_guard lock(mutex);
    return std::count_if(events.begin(), events.end(), [&](auto& e) { return e.type == type; });
  }
};

void record_event(const wzp_event* ev, void* user) { static_cast<Recorded*>(user)->add(ev); }

// The same client (identity and valid token) is admitted while the ACL lists
// its fingerprint and refused with ACL_DENIED once that entry is revoked.
TEST(CapiLive, CallbacksReplaceTheQueueAndRevokeRefusesAnAuthenticatedClient) {
  wzp::test_support::AuthStandIn auth;  // outlives the relay
  IdentityOwner alice;
  ASSERT_EQ(wzp_identity_new_random(&alice.h), WZP_OK);
  char alice_fp[WZP_FINGERPRINT_STR_LEN + 1];
  ASSERT_EQ(wzp_identity_fingerprint_str(alice.h, alice_fp, sizeof alice_fp), WZP_OK);
  auth.set("tok-alice", wzp::test_support::AuthStandIn::valid(alice_fp));

  Recorded relay_events;
  wzp_relay_config rc;
  wzp_relay_config_init(&rc);
  std::string auth_url = auth.url();
  rc.auth_url = auth_url.c_str();
  rc.callback = record_event;
  rc.user_data = &relay_events;
  RelayOwner relay;
  uint16_t port = start_relay(relay, &rc);
  char room[WZP_ROOM_HASH_LEN + 1];
  wzp_hash_room_name("locked", 6, room);
  ASSERT_EQ(wzp_relay_acl_set_enabled(relay.h, 1), WZP_OK);
  ASSERT_EQ(wzp_relay_acl_allow(relay.h, room, alice_fp), WZP_OK);

  auto cc = client_config(port, "locked");
  cc.token = "tok-alice";
  cc.identity = alice.h;
  cc.callback = record_event;
  Recorded admitted_events;
  cc.user_data = &admitted_events;
  ClientOwner admitted;
  join(admitted, cc);
  auto joined = relay_events.wait_for(WZP_EVENT_JOINED);
  ASSERT_TRUE(joined);

  ASSERT_EQ(wzp_relay_acl_revoke(relay.h, room, alice_fp), WZP_OK);
  Recorded refused_events;
  cc.user_data = &refused_events;
  ClientOwner refused;
  ASSERT_EQ(wzp_client_new(&cc, &refused.h), WZP_OK);
  ASSERT_EQ(wzp_client_connect(refused.h), WZP_OK);
  EXPECT_EQ(wzp_client_connect(refused.h), WZP_ERR_INVALID_STATE);
  EXPECT_EQ(wzp_client_wait_joined(refused.h, kWaitMs), WZP_ERR_ACL_DENIED);
  EXPECT_NE(std::string(wzp_last_error()).find("0x301"), std::string::npos) << wzp_last_error();
  auto closed = refused_events.wait_for(WZP_EVENT_CLOSED);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->close_code, uint64_t{WZP_CLOSE_ACL_DENIED});
  EXPECT_NE(closed->reason.find(std::string(alice_fp) + " is not allowed in room " + room), std::string::npos)
      << closed->reason;
  EXPECT_EQ(refused_events.count(WZP_EVENT_JOINED), 0u);
  auto rejected = relay_events.wait_for(WZP_EVENT_REJECTED);
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->close_code, uint64_t{WZP_CLOSE_ACL_DENIED});
  EXPECT_EQ(rejected->reason, closed->reason);

  wzp_event ev;
  wzp_event_init(&ev);
  EXPECT_EQ(wzp_relay_next_event(relay.h, &ev, 0), WZP_ERR_WOULD_BLOCK);  // callbacks got them instead
  wzp_relay_stats st;
  st.struct_size = sizeof st;
  ASSERT_EQ(wzp_relay_stats_get(relay.h, &st), WZP_OK);
  EXPECT_EQ(st.auth_ok, 2u);  // both passed authentication: the revoke is what refused the second
  EXPECT_EQ(st.auth_rejected, 0u);
  EXPECT_EQ(st.rejected_acl, 1u);
  EXPECT_EQ(st.handshakes_ok, 1u);
}

TEST(CapiLive, AdmissionLimitsAreValidated) {
  wzp_relay* relay = nullptr;
  wzp_relay_config r;
  wzp_relay_config_init(&r);
  r.handshake_timeout_ms = 0;
  EXPECT_EQ(wzp_relay_new(&r, &relay), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wzp_last_error()).find("handshake_timeout_ms"), std::string::npos);
  wzp_relay_config_init(&r);
  r.auth_max_pending_per_address = 0;
  EXPECT_EQ(wzp_relay_new(&r, &relay), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wzp_last_error()).find("auth_max_pending"), std::string::npos);
  EXPECT_EQ(relay, nullptr);
}

// auth_max_pending_per_address reaches the relay: with 1, a second token from the same
// address while the first is still being checked is refused at once.
TEST(CapiLive, TokenChecksPerAddressAreBoundedByTheConfig) {
  wzp::test_support::AuthStandIn auth;  // outlives the relay
  auth.set("tok-slow", wzp::test_support::AuthStandIn::hangs());
  wzp_relay_config rc;
  wzp_relay_config_init(&rc);
  std::string auth_url = auth.url();
  rc.auth_url = auth_url.c_str();
  rc.allow_identity_mismatch = 1;
  rc.auth_max_pending_per_address = 1;
  RelayOwner relay;
  uint16_t port = start_relay(relay, &rc);

  auto cc = client_config(port, "slow");
  cc.token = "tok-slow";
  ClientOwner first;
  ASSERT_EQ(wzp_client_new(&cc, &first.h), WZP_OK);
  ASSERT_EQ(wzp_client_connect(first.h), WZP_OK);
  // The first check is in flight once the stand-in has its request.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (auth.requests().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(auth.requests().size(), 1u);

  ClientOwner second;
  ASSERT_EQ(wzp_client_new(&cc, &second.h), WZP_OK);
  ASSERT_EQ(wzp_client_connect(second.h), WZP_OK);
  wzp_event ev;
  wzp_event_init(&ev);
  ASSERT_TRUE(next_of_type(second.h, WZP_EVENT_CLOSED, &ev));
  EXPECT_EQ(ev.close_code, uint64_t{WZP_CLOSE_AUTH_UNAVAILABLE});
  wzp_event_clear(&ev);
  EXPECT_EQ(auth.requests().size(), 1u);  // the second token never reached the auth server
  auth.release_hanging();
}

TEST(CapiLive, AclFileAndPinnedCertificate) {
  std::string path = ::testing::TempDir() + "wzp_acl_test.txt";
  {
    std::ofstream out(path);
    out << "# room fingerprints\nsni:rooma a1b2:c3d4:e5f6:7890:abcd:ef01:2345:6789 "
           "00001111222233334444555566667777\n";
  }
  RelayOwner relay;
  uint16_t port = start_relay(relay);
  EXPECT_EQ(wzp_relay_acl_load_file(relay.h, path.c_str()), WZP_OK) << wzp_last_error();
  {
    std::ofstream out(path);
    out << "roomA\n";
  }
  EXPECT_EQ(wzp_relay_acl_load_file(relay.h, path.c_str()), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(wzp_last_error()).find("line 1"), std::string::npos);

  uint8_t cert[32];
  ASSERT_EQ(wzp_relay_cert_sha256(relay.h, cert), WZP_OK);
  auto cc = client_config(port, nullptr);
  cc.pin_cert_sha256 = cert;
  ClientOwner good;
  join(good, cc);
  uint8_t wrong[32] = {0};
  cc.pin_cert_sha256 = wrong;
  ClientOwner bad;
  ASSERT_EQ(wzp_client_new(&cc, &bad.h), WZP_OK);
  ASSERT_EQ(wzp_client_connect(bad.h), WZP_OK);
  EXPECT_EQ(wzp_client_wait_joined(bad.h, kWaitMs), WZP_ERR_TLS) << wzp_last_error();
}

TEST(CapiLive, StopClosesClientsAndFinishesTheQueue) {
  RelayOwner relay;
  uint16_t port = start_relay(relay);
  EXPECT_EQ(wzp_relay_start(relay.h), WZP_ERR_INVALID_STATE);
  ClientOwner a;
  join(a, client_config(port, "x"));
  ASSERT_EQ(wzp_relay_stop(relay.h), WZP_OK);
  ASSERT_EQ(wzp_relay_stop(relay.h), WZP_OK);  // idempotent
  wzp_event ev;
  wzp_event_init(&ev);
  ASSERT_TRUE(next_of_type(a.h, WZP_EVENT_CLOSED, &ev));
  EXPECT_EQ(ev.close_code, uint64_t{WZP_CLOSE_SHUTDOWN});
  EXPECT_EQ(ev.close_origin, WZP_CLOSED_BY_PEER);
  EXPECT_STREQ(ev.close_reason, "relay is shutting down");
  wzp_event_clear(&ev);
  // The relay's queue still holds JOINED and LEFT (each with its PRESENCE), then reports that it is finished.
  int n = 0, presence = 0;
  while (wzp_relay_next_event(relay.h, &ev, kWaitMs) == WZP_OK) {
    ++(ev.type == WZP_EVENT_PRESENCE ? presence : n);
    wzp_event_clear(&ev);
  }
  EXPECT_EQ(n, 2);
  EXPECT_EQ(presence, 2);
  EXPECT_EQ(wzp_relay_next_event(relay.h, &ev, kWaitMs), WZP_ERR_CLOSED);
}

TEST(CapiLive, NamesOfEventsStatesAndCloseCodes) {
  EXPECT_STREQ(wzp_event_type_name(WZP_EVENT_MEDIA), "MEDIA");
  EXPECT_STREQ(wzp_event_type_name(99), "UNKNOWN");
  EXPECT_STREQ(wzp_client_state_name(WZP_CLIENT_HANDSHAKING), "HANDSHAKING");
  EXPECT_STREQ(wzp_client_state_name(-1), "UNKNOWN");
  EXPECT_STREQ(wzp_close_code_name(WZP_CLOSE_ACL_DENIED), "WZP_CLOSE_ACL_DENIED");
  EXPECT_STREQ(wzp_close_code_name(WZP_CLOSE_SERVER_FULL), "WZP_CLOSE_SERVER_FULL");
  EXPECT_STREQ(wzp_close_code_name(12345), "WZP_CLOSE_UNKNOWN");
}

TEST(CapiLive, LogCallbackSeesTheRelay) {
  static std::atomic<int> lines{0};
  wzp_log_set_level(WZP_LOG_INFO);
  wzp_log_set_callback(
      [](int level, const char* component, const char* message, void*) {
        if (level <= WZP_LOG_INFO && component != nullptr && message != nullptr) ++lines;
      },
      nullptr);
  {
    RelayOwner relay;
    start_relay(relay);
  }
  wzp_log_set_callback(nullptr, nullptr);
  wzp_log_set_level(WZP_LOG_WARN);
  EXPECT_GE(lines.load(), 2);  // listening, stopped
}

// The only participant of the relay joined with `expected`, and the client, the stats and
// the rooms JSON all say so.
void expect_one_media_session(const RelayOwner& relay, const ClientOwner& client, wzp_session_mode expected) {
  wzp_session_mode mode = expected == WZP_SESSION_V2 ? WZP_SESSION_REFERENCE : WZP_SESSION_V2;
  ASSERT_EQ(wzp_client_media_session(client.h, &mode), WZP_OK) << wzp_last_error();
  EXPECT_EQ(mode, expected);
  const bool v2 = expected == WZP_SESSION_V2;
  wzp_relay_stats stats;
  stats.struct_size = sizeof stats;
  ASSERT_EQ(wzp_relay_stats_get(relay.h, &stats), WZP_OK);
  EXPECT_EQ(stats.media_sessions_v2, v2 ? 1u : 0u);
  EXPECT_EQ(stats.media_sessions_reference, v2 ? 0u : 1u);
  char* rooms = nullptr;
  ASSERT_EQ(wzp_relay_rooms_json(relay.h, &rooms), WZP_OK);
  auto parsed = Json::parse(take_string(rooms));
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_EQ(parsed[0]["participants"][0]["media_session"], v2 ? "v2" : "reference");
}

// A relay that requires the v2 media session refuses a client that offers only the
// reference session, with a close code and a reason that say so on both ends.
TEST(CapiLive, ARelayThatRequiresV2RefusesAReferenceOnlyClient) {
  RelayOwner relay;
  wzp_relay_config rc;
  wzp_relay_config_init(&rc);
  rc.require_session_v2 = 1;
  uint16_t port = start_relay(relay, &rc);
  auto config = client_config(port, "strict");
  config.session_mode = WZP_SESSION_REFERENCE;
  ClientOwner client;
  ASSERT_EQ(wzp_client_new(&config, &client.h), WZP_OK) << wzp_last_error();
  ASSERT_EQ(wzp_client_connect(client.h), WZP_OK);
  EXPECT_EQ(wzp_client_wait_joined(client.h, kWaitMs), WZP_ERR_HANDSHAKE_FAILED);
  wzp_event ev;
  wzp_event_init(&ev);
  ASSERT_TRUE(next_of_type(client.h, WZP_EVENT_CLOSED, &ev));
  EXPECT_EQ(ev.close_code, uint64_t{WZP_CLOSE_HANDSHAKE_FAILED});
  ASSERT_NE(ev.close_reason, nullptr);
  EXPECT_NE(std::string(ev.close_reason).find("v2 media session is required"), std::string::npos)
      << ev.close_reason;
  wzp_event_clear(&ev);
  ASSERT_EQ(wzp_relay_next_event(relay.h, &ev, kWaitMs), WZP_OK);
  EXPECT_EQ(ev.type, WZP_EVENT_REJECTED);
  EXPECT_EQ(ev.close_code, uint64_t{WZP_CLOSE_HANDSHAKE_FAILED});
  wzp_event_clear(&ev);
  wzp_session_mode mode;
  EXPECT_EQ(wzp_client_media_session(client.h, &mode), WZP_ERR_INVALID_STATE);

  // A v2 client joins the same relay, and both ends report the v2 session.
  ClientOwner good;
  join(good, client_config(port, "strict"));
  expect_one_media_session(relay, good, WZP_SESSION_V2);
  wzp_relay_stats stats;
  stats.struct_size = sizeof stats;
  ASSERT_EQ(wzp_relay_stats_get(relay.h, &stats), WZP_OK);
  EXPECT_EQ(stats.handshakes_failed, 1u);
}

// By default the reference session is accepted, and reported, so an application can see it.
TEST(CapiLive, TheReferenceSessionIsReportedWhenItIsChosen) {
  RelayOwner relay;
  uint16_t port = start_relay(relay);
  auto config = client_config(port, "lenient");
  config.session_mode = WZP_SESSION_REFERENCE;
  ClientOwner client;
  join(client, config);
  expect_one_media_session(relay, client, WZP_SESSION_REFERENCE);
}

TEST(CapiLive, AClientCannotRequireV2WhileOfferingTheReferenceSession) {
  auto config = client_config(4433, "x");
  config.session_mode = WZP_SESSION_REFERENCE;
  config.require_session_v2 = 1;
  wzp_client* client = nullptr;
  EXPECT_EQ(wzp_client_new(&config, &client), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(client, nullptr);
}

}  // namespace
}  // namespace wzp_capi_test

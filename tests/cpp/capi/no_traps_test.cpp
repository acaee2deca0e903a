// No traps in the live calls: an event reused without clearing does not leak, out pointers
// are NULL after a failure, a zero timeout is a poll (WOULD_BLOCK), each client state change
// arrives once, JOINED names the room and the relay, send_media takes only media packets,
// and a client connects once (hangup before connect closes it).
#include <chrono>
#include <string>
#include <vector>

#include "capi_test.hpp"

namespace wzp_capi_test {
namespace {

constexpr int kWaitMs = 10'000;

struct EventOwner {
  wzp_event ev;
  EventOwner() { wzp_event_init(&ev); }
  ~EventOwner() { wzp_event_clear(&ev); }
};

uint16_t start_relay(RelayOwner& relay, bool police_senders = true) {
  wzp_relay_config c;
  wzp_relay_config_init(&c);
  if (!police_senders) c.sender_datagrams_per_s = c.sender_burst_datagrams = c.sender_bytes_per_s = 0;
  return start_loopback_relay(relay, &c);
}

void new_client(ClientOwner& client, uint16_t port, const char* room = "traps") {
  const wzp_client_config c = loopback_client_config(port, room);
  ASSERT_EQ(wzp_client_new(&c, &client.h), WZP_OK) << wzp_last_error();
}

void join(ClientOwner& client, uint16_t port) {
  new_client(client, port);
  ASSERT_EQ(wzp_client_connect(client.h), WZP_OK) << wzp_last_error();
  ASSERT_EQ(wzp_client_wait_joined(client.h, kWaitMs), WZP_OK) << wzp_last_error();
}

Bytes media_packet(uint16_t seq, size_t payload_len) {
  wzp_media_header h{};
  h.codec = WZP_CODEC_OPUS16K;
  h.seq = seq;
  const Bytes payload(payload_len, static_cast<uint8_t>(seq));
  Bytes out(WZP_MEDIA_HEADER_BYTES + payload_len);
  size_t n = 0;
  EXPECT_EQ(wzp_media_packet_build(&h, payload.data(), payload.size(), nullptr, out.data(), out.size(), &n),
            WZP_OK);
  out.resize(n);
  return out;
}

// Every event of a client up to and including the first of type `last`.
std::vector<wzp_event> events_until(wzp_client* c, wzp_event_type last, std::vector<std::string>* rooms,
                                    std::vector<std::string>* fingerprints) {
  std::vector<wzp_event> seen;
  EventOwner e;
  while (wzp_client_next_event(c, &e.ev, kWaitMs) == WZP_OK) {
    seen.push_back(e.ev);
    rooms->push_back(e.ev.room ? e.ev.room : "");
    fingerprints->push_back(e.ev.fingerprint ? e.ev.fingerprint : "");
    if (e.ev.type == last) break;
  }
  for (auto& ev : seen) ev.room = ev.fingerprint = ev.close_reason = nullptr, ev.data = nullptr;
  return seen;
}

// Reusing one event for every next_event, without wzp_event_clear in between, must not leak:
// each call releases what the event held (the sanitizer and valgrind runs check the leak).
TEST(CapiNoTraps, NextEventReleasesWhatTheEventHeld) {
  RelayOwner relay;
  const uint16_t port = start_relay(relay, false);
  ClientOwner a, b;
  join(a, port);
  join(b, port);
  constexpr int kPackets = 200;
  for (int i = 0; i < kPackets; ++i) {
    const Bytes packet = media_packet(static_cast<uint16_t>(i), 600);
    ASSERT_EQ(wzp_client_send_media(a.h, packet.data(), packet.size()), WZP_OK) << wzp_last_error();
  }
  wzp_event ev;
  wzp_event_init(&ev);
  int media = 0;
  while (media < kPackets && wzp_client_next_event(b.h, &ev, 2000) == WZP_OK) {
    if (ev.type != WZP_EVENT_MEDIA) continue;
    ++media;
    ASSERT_NE(ev.data, nullptr);
    EXPECT_EQ(ev.data_len, WZP_MEDIA_HEADER_BYTES + 600);
    EXPECT_EQ(ev.data[WZP_MEDIA_HEADER_BYTES], ev.data[ev.data_len - 1]);  // one packet's bytes
  }
  EXPECT_GT(media, kPackets / 2);  // datagrams may be lost, but most arrive on loopback
  // A failed call leaves the event cleared, owning nothing.
  EXPECT_EQ(wzp_client_next_event(b.h, &ev, 0), WZP_ERR_WOULD_BLOCK);
  EXPECT_EQ(ev.data, nullptr);
  EXPECT_EQ(ev.struct_size, sizeof ev);
  wzp_event_clear(&ev);
}

TEST(CapiNoTraps, OutPointersAreNullAfterAFailure) {
  auto* stale = reinterpret_cast<void*>(0x1);
  wzp_relay* relay = static_cast<wzp_relay*>(stale);
  wzp_relay_config rc;
  wzp_relay_config_init(&rc);
  rc.max_sessions = 0;  // invalid
  EXPECT_EQ(wzp_relay_new(&rc, &relay), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(relay, nullptr);

  wzp_client* client = static_cast<wzp_client*>(stale);
  wzp_client_config cc;
  wzp_client_config_init(&cc);
  EXPECT_EQ(wzp_client_new(&cc, &client), WZP_ERR_INVALID_ARGUMENT);  // no relay_host
  EXPECT_EQ(client, nullptr);

  wzp_identity* id = static_cast<wzp_identity*>(stale);
  EXPECT_EQ(wzp_identity_from_hex("zz", &id), WZP_ERR_INVALID_HEX);
  EXPECT_EQ(id, nullptr);
  id = static_cast<wzp_identity*>(stale);
  EXPECT_EQ(wzp_identity_from_mnemonic("abandon", &id), WZP_ERR_MNEMONIC_WORD_COUNT);
  EXPECT_EQ(id, nullptr);

  wzp_session* session = static_cast<wzp_session*>(stale);
  wzp_session_config sc;
  wzp_session_config_init(&sc);
  sc.role = static_cast<wzp_role>(7);
  const uint8_t key[32] = {};
  EXPECT_EQ(wzp_session_new(key, &sc, &session), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(session, nullptr);

  wzp_identity* alice = nullptr;
  ASSERT_EQ(wzp_identity_from_seed(key, &alice), WZP_OK);
  wzp_caller* caller = nullptr;
  ASSERT_EQ(wzp_caller_new(alice, nullptr, &caller), WZP_OK);
  session = static_cast<wzp_session*>(stale);
  EXPECT_EQ(wzp_caller_accept_answer(caller, "\"Hold\"", 6, &session), WZP_ERR_UNEXPECTED_MESSAGE);
  EXPECT_EQ(session, nullptr);
  wzp_callee* callee = nullptr;
  ASSERT_EQ(wzp_callee_new(alice, nullptr, &callee), WZP_OK);
  char* answer = static_cast<char*>(stale);
  session = static_cast<wzp_session*>(stale);
  EXPECT_EQ(wzp_callee_accept_offer(callee, "{", 1, &answer, &session), WZP_ERR_JSON);
  EXPECT_EQ(answer, nullptr);
  EXPECT_EQ(session, nullptr);
  wzp_caller* bad_caller = static_cast<wzp_caller*>(stale);
  wzp_handshake_config hc;
  wzp_handshake_config_init(&hc);
  hc.session_mode = static_cast<wzp_session_mode>(9);
  EXPECT_EQ(wzp_caller_new(alice, &hc, &bad_caller), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bad_caller, nullptr);
  wzp_callee* bad_callee = static_cast<wzp_callee*>(stale);
  EXPECT_EQ(wzp_callee_new(alice, &hc, &bad_callee), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(bad_callee, nullptr);
  wzp_callee_free(callee);
  wzp_caller_free(caller);
  wzp_identity_free(alice);

  char* json = static_cast<char*>(stale);
  EXPECT_EQ(wzp_signal_canonical("{", 1, &json), WZP_ERR_JSON);
  EXPECT_EQ(json, nullptr);
  json = static_cast<char*>(stale);
  size_t n = 0;
  const uint8_t truncated[] = {0, 0, 0, 9, '"'};
  EXPECT_EQ(wzp_signal_unframe(truncated, sizeof truncated, &json, &n), WZP_ERR_MALFORMED);
  EXPECT_EQ(json, nullptr);
  uint8_t* frame = static_cast<uint8_t*>(stale);
  EXPECT_EQ(wzp_signal_frame(nullptr, 3, &frame, &n), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(frame, nullptr);
  const uint8_t* payload = static_cast<const uint8_t*>(stale);
  EXPECT_EQ(wzp_media_packet_parse(truncated, sizeof truncated, nullptr, &payload, &n, nullptr, nullptr),
            WZP_ERR_MALFORMED);
  EXPECT_EQ(payload, nullptr);
}

TEST(CapiNoTraps, ZeroTimeoutIsAPoll) {
  RelayOwner relay;
  const uint16_t port = start_relay(relay);
  ClientOwner c;
  new_client(c, port);
  EventOwner e;
  EXPECT_EQ(wzp_client_next_event(c.h, &e.ev, 0), WZP_ERR_WOULD_BLOCK);
  EXPECT_EQ(wzp_client_next_event(c.h, &e.ev, 1), WZP_ERR_TIMEOUT);
  EXPECT_EQ(wzp_client_wait_joined(c.h, 0), WZP_ERR_WOULD_BLOCK);
  EXPECT_EQ(wzp_client_wait_joined(c.h, 1), WZP_ERR_TIMEOUT);
  EXPECT_EQ(wzp_relay_next_event(relay.h, &e.ev, 0), WZP_ERR_WOULD_BLOCK);
  // An event too small for any wzp_event is refused before anything is read or written.
  wzp_event tiny;
  wzp_event_init_sized(&tiny, sizeof(size_t));
  EXPECT_EQ(wzp_relay_next_event(relay.h, &tiny, 0), WZP_ERR_INVALID_ARGUMENT);
}

TEST(CapiNoTraps, EachClientStateChangeArrivesOnce) {
  RelayOwner relay;
  const uint16_t port = start_relay(relay);
  ClientOwner c;
  new_client(c, port);
  ASSERT_EQ(wzp_client_connect(c.h), WZP_OK) << wzp_last_error();
  std::vector<std::string> rooms, fps;
  auto seen = events_until(c.h, WZP_EVENT_JOINED, &rooms, &fps);
  ASSERT_FALSE(seen.empty());
  std::vector<std::pair<int, int>> kinds;
  for (const auto& ev : seen) kinds.emplace_back(ev.type, ev.type == WZP_EVENT_STATE ? ev.state : -1);
  const std::vector<std::pair<int, int>> expected = {{WZP_EVENT_STATE, WZP_CLIENT_CONNECTING},
                                                     {WZP_EVENT_STATE, WZP_CLIENT_HANDSHAKING},
                                                     {WZP_EVENT_JOINED, -1}};
  EXPECT_EQ(kinds, expected);
  // JOINED names the room (its SNI) and the relay (its fingerprint).
  char sni[256], relay_fp[WZP_FINGERPRINT_STR_LEN + 1];
  ASSERT_EQ(wzp_client_sni(c.h, sni, sizeof sni), WZP_OK);
  ASSERT_EQ(wzp_relay_fingerprint(relay.h, relay_fp, sizeof relay_fp), WZP_OK);
  EXPECT_EQ(rooms.back(), sni);
  EXPECT_EQ(fps.back(), relay_fp);

  ASSERT_EQ(wzp_client_hangup(c.h, nullptr), WZP_OK);
  rooms.clear();
  seen = events_until(c.h, WZP_EVENT_CLOSED, &rooms, &fps);
  ASSERT_EQ(seen.size(), 1U);  // no STATE CLOSED besides it
  EXPECT_EQ(seen[0].type, WZP_EVENT_CLOSED);
  EXPECT_EQ(seen[0].state, WZP_CLIENT_CLOSED);
  EventOwner e;
  EXPECT_EQ(wzp_client_next_event(c.h, &e.ev, 0), WZP_ERR_CLOSED);
}

TEST(CapiNoTraps, SendMediaTakesOnlyMediaPackets) {
  RelayOwner relay;
  const uint16_t port = start_relay(relay);
  ClientOwner a;
  join(a, port);
  const uint8_t garbage[] = {1, 2, 3};
  EXPECT_EQ(wzp_client_send_media(a.h, garbage, sizeof garbage), WZP_ERR_MALFORMED);
  EXPECT_NE(std::string(wzp_last_error()).find("media packet"), std::string::npos) << wzp_last_error();
  Bytes bad_codec = media_packet(1, 10);
  bad_codec[0] = static_cast<uint8_t>((bad_codec[0] & 0xC3) | (9 << 2));  // codec 9 does not exist
  EXPECT_EQ(wzp_client_send_media(a.h, bad_codec.data(), bad_codec.size()), WZP_ERR_MALFORMED);
  EXPECT_EQ(wzp_client_send_media(a.h, nullptr, 0), WZP_ERR_MALFORMED);
  const Bytes good = media_packet(2, 10);
  EXPECT_EQ(wzp_client_send_media(a.h, good.data(), good.size()), WZP_OK) << wzp_last_error();
  wzp_client_stats st;
  wzp_client_stats_init(&st);
  ASSERT_EQ(wzp_client_stats_get(a.h, &st), WZP_OK);
  EXPECT_EQ(st.struct_size, sizeof st);
}

TEST(CapiNoTraps, HangupBeforeConnectClosesTheClient) {
  RelayOwner relay;
  const uint16_t port = start_relay(relay);
  ClientOwner c;
  new_client(c, port);
  ASSERT_EQ(wzp_client_hangup(c.h, nullptr), WZP_OK);
  EXPECT_EQ(wzp_client_get_state(c.h), WZP_CLIENT_CLOSED);
  EventOwner e;
  ASSERT_EQ(wzp_client_next_event(c.h, &e.ev, kWaitMs), WZP_OK);
  EXPECT_EQ(e.ev.type, WZP_EVENT_CLOSED);
  EXPECT_EQ(e.ev.close_code, uint64_t{WZP_CLOSE_NORMAL});
  EXPECT_EQ(e.ev.close_origin, WZP_CLOSED_LOCALLY);
  EXPECT_EQ(wzp_client_next_event(c.h, &e.ev, 0), WZP_ERR_CLOSED);
  EXPECT_EQ(wzp_client_connect(c.h), WZP_ERR_INVALID_STATE);
  EXPECT_NE(std::string(wzp_last_error()).find("create a new client"), std::string::npos) << wzp_last_error();
  EXPECT_EQ(wzp_client_wait_joined(c.h, 0), WZP_ERR_CLOSED);
  EXPECT_EQ(wzp_client_hangup(c.h, nullptr), WZP_OK);  // idempotent
}

TEST(CapiNoTraps, AClosedClientCannotConnectAgain) {
  RelayOwner relay;
  const uint16_t port = start_relay(relay);
  ClientOwner c;
  join(c, port);
  EXPECT_EQ(wzp_client_connect(c.h), WZP_ERR_INVALID_STATE);  // already connected
  ASSERT_EQ(wzp_client_hangup(c.h, nullptr), WZP_OK);
  std::vector<std::string> rooms, fps;
  ASSERT_FALSE(events_until(c.h, WZP_EVENT_CLOSED, &rooms, &fps).empty());
  EXPECT_EQ(wzp_client_connect(c.h), WZP_ERR_INVALID_STATE);
  EXPECT_NE(std::string(wzp_last_error()).find("create a new client"), std::string::npos) << wzp_last_error();
}

}  // namespace
}  // namespace wzp_capi_test

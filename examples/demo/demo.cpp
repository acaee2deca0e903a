// libwzp demo, using only the public C ABI (plus cpp-httplib for a stand-in
// featherChat auth server):
//   1. two identities (one from a mnemonic) and their fingerprints
//   2. a room name and the SNI it hashes to
//   3. a CallOffer / CallAnswer exchange and the session both sides derive
//   4. media packets sealed one way and opened the other, under loss and reordering
//   5. a live call: an in-process relay with token auth, two clients joining a room
//      over real QUIC on loopback, media datagrams through the relay, a refused
//      client, and the hangups
#include <httplib.h>

#include <wzp.h>
#include <sstream>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

void check(int rc, const char* what) {
  if (rc != WZP_OK) {
    std::fprintf(stderr, "demo: %s failed: %s (%s)\n", what, wzp_strerror(rc), wzp_last_error());
    std::exit(1);
  }
}

std::string hex(const uint8_t* p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

std::string shorten(const std::string& s, size_t keep = 96) {
  return s.size() <= keep ? s : s.substr(0, keep) + "... (" + std::to_string(s.size()) + " bytes)";
}

struct Identity {
  wzp_identity* handle = nullptr;
  ~Identity() { wzp_identity_free(handle); }
  std::string fingerprint() const {
    char fp[WZP_FINGERPRINT_STR_LEN + 1];
    check(wzp_identity_fingerprint_str(handle, fp, sizeof fp), "fingerprint");
    return fp;
  }
};

// ---- 5. a live call ---------------------------------------------------------

// featherChat's token endpoint, played by a tiny HTTP server: token -> fingerprint.
class AuthStandIn {
 public:
  explicit AuthStandIn(std::map<std::string, std::string> tokens) : tokens_(std::move(tokens)) {
    server_.Post("/v1/auth/validate", [this](const httplib::Request& req, httplib::Response& res) {
      std::string token;
      auto at = req.body.find("\"token\":\"");
      if (at != std::string::npos) {
        auto start = at + 9;
        token = req.body.substr(start, req.body.find('"', start) - start);
      }
      auto it = tokens_.find(token);
      if (it == tokens_.end()) {
        res.set_content(R"({"valid":false,"error":"unknown token"})", "application/json");
      } else {
        res.set_content(R"({"valid":true,"fingerprint":")" + it->second + R"(","alias":null})",
                        "application/json");
      }
      ++requests_;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~AuthStandIn() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1/auth/validate"; }
  int requests() const { return requests_; }

 private:
  std::map<std::string, std::string> tokens_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
};

struct LiveClient {
  wzp_client* handle = nullptr;
  ~LiveClient() { wzp_client_free(handle); }
};

// Seen from the relay: "peer" is the client.
std::string describe_close(const wzp_event& ev) {
  static const char* origins[] = {"by the client", "by the relay", "idle timeout", "transport error"};
  return std::string(wzp_close_code_name(ev.close_code)) + " " + origins[ev.close_origin] + ": \"" +
         (ev.close_reason ? ev.close_reason : "") + "\"";
}

// Print relay events that arrived so far.
void drain_relay_events(wzp_relay* relay) {
  wzp_event ev;
  wzp_event_init(&ev);
  while (wzp_relay_next_event(relay, &ev, 0) == WZP_OK) {
    std::printf("   [relay] %-8s %s%s%s\n", wzp_event_type_name(ev.type),
                ev.fingerprint ? ev.fingerprint : "", ev.type == WZP_EVENT_JOINED ? "" : "  ",
                ev.type == WZP_EVENT_JOINED ? "" : describe_close(ev).c_str());
    wzp_event_clear(&ev);
  }
}

wzp_client* join(uint16_t port, const char* room, const char* token, const wzp_identity* identity) {
  wzp_client_config cfg;
  wzp_client_config_init(&cfg);
  cfg.relay_host = "127.0.0.1";
  cfg.relay_port = port;
  cfg.room = room;
  cfg.token = token;
  cfg.identity = identity;
  wzp_client* client = nullptr;
  check(wzp_client_new(&cfg, &client), "client");
  check(wzp_client_connect(client), "connect");
  return client;
}

// The relay's HTTP API, read as an operator or featherChat would: who is online, and metrics.
void http_api(wzp_relay* relay) {
  uint16_t http_port = 0;
  check(wzp_relay_http_port(relay, &http_port), "HTTP port");
  std::printf("\n6. The relay's HTTP API on http://127.0.0.1:%u/\n", http_port);
  httplib::Client http("127.0.0.1", http_port);
  http.set_connection_timeout(5);
  http.set_read_timeout(5);
  auto presence = http.Get("/presence");
  if (!presence || presence->status != 200) {
    std::fprintf(stderr, "demo: GET /presence failed\n");
    std::exit(1);
  }
  std::printf("   GET /presence\n");
  std::istringstream lines(presence->body);
  for (std::string line; std::getline(lines, line);) std::printf("   | %s\n", line.c_str());
  auto metrics = http.Get("/metrics");
  if (!metrics || metrics->status != 200) {
    std::fprintf(stderr, "demo: GET /metrics failed\n");
    std::exit(1);
  }
  std::printf("   GET /metrics (a few of its lines)\n");
  std::istringstream text(metrics->body);
  for (std::string line; std::getline(text, line);) {
    for (const char* name : {"wzp_relay_active_sessions ", "wzp_relay_active_rooms ",
                             "wzp_relay_packets_forwarded_total ", "wzp_relay_bytes_forwarded_total ",
                             "wzp_relay_auth_attempts_total{", "wzp_relay_handshake_duration_seconds_count ",
                             "wzp_relay_refusals_total{", "wzp_relay_presence_entries{"}) {
      if (line.rfind(name, 0) == 0) std::printf("   | %s\n", line.c_str());
    }
  }
}

void live_call(const wzp_identity* alice_id) {
  std::printf("\n5. A live call through an in-process relay (QUIC on 127.0.0.1)\n");
  Identity bob;
  check(wzp_identity_new_random(&bob.handle), "bob");
  wzp_log_set_level(WZP_LOG_ERROR);  // the demo prints what happens itself

  char alice_fp[WZP_FINGERPRINT_STR_LEN + 1];
  check(wzp_identity_fingerprint_str(alice_id, alice_fp, sizeof alice_fp), "fp");
  AuthStandIn auth({{"alice-token", alice_fp}, {"bob-token", bob.fingerprint()}});
  std::printf("   featherChat stand-in at %s knows 2 tokens\n", auth.url().c_str());

  wzp_relay_config rc;
  wzp_relay_config_init(&rc);
  rc.listen_host = "127.0.0.1";
  rc.listen_port = 0;
  std::string url = auth.url();
  rc.auth_url = url.c_str();
  rc.metrics_any_port = 1;  // the HTTP API on a free loopback port
  wzp_relay* relay = nullptr;
  check(wzp_relay_new(&rc, &relay), "relay");
  check(wzp_relay_start(relay), "relay start");
  uint16_t port = 0;
  char relay_fp[WZP_FINGERPRINT_STR_LEN + 1];
  wzp_relay_port(relay, &port);
  wzp_relay_fingerprint(relay, relay_fp, sizeof relay_fp);
  std::printf("   relay listening on 127.0.0.1:%u, identity %s, token auth on\n", port, relay_fp);

  LiveClient a{join(port, "general", "alice-token", alice_id)},
      b{join(port, "general", "bob-token", bob.handle)};
  check(wzp_client_wait_joined(a.handle, 10000), "alice joins");
  check(wzp_client_wait_joined(b.handle, 10000), "bob joins");
  char seen_relay[WZP_FINGERPRINT_STR_LEN + 1];
  wzp_client_relay_fingerprint(a.handle, seen_relay, sizeof seen_relay);
  std::printf(
      "   alice and bob joined room \"general\" (token checked, handshake done; alice sees relay %s)\n",
      seen_relay);
  drain_relay_events(relay);

  // Three 20 ms media packets each way.
  auto send = [](wzp_client* c, uint16_t seq, const char* text) {
    wzp_media_header h{};
    h.codec = WZP_CODEC_OPUS24K;
    h.seq = seq;
    h.timestamp = 20u * seq;
    uint8_t packet[256];
    size_t len = 0;
    check(wzp_media_packet_build(&h, reinterpret_cast<const uint8_t*>(text), std::strlen(text), nullptr,
                                 packet, sizeof packet, &len),
          "packet");
    check(wzp_client_send_media(c, packet, len), "send media");
  };
  for (uint16_t i = 0; i < 3; ++i) {
    send(a.handle, i, ("alice frame " + std::to_string(i)).c_str());
    send(b.handle, i, ("bob frame " + std::to_string(i)).c_str());
  }
  auto receive = [](wzp_client* c, const char* who, int expected) {
    wzp_event ev;
    wzp_event_init(&ev);
    int got = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (got < expected && std::chrono::steady_clock::now() < deadline) {
      if (wzp_client_next_event(c, &ev, 100) != WZP_OK) continue;
      if (ev.type == WZP_EVENT_MEDIA) {
        wzp_media_header h;
        const uint8_t* payload = nullptr;
        size_t n = 0;
        check(wzp_media_packet_parse(ev.data, ev.data_len, &h, &payload, &n, nullptr, nullptr), "parse");
        std::printf("   %s received seq %u: \"%.*s\"\n", who, h.seq, static_cast<int>(n),
                    reinterpret_cast<const char*>(payload));
        ++got;
      }
      wzp_event_clear(&ev);
    }
    if (got < expected) {
      std::fprintf(stderr, "demo: %s received %d of %d packets\n", who, got, expected);
      std::exit(1);
    }
  };
  receive(b.handle, "bob  ", 3);
  receive(a.handle, "alice", 3);

  // A client with a token featherChat does not know.
  LiveClient mallory{join(port, "general", "stolen-token", nullptr)};
  int rc_join = wzp_client_wait_joined(mallory.handle, 10000);
  std::printf("   mallory (unknown token) was refused: %s (%s)\n", wzp_strerror(rc_join), wzp_last_error());
  drain_relay_events(relay);

  wzp_relay_stats st;
  wzp_relay_stats_init(&st);
  wzp_relay_stats_get(relay, &st);
  std::printf(
      "   relay counters: %llu connections, %llu tokens ok, %llu rejected, %llu handshakes, "
      "%llu datagrams forwarded\n",
      static_cast<unsigned long long>(st.connections_accepted), static_cast<unsigned long long>(st.auth_ok),
      static_cast<unsigned long long>(st.auth_rejected), static_cast<unsigned long long>(st.handshakes_ok),
      static_cast<unsigned long long>(st.datagrams_forwarded));
  std::printf("   the auth stand-in answered %d token checks\n", auth.requests());

  http_api(relay);

  check(wzp_client_hangup(a.handle, "Normal"), "hangup");
  check(wzp_client_hangup(b.handle, "Normal"), "hangup");
  wzp_relay_free(relay);
}
}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("libwzp %s — protocol walk-through\n\n", wzp_version());

  std::printf("1. Identities\n");
  const char* words =
      "abandon amount liar amount expire adjust cage candy arch gather drum bullet "
      "absurd math era live bid rhythm alien crouch range attend journey unaware";
  Identity alice, relay;
  check(wzp_identity_from_mnemonic(words, &alice.handle), "identity from mnemonic");
  check(wzp_identity_new_random(&relay.handle), "random identity");
  uint8_t pub[WZP_PUBLIC_KEY_BYTES];
  check(wzp_identity_public_key(alice.handle, pub), "public key");
  std::printf("   alice (from a 24-word mnemonic)  fingerprint %s\n", alice.fingerprint().c_str());
  std::printf("                                    ed25519     %s\n", hex(pub, sizeof pub).c_str());
  std::printf("   relay (random seed)              fingerprint %s\n\n", relay.fingerprint().c_str());

  std::printf("2. Room\n");
  const char* room_name = "general";
  char room[WZP_ROOM_HASH_LEN + 1];
  check(wzp_hash_room_name(room_name, std::strlen(room_name), room), "room hash");
  std::printf("   room \"%s\" is sent as QUIC SNI %s\n\n", room_name, room);

  std::printf("3. Handshake (alice calls, the relay answers)\n");
  wzp_caller* caller = nullptr;
  wzp_callee* callee = nullptr;
  wzp_session* alice_session = nullptr;
  wzp_session* relay_session = nullptr;
  char* offer = nullptr;
  char* answer = nullptr;
  check(wzp_caller_new(alice.handle, nullptr, &caller), "caller");
  check(wzp_callee_new(relay.handle, nullptr, &callee), "callee");
  check(wzp_caller_offer_json(caller, &offer), "offer");
  std::printf("   -> %s\n", shorten(offer).c_str());
  check(wzp_callee_accept_offer(callee, offer, std::strlen(offer), &answer, &relay_session), "accept offer");
  std::printf("   <- %s\n", shorten(answer).c_str());
  check(wzp_caller_accept_answer(caller, answer, std::strlen(answer), &alice_session), "accept answer");
  uint8_t sid_a[WZP_SESSION_ID_BYTES], sid_b[WZP_SESSION_ID_BYTES];
  check(wzp_session_id(alice_session, sid_a), "session id");
  check(wzp_session_id(relay_session, sid_b), "session id");
  uint8_t peer_fp[WZP_FINGERPRINT_BYTES];
  char peer_fp_str[WZP_FINGERPRINT_STR_LEN + 1];
  check(wzp_session_peer_fingerprint(relay_session, peer_fp), "peer fingerprint");
  check(wzp_fingerprint_format(peer_fp, peer_fp_str, sizeof peer_fp_str), "format");
  std::printf("   session id: alice %s, relay %s; profile %s\n", hex(sid_a, 4).c_str(), hex(sid_b, 4).c_str(),
              wzp_session_profile(alice_session));
  std::printf("   the relay authenticated its caller as %s\n\n", peer_fp_str);

  std::printf("4. Media: alice seals 5 packets; the network drops #2 and swaps #3 and #4\n");
  struct Packet {
    uint16_t seq;
    std::vector<uint8_t> header, sealed;
  };
  std::vector<Packet> sent;
  for (uint16_t seq = 0; seq < 5; ++seq) {
    wzp_media_header h{};
    h.codec = WZP_CODEC_OPUS24K;
    h.fec_ratio_code = wzp_fec_ratio_encode(0.2f);
    h.seq = seq;
    h.timestamp = 20u * seq;
    Packet p{seq, std::vector<uint8_t>(WZP_MEDIA_HEADER_BYTES), std::vector<uint8_t>(128)};
    check(wzp_media_header_encode(&h, p.header.data()), "header");
    std::string audio = "opus frame " + std::to_string(seq);
    size_t n = 0;
    check(wzp_session_seal(alice_session, p.header.data(), p.header.size(), seq,
                           reinterpret_cast<const uint8_t*>(audio.data()), audio.size(), p.sealed.data(),
                           p.sealed.size(), &n),
          "seal");
    p.sealed.resize(n);
    std::printf("   sealed seq %u: header %s ciphertext %s\n", seq,
                hex(p.header.data(), p.header.size()).c_str(), hex(p.sealed.data(), p.sealed.size()).c_str());
    sent.push_back(std::move(p));
  }
  for (size_t index : {0, 1, 4, 3}) {
    const Packet& p = sent[index];
    uint8_t out[128];
    size_t n = 0;
    check(wzp_session_open(relay_session, p.header.data(), p.header.size(), p.seq, p.sealed.data(),
                           p.sealed.size(), out, sizeof out, &n),
          "open");
    std::printf("   relay opened seq %u: \"%.*s\"\n", p.seq, static_cast<int>(n),
                reinterpret_cast<char*>(out));
  }
  {
    const Packet& p = sent[1];
    uint8_t out[128];
    size_t n = 0;
    int rc = wzp_session_open(relay_session, p.header.data(), p.header.size(), p.seq, p.sealed.data(),
                              p.sealed.size(), out, sizeof out, &n);
    std::printf("   a replay of seq %u is refused: %s (%s)\n", p.seq, wzp_strerror(rc), wzp_last_error());
    std::vector<uint8_t> forged = sent[2].sealed;
    forged[0] ^= 1;
    rc = wzp_session_open(relay_session, sent[2].header.data(), sent[2].header.size(), sent[2].seq,
                          forged.data(), forged.size(), out, sizeof out, &n);
    std::printf("   a tampered packet is refused: %s (%s)\n", wzp_strerror(rc), wzp_last_error());
  }

  wzp_free(offer);
  wzp_free(answer);
  wzp_session_free(alice_session);
  wzp_session_free(relay_session);
  wzp_caller_free(caller);
  wzp_callee_free(callee);

  live_call(alice.handle);
  std::printf("\ndone.\n");
  return 0;
}

// libwzp demo: the protocol core end to end, using only the public C ABI.
//   1. two identities (one from a mnemonic) and their fingerprints
//   2. a room name and the SNI it hashes to
//   3. a CallOffer / CallAnswer exchange and the session both sides derive
//   4. media packets sealed one way and opened the other, under loss and reordering
#include <wzp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
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

}  // namespace

int main() {
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
    std::printf("   sealed seq %u: header %s ciphertext %s\n", seq, hex(p.header.data(), p.header.size()).c_str(),
                hex(p.sealed.data(), p.sealed.size()).c_str());
    sent.push_back(std::move(p));
  }
  for (size_t index : {0, 1, 4, 3}) {
    const Packet& p = sent[index];
    uint8_t out[128];
    size_t n = 0;
    check(wzp_session_open(relay_session, p.header.data(), p.header.size(), p.seq, p.sealed.data(),
                           p.sealed.size(), out, sizeof out, &n),
          "open");
    std::printf("   relay opened seq %u: \"%.*s\"\n", p.seq, static_cast<int>(n), reinterpret_cast<char*>(out));
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
    rc = wzp_session_open(relay_session, sent[2].header.data(), sent[2].header.size(), sent[2].seq, forged.data(),
                          forged.size(), out, sizeof out, &n);
    std::printf("   a tampered packet is refused: %s (%s)\n", wzp_strerror(rc), wzp_last_error());
  }

  wzp_free(offer);
  wzp_free(answer);
  wzp_session_free(alice_session);
  wzp_session_free(relay_session);
  wzp_caller_free(caller);
  wzp_callee_free(callee);
  std::printf("\ndone.\n");
  return 0;
}

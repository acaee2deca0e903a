// C ABI: media sessions, the handshake objects, raw AEAD and the replay window.
#include <cstring>
#include <memory>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "crypto/aead.hpp"
#include "crypto/nonce.hpp"
#include "crypto/rekey.hpp"
#include "wire/signal_message.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;

namespace {

template <size_t N>
ByteArray<N> array_of(const uint8_t* p) {
  ByteArray<N> a{};
  std::memcpy(a.data(), p, N);
  return a;
}

template <size_t N>
crypto::Secret<N> secret_of(const uint8_t* p) {
  return *crypto::Secret<N>::from(ByteView(p, N));
}

bool valid_mode(long long mode) { return mode == WZP_SESSION_V2 || mode == WZP_SESSION_REFERENCE; }

handshake::Options options_from(const wzp_handshake_config* config) {
  handshake::Options options;
  if (config == nullptr) return options;
  if (capi::config_has(config, offsetof(wzp_handshake_config, ephemeral_secret),
                       sizeof(config->ephemeral_secret)) &&
      config->ephemeral_secret != nullptr) {
    options.ephemeral_secret = secret_of<32>(config->ephemeral_secret);
  }
  if (capi::config_has(config, offsetof(wzp_handshake_config, session_mode), sizeof(config->session_mode))) {
    options.preferred = capi::raw_enum(config->session_mode) == WZP_SESSION_REFERENCE
                            ? handshake::SessionMode::reference
                            : handshake::SessionMode::v2;
  }
  return options;
}

int check_handshake_config(const wzp_handshake_config* config) {
  if (config == nullptr ||
      !capi::config_has(config, offsetof(wzp_handshake_config, session_mode), sizeof(config->session_mode))) {
    return WZP_OK;
  }
  const long long mode = capi::raw_enum(config->session_mode);
  if (!valid_mode(mode)) return fail(Errc::invalid_argument, "unknown session mode " + std::to_string(mode));
  return WZP_OK;
}

wzp_session* session_from(handshake::CallSession&& call) {
  return std::make_unique<wzp_session>(
             wzp_session{std::move(call.session()), call.session_id(), call.peer_identity(), call.profile()})
      .release();
}

Result<wire::SignalMessage> decode_signal(const char* json, size_t json_len) {
  if (json == nullptr) return make_error(Errc::invalid_argument, "json must not be NULL");
  return wire::decode_json(std::string_view(json, json_len));
}

// Runs a sealing/opening step that appends to a scratch buffer, then copies out.
// The output arguments are checked before the step runs: a session step consumes a
// nonce or a replay-window slot, which must not be lost to a caller's NULL buffer.
template <class Step>
int crypt_into(Step step, size_t expected, uint8_t* out, size_t out_cap, size_t* out_len) {
  WZP_CAPI_REQUIRE(out_len);
  if (out == nullptr && expected != 0) return capi::null_argument("out");
  Bytes scratch;
  scratch.reserve(expected);
  auto status = step(scratch);
  if (!status) return fail(status.error());
  return capi::copy_out(scratch, out, out_cap, out_len);
}

}  // namespace

extern "C" {

void wzp_session_config_init(wzp_session_config* config) {
  if (config == nullptr) return;
  std::memset(config, 0, sizeof *config);
  config->struct_size = sizeof *config;
  config->mode = WZP_SESSION_V2;
  config->role = WZP_ROLE_CALLER;
}

int wzp_session_new(const uint8_t key[WZP_SESSION_KEY_BYTES], const wzp_session_config* config,
                    wzp_session** out) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(key);
    WZP_CAPI_REQUIRE(out);
    long long mode = WZP_SESSION_V2, role = WZP_ROLE_CALLER;
    if (config != nullptr) {
      if (capi::config_has(config, offsetof(wzp_session_config, mode), sizeof(config->mode))) {
        mode = capi::raw_enum(config->mode);
      }
      if (capi::config_has(config, offsetof(wzp_session_config, role), sizeof(config->role))) {
        role = capi::raw_enum(config->role);
      }
    }
    if (!valid_mode(mode))
      return fail(Errc::invalid_argument, "unknown session mode " + std::to_string(mode));
    if (role != WZP_ROLE_CALLER && role != WZP_ROLE_CALLEE) {
      return fail(Errc::invalid_argument, "unknown role " + std::to_string(role));
    }
    crypto::SessionKey session_key(secret_of<32>(key));
    auto crypto_role = role == WZP_ROLE_CALLER ? crypto::Role::caller : crypto::Role::callee;
    auto handle = mode == WZP_SESSION_V2
                      ? std::make_unique<wzp_session>(wzp_session{
                            crypto::MediaSession(session_key, crypto_role), session_key.session_id(), {}, {}})
                      : std::make_unique<wzp_session>(wzp_session{
                            crypto::ReferenceSession(session_key), session_key.session_id(), {}, {}});
    *out = handle.release();
    return WZP_OK;
  });
}

void wzp_session_free(wzp_session* session) { std::unique_ptr<wzp_session> owned(session); }

int wzp_session_id(const wzp_session* session, uint8_t out[WZP_SESSION_ID_BYTES]) {
  WZP_CAPI_REQUIRE(session);
  WZP_CAPI_REQUIRE(out);
  // The reference session's id follows its rekeys; the v2 session keeps its base key's id.
  const auto* reference = std::get_if<crypto::ReferenceSession>(&session->session);
  const crypto::SessionId& id = reference ? reference->session_id() : session->v2_id;
  std::memcpy(out, id.data(), id.size());
  return WZP_OK;
}

int wzp_session_seal(wzp_session* session, const uint8_t* header, size_t header_len, uint16_t seq,
                     const uint8_t* pt, size_t pt_len, uint8_t* out, size_t out_cap, size_t* out_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(session);
    if (header == nullptr && header_len != 0) return capi::null_argument("header");
    if (pt == nullptr && pt_len != 0) return capi::null_argument("pt");
    ByteView aad(header, header_len), plaintext(pt, pt_len);
    if (out_len != nullptr && out_cap < pt_len + WZP_AEAD_TAG_BYTES) {
      // Checked first so a too-small buffer never consumes a sequence number.
      *out_len = pt_len + WZP_AEAD_TAG_BYTES;
      return fail(Errc::buffer_too_small, "output buffer must hold plaintext + 16 bytes");
    }
    return crypt_into(
        [&](Bytes& buf) -> Status {
          if (auto* v2 = std::get_if<crypto::MediaSession>(&session->session)) {
            return v2->seal_append(aad, seq, plaintext, buf);
          }
          return std::get<crypto::ReferenceSession>(session->session).encrypt_append(aad, plaintext, buf);
        },
        pt_len + WZP_AEAD_TAG_BYTES, out, out_cap, out_len);
  });
}

int wzp_session_open(wzp_session* session, const uint8_t* header, size_t header_len, uint16_t seq,
                     const uint8_t* ct, size_t ct_len, uint8_t* out, size_t out_cap, size_t* out_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(session);
    if (header == nullptr && header_len != 0) return capi::null_argument("header");
    if (ct == nullptr && ct_len != 0) return capi::null_argument("ct");
    ByteView aad(header, header_len), ciphertext(ct, ct_len);
    size_t expected = ct_len > WZP_AEAD_TAG_BYTES ? ct_len - WZP_AEAD_TAG_BYTES : 0;
    if (out_len != nullptr && out_cap < expected) {
      *out_len = expected;
      return fail(Errc::buffer_too_small, "output buffer must hold ciphertext - 16 bytes");
    }
    return crypt_into(
        [&](Bytes& buf) -> Status {
          if (auto* v2 = std::get_if<crypto::MediaSession>(&session->session)) {
            return v2->open_append(aad, seq, ciphertext, buf);
          }
          return std::get<crypto::ReferenceSession>(session->session).decrypt_append(aad, ciphertext, buf);
        },
        expected, out, out_cap, out_len);
  });
}

int wzp_session_rekey_begin(wzp_session* session, const uint8_t* secret,
                            uint8_t out_public[WZP_PUBLIC_KEY_BYTES]) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(session);
    WZP_CAPI_REQUIRE(out_public);
    std::optional<crypto::X25519Secret> fixed;
    if (secret != nullptr) fixed = secret_of<32>(secret);
    auto pub = std::visit([&](auto& s) { return s.initiate_rekey(fixed); }, session->session);
    std::memcpy(out_public, pub.data(), pub.size());
    return WZP_OK;
  });
}

int wzp_session_rekey_complete(wzp_session* session, const uint8_t peer_public[WZP_PUBLIC_KEY_BYTES]) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(session);
    WZP_CAPI_REQUIRE(peer_public);
    auto peer = array_of<32>(peer_public);
    auto status = std::visit([&](auto& s) { return s.complete_rekey(peer); }, session->session);
    if (!status) {
      const auto& e = status.error();
      // "no pending rekey" is a call-order mistake, reported as such.
      return fail(e.code == Errc::rekey_failed ? Errc::invalid_state : e.code, e.message);
    }
    return WZP_OK;
  });
}

int wzp_rekey_due(uint64_t last_rekey_at, uint64_t packet_count) {
  return packet_count > last_rekey_at && packet_count - last_rekey_at >= crypto::kRekeyIntervalPackets ? 1
                                                                                                       : 0;
}

int wzp_reference_nonce(const uint8_t session_id[WZP_SESSION_ID_BYTES], uint32_t counter, uint8_t direction,
                        uint8_t out[12]) {
  WZP_CAPI_REQUIRE(session_id);
  WZP_CAPI_REQUIRE(out);
  if (direction > 1) return fail(Errc::invalid_argument, "direction must be 0 (send) or 1 (recv)");
  auto nonce = crypto::reference_nonce(array_of<4>(session_id), counter,
                                       static_cast<crypto::NonceDirection>(direction));
  std::memcpy(out, nonce.data(), nonce.size());
  return WZP_OK;
}

int wzp_aead_seal(const uint8_t key[32], const uint8_t nonce[12], const uint8_t* aad, size_t aad_len,
                  const uint8_t* pt, size_t pt_len, uint8_t* out, size_t out_cap, size_t* out_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(key);
    WZP_CAPI_REQUIRE(nonce);
    if (aad == nullptr && aad_len != 0) return capi::null_argument("aad");
    if (pt == nullptr && pt_len != 0) return capi::null_argument("pt");
    return crypt_into(
        [&](Bytes& buf) -> Status {
          crypto::aead::seal_append(secret_of<32>(key), array_of<12>(nonce), ByteView(aad, aad_len),
                                    ByteView(pt, pt_len), buf);
          return {};
        },
        pt_len + WZP_AEAD_TAG_BYTES, out, out_cap, out_len);
  });
}

int wzp_aead_open(const uint8_t key[32], const uint8_t nonce[12], const uint8_t* aad, size_t aad_len,
                  const uint8_t* ct, size_t ct_len, uint8_t* out, size_t out_cap, size_t* out_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(key);
    WZP_CAPI_REQUIRE(nonce);
    if (aad == nullptr && aad_len != 0) return capi::null_argument("aad");
    if (ct == nullptr && ct_len != 0) return capi::null_argument("ct");
    return crypt_into(
        [&](Bytes& buf) {
          return crypto::aead::open_append(secret_of<32>(key), array_of<12>(nonce), ByteView(aad, aad_len),
                                           ByteView(ct, ct_len), buf);
        },
        ct_len > WZP_AEAD_TAG_BYTES ? ct_len - WZP_AEAD_TAG_BYTES : 0, out, out_cap, out_len);
  });
}

int wzp_replay_window_new(wzp_replay_window** out) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(out);
    *out = std::make_unique<wzp_replay_window>().release();
    return WZP_OK;
  });
}

void wzp_replay_window_free(wzp_replay_window* window) { std::unique_ptr<wzp_replay_window> owned(window); }

int wzp_replay_window_check(wzp_replay_window* window, uint16_t seq) {
  WZP_CAPI_REQUIRE(window);
  auto status = window->window.check_and_update(seq);
  return status ? WZP_OK : fail(status.error());
}

void wzp_handshake_config_init(wzp_handshake_config* config) {
  if (config == nullptr) return;
  std::memset(config, 0, sizeof *config);
  config->struct_size = sizeof *config;
  config->ephemeral_secret = nullptr;
  config->session_mode = WZP_SESSION_V2;
}

int wzp_caller_new(const wzp_identity* identity, const wzp_handshake_config* config, wzp_caller** out) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(identity);
    WZP_CAPI_REQUIRE(out);
    if (int rc = check_handshake_config(config); rc != WZP_OK) return rc;
    handshake::Caller caller(identity->identity, options_from(config));
    std::string json = wire::encode_json(wire::SignalMessage(caller.offer()));
    *out = std::make_unique<wzp_caller>(wzp_caller{std::move(caller), std::move(json)}).release();
    return WZP_OK;
  });
}

void wzp_caller_free(wzp_caller* caller) { std::unique_ptr<wzp_caller> owned(caller); }

int wzp_caller_offer_json(wzp_caller* caller, char** out_json) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(caller);
    return capi::give_string(caller->offer_json, out_json);
  });
}

int wzp_caller_accept_answer(wzp_caller* caller, const char* json, size_t json_len, wzp_session** out) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(caller);
    WZP_CAPI_REQUIRE(out);
    auto message = decode_signal(json, json_len);
    if (!message) return fail(message.error());
    auto session = caller->caller.accept(*message);
    if (!session) return fail(session.error());
    *out = session_from(std::move(*session));
    return WZP_OK;
  });
}

int wzp_callee_new(const wzp_identity* identity, const wzp_handshake_config* config, wzp_callee** out) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(identity);
    WZP_CAPI_REQUIRE(out);
    if (int rc = check_handshake_config(config); rc != WZP_OK) return rc;
    *out =
        std::make_unique<wzp_callee>(wzp_callee{identity->identity, options_from(config), false}).release();
    return WZP_OK;
  });
}

void wzp_callee_free(wzp_callee* callee) { std::unique_ptr<wzp_callee> owned(callee); }

int wzp_callee_accept_offer(wzp_callee* callee, const char* json, size_t json_len, char** out_answer_json,
                            wzp_session** out_session) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(callee);
    WZP_CAPI_REQUIRE(out_answer_json);
    WZP_CAPI_REQUIRE(out_session);
    if (callee->answered) return fail(Errc::invalid_state, "this callee already answered an offer");
    auto message = decode_signal(json, json_len);
    if (!message) return fail(message.error());
    auto answered = handshake::answer_offer(callee->identity, *message, callee->options);
    if (!answered) return fail(answered.error());
    std::string answer = wire::encode_json(wire::SignalMessage(answered->answer));
    if (int rc = capi::give_string(answer, out_answer_json); rc != WZP_OK) return rc;
    callee->answered = true;
    *out_session = session_from(std::move(answered->session));
    return WZP_OK;
  });
}

int wzp_session_peer_public_key(const wzp_session* session, uint8_t out[WZP_PUBLIC_KEY_BYTES]) {
  WZP_CAPI_REQUIRE(session);
  WZP_CAPI_REQUIRE(out);
  if (!session->peer) return fail(Errc::not_found, "this session was not made by a handshake");
  std::memcpy(out, session->peer->data(), WZP_PUBLIC_KEY_BYTES);
  return WZP_OK;
}

int wzp_session_peer_fingerprint(const wzp_session* session, uint8_t out[WZP_FINGERPRINT_BYTES]) {
  WZP_CAPI_REQUIRE(session);
  WZP_CAPI_REQUIRE(out);
  if (!session->peer) return fail(Errc::not_found, "this session was not made by a handshake");
  auto fp = crypto::Fingerprint::of(*session->peer);
  std::memcpy(out, fp.bytes().data(), WZP_FINGERPRINT_BYTES);
  return WZP_OK;
}

const char* wzp_session_profile(const wzp_session* session) {
  if (session == nullptr || !session->profile) return nullptr;
  const auto& p = *session->profile;
  if (p == wire::kProfileGood) return "GOOD";
  if (p == wire::kProfileDegraded) return "DEGRADED";
  if (p == wire::kProfileCatastrophic) return "CATASTROPHIC";
  return "custom";
}

}  // extern "C"

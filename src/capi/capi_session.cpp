// C ABI: media sessions (v2 and reference), their rekey and peer details.
#include <cstring>
#include <memory>

#include "capi/abi_history.hpp"
#include "capi/capi_support.hpp"
#include "capi/crypto_args.hpp"
#include "capi/handles.hpp"
#include "capi/struct_prefix.hpp"
#include "crypto/rekey.hpp"

using namespace wzp;
using capi::array_of;
using capi::crypt_into;
using capi::fail;
using capi::guarded;
using capi::secret_of;
using capi::valid_mode;

extern "C" {

void wzp_session_config_init_sized(wzp_session_config* config, size_t size) {
  if (config == nullptr || size < sizeof config->struct_size) return;
  wzp_session_config defaults{};
  defaults.mode = WZP_SESSION_V2;
  defaults.role = WZP_ROLE_CALLER;
  capi::write_prefix(config, size, defaults);
}

void(wzp_session_config_init)(wzp_session_config* config) {
  wzp_session_config_init_sized(config, sizeof(capi::abi_v0_1::session_config));
}

int wzp_session_new(const uint8_t key[WZP_SESSION_KEY_BYTES], const wzp_session_config* config,
                    wzp_session** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
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

int wzp_session_get_mode(const wzp_session* session, wzp_session_mode* out_mode) {
  WZP_CAPI_REQUIRE(session);
  WZP_CAPI_REQUIRE(out_mode);
  *out_mode =
      std::holds_alternative<crypto::MediaSession>(session->session) ? WZP_SESSION_V2 : WZP_SESSION_REFERENCE;
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

// C ABI: identities, fingerprints, signatures, room hashes.
#include <cstring>
#include <memory>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "crypto/fingerprint.hpp"
#include "crypto/room_hash.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;

namespace {

int give_identity(Result<crypto::Seed> seed, wzp_identity** out) {
  if (!seed) return fail(seed.error());
  auto identity = crypto::Identity::from_seed(*seed);
  *out = std::make_unique<wzp_identity>(wzp_identity{std::move(*seed), std::move(identity)}).release();
  return WZP_OK;
}

}  // namespace

extern "C" {

int wzp_identity_new_random(wzp_identity** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(out);
    return give_identity(crypto::Seed::random(), out);
  });
}

int wzp_identity_from_seed(const uint8_t seed[WZP_SEED_BYTES], wzp_identity** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(seed);
    WZP_CAPI_REQUIRE(out);
    return give_identity(crypto::Seed::from_bytes(ByteView(seed, WZP_SEED_BYTES)), out);
  });
}

int wzp_identity_from_hex(const char* hex, wzp_identity** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(hex);
    WZP_CAPI_REQUIRE(out);
    return give_identity(crypto::Seed::from_hex(hex), out);
  });
}

int wzp_identity_from_mnemonic(const char* words, wzp_identity** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(words);
    WZP_CAPI_REQUIRE(out);
    return give_identity(crypto::Seed::from_mnemonic(words), out);
  });
}

void wzp_identity_free(wzp_identity* identity) { std::unique_ptr<wzp_identity> owned(identity); }

int wzp_identity_seed(const wzp_identity* identity, uint8_t out[WZP_SEED_BYTES]) {
  WZP_CAPI_REQUIRE(identity);
  WZP_CAPI_REQUIRE(out);
  std::memcpy(out, identity->seed.bytes().data(), WZP_SEED_BYTES);
  return WZP_OK;
}

int wzp_identity_public_key(const wzp_identity* identity, uint8_t out[WZP_PUBLIC_KEY_BYTES]) {
  WZP_CAPI_REQUIRE(identity);
  WZP_CAPI_REQUIRE(out);
  std::memcpy(out, identity->identity.public_key().data(), WZP_PUBLIC_KEY_BYTES);
  return WZP_OK;
}

int wzp_identity_x25519_public_key(const wzp_identity* identity, uint8_t out[WZP_PUBLIC_KEY_BYTES]) {
  WZP_CAPI_REQUIRE(identity);
  WZP_CAPI_REQUIRE(out);
  std::memcpy(out, identity->identity.x25519_public_key().data(), WZP_PUBLIC_KEY_BYTES);
  return WZP_OK;
}

int wzp_identity_fingerprint(const wzp_identity* identity, uint8_t out[WZP_FINGERPRINT_BYTES]) {
  WZP_CAPI_REQUIRE(identity);
  WZP_CAPI_REQUIRE(out);
  std::memcpy(out, identity->identity.fingerprint().bytes().data(), WZP_FINGERPRINT_BYTES);
  return WZP_OK;
}

int wzp_identity_fingerprint_str(const wzp_identity* identity, char* buf, size_t buf_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(identity);
    return capi::copy_c_string(identity->identity.fingerprint().to_display(), buf, buf_len);
  });
}

int wzp_identity_mnemonic(const wzp_identity* identity, char** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(identity);
    std::string words = identity->seed.to_mnemonic();
    int rc = capi::give_string(words, out);
    crypto::wipe_bytes(words);
    return rc;
  });
}

int wzp_identity_sign(const wzp_identity* identity, const uint8_t* msg, size_t msg_len,
                      uint8_t sig[WZP_SIGNATURE_BYTES]) {
  WZP_CAPI_REQUIRE(identity);
  WZP_CAPI_REQUIRE(sig);
  if (msg == nullptr && msg_len != 0) return capi::null_argument("msg");
  auto s = identity->identity.sign(ByteView(msg, msg_len));
  std::memcpy(sig, s.data(), s.size());
  return WZP_OK;
}

int wzp_verify(const uint8_t public_key[WZP_PUBLIC_KEY_BYTES], const uint8_t* msg, size_t msg_len,
               const uint8_t* sig, size_t sig_len) {
  WZP_CAPI_REQUIRE(public_key);
  if (msg == nullptr && msg_len != 0) return capi::null_argument("msg");
  if (sig == nullptr && sig_len != 0) return capi::null_argument("sig");
  if (!crypto::verify(ByteView(public_key, WZP_PUBLIC_KEY_BYTES), ByteView(msg, msg_len),
                      ByteView(sig, sig_len))) {
    return fail(Errc::bad_signature, "signature verification failed");
  }
  return WZP_OK;
}

int wzp_fingerprint_parse(const char* text, uint8_t out[WZP_FINGERPRINT_BYTES]) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(text);
    WZP_CAPI_REQUIRE(out);
    auto fp = crypto::Fingerprint::parse(text);
    if (!fp) return fail(fp.error());
    std::memcpy(out, fp->bytes().data(), WZP_FINGERPRINT_BYTES);
    return WZP_OK;
  });
}

int wzp_fingerprint_format(const uint8_t fingerprint[WZP_FINGERPRINT_BYTES], char* buf, size_t buf_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(fingerprint);
    ByteArray<WZP_FINGERPRINT_BYTES> bytes{};
    std::memcpy(bytes.data(), fingerprint, bytes.size());
    return capi::copy_c_string(crypto::Fingerprint(bytes).to_display(), buf, buf_len);
  });
}

int wzp_hash_room_name(const char* name, size_t name_len, char out[WZP_ROOM_HASH_LEN + 1]) {
  return guarded([&]() -> int {
    if (name == nullptr && name_len != 0) return capi::null_argument("name");
    WZP_CAPI_REQUIRE(out);
    return capi::copy_c_string(crypto::hash_room_name(std::string_view(name, name_len)), out,
                               WZP_ROOM_HASH_LEN + 1);
  });
}

}  // extern "C"

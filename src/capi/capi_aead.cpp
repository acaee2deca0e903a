// C ABI: raw ChaCha20-Poly1305 and the reference nonce layout.
#include <cstring>

#include "capi/capi_support.hpp"
#include "capi/crypto_args.hpp"
#include "crypto/aead.hpp"
#include "crypto/nonce.hpp"

using namespace wzp;
using capi::array_of;
using capi::crypt_into;
using capi::fail;
using capi::guarded;
using capi::secret_of;

extern "C" {

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

}  // extern "C"

// Version, status names, last error, memory and exported sizes.
#include <cstdlib>

#include "capi/capi_support.hpp"
#include "core/status.hpp"

namespace wzp::capi {
const char* last_error() noexcept;
}

// The C enum and the C++ enum must agree: the numbers are the ABI.
static_assert(WZP_ERR_INVALID_ARGUMENT == static_cast<int>(wzp::Errc::invalid_argument));
static_assert(WZP_ERR_IO == static_cast<int>(wzp::Errc::io));
static_assert(WZP_ERR_FINGERPRINT_TOO_SHORT == static_cast<int>(wzp::Errc::fingerprint_too_short));
static_assert(WZP_ERR_UNEXPECTED_MESSAGE == static_cast<int>(wzp::Errc::unexpected_message));
static_assert(WZP_ERR_REKEY_FAILED == static_cast<int>(wzp::Errc::rekey_failed));
static_assert(WZP_ERR_TOO_LARGE == static_cast<int>(wzp::Errc::too_large));
static_assert(WZP_ERR_CLOSED == static_cast<int>(wzp::Errc::closed));
static_assert(WZP_ERR_HANDSHAKE_FAILED == static_cast<int>(wzp::Errc::handshake_failed));
static_assert(WZP_ERR_SERVER_FULL == static_cast<int>(wzp::Errc::server_full));
static_assert(WZP_ERR_NOT_SUPPORTED == static_cast<int>(wzp::Errc::not_supported));

extern "C" {

const char* wzp_version(void) { return WZP_VERSION_STRING; }
uint32_t wzp_version_number(void) {
  return (uint32_t{WZP_VERSION_MAJOR} << 16) | (uint32_t{WZP_VERSION_MINOR} << 8) |
         uint32_t{WZP_VERSION_PATCH};
}
const char* wzp_strerror(int code) { return wzp::errc_name(static_cast<wzp::Errc>(code)).data(); }
const char* wzp_last_error(void) { return wzp::capi::last_error(); }
void wzp_free(void* ptr) { std::free(ptr); }  // NOLINT(cppcoreguidelines-no-malloc): ABI-owned buffers

size_t wzp_seed_bytes(void) { return WZP_SEED_BYTES; }
size_t wzp_public_key_bytes(void) { return WZP_PUBLIC_KEY_BYTES; }
size_t wzp_signature_bytes(void) { return WZP_SIGNATURE_BYTES; }
size_t wzp_fingerprint_bytes(void) { return WZP_FINGERPRINT_BYTES; }
size_t wzp_fingerprint_str_len(void) { return WZP_FINGERPRINT_STR_LEN; }
size_t wzp_room_hash_len(void) { return WZP_ROOM_HASH_LEN; }
size_t wzp_session_key_bytes(void) { return WZP_SESSION_KEY_BYTES; }
size_t wzp_aead_tag_bytes(void) { return WZP_AEAD_TAG_BYTES; }
size_t wzp_media_header_bytes(void) { return WZP_MEDIA_HEADER_BYTES; }
size_t wzp_max_signal_bytes(void) { return WZP_MAX_SIGNAL_BYTES; }
size_t wzp_max_peer_signal_bytes(void) { return WZP_MAX_PEER_SIGNAL_BYTES; }

}  // extern "C"

#include "core/status.hpp"

namespace wzp {

std::string_view errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::ok: return "WZP_OK";
    case Errc::invalid_argument: return "WZP_ERR_INVALID_ARGUMENT";
    case Errc::buffer_too_small: return "WZP_ERR_BUFFER_TOO_SMALL";
    case Errc::no_memory: return "WZP_ERR_NO_MEMORY";
    case Errc::internal: return "WZP_ERR_INTERNAL";
    case Errc::invalid_state: return "WZP_ERR_INVALID_STATE";
    case Errc::timeout: return "WZP_ERR_TIMEOUT";
    case Errc::would_block: return "WZP_ERR_WOULD_BLOCK";
    case Errc::not_found: return "WZP_ERR_NOT_FOUND";
    case Errc::io: return "WZP_ERR_IO";
    case Errc::invalid_hex: return "WZP_ERR_INVALID_HEX";
    case Errc::invalid_length: return "WZP_ERR_INVALID_LENGTH";
    case Errc::mnemonic_word_count: return "WZP_ERR_MNEMONIC_WORD_COUNT";
    case Errc::mnemonic_unknown_word: return "WZP_ERR_MNEMONIC_UNKNOWN_WORD";
    case Errc::mnemonic_checksum: return "WZP_ERR_MNEMONIC_CHECKSUM";
    case Errc::mnemonic_entropy_length: return "WZP_ERR_MNEMONIC_ENTROPY_LENGTH";
    case Errc::fingerprint_too_short: return "WZP_ERR_FINGERPRINT_TOO_SHORT";
    case Errc::bad_signature: return "WZP_ERR_BAD_SIGNATURE";
    case Errc::weak_key: return "WZP_ERR_WEAK_KEY";
    case Errc::unexpected_message: return "WZP_ERR_UNEXPECTED_MESSAGE";
    case Errc::decrypt_failed: return "WZP_ERR_DECRYPT_FAILED";
    case Errc::replay: return "WZP_ERR_REPLAY";
    case Errc::rekey_failed: return "WZP_ERR_REKEY_FAILED";
    case Errc::malformed: return "WZP_ERR_MALFORMED";
    case Errc::json: return "WZP_ERR_JSON";
    case Errc::too_large: return "WZP_ERR_TOO_LARGE";
    case Errc::transport: return "WZP_ERR_TRANSPORT";
    case Errc::tls: return "WZP_ERR_TLS";
    case Errc::closed: return "WZP_ERR_CLOSED";
    case Errc::auth_rejected: return "WZP_ERR_AUTH_REJECTED";
    case Errc::auth_unavailable: return "WZP_ERR_AUTH_UNAVAILABLE";
    case Errc::acl_denied: return "WZP_ERR_ACL_DENIED";
    case Errc::room_full: return "WZP_ERR_ROOM_FULL";
    case Errc::handshake_failed: return "WZP_ERR_HANDSHAKE_FAILED";
    case Errc::server_full: return "WZP_ERR_SERVER_FULL";
    case Errc::not_supported: return "WZP_ERR_NOT_SUPPORTED";
  }
  return "WZP_ERR_UNKNOWN";
}

}  // namespace wzp

#include "wire/close_codes.hpp"

namespace wzp::wire {

std::string_view close_code_name(uint64_t code) noexcept {
  switch (static_cast<CloseCode>(code)) {
    case CloseCode::normal: return "WZP_CLOSE_NORMAL";
    case CloseCode::auth_rejected: return "WZP_CLOSE_AUTH_REJECTED";
    case CloseCode::auth_unavailable: return "WZP_CLOSE_AUTH_UNAVAILABLE";
    case CloseCode::auth_required: return "WZP_CLOSE_AUTH_REQUIRED";
    case CloseCode::identity_mismatch: return "WZP_CLOSE_IDENTITY_MISMATCH";
    case CloseCode::handshake_failed: return "WZP_CLOSE_HANDSHAKE_FAILED";
    case CloseCode::timeout: return "WZP_CLOSE_TIMEOUT";
    case CloseCode::malformed_signal: return "WZP_CLOSE_MALFORMED_SIGNAL";
    case CloseCode::connect_timeout: return "WZP_CLOSE_CONNECT_TIMEOUT";
    case CloseCode::acl_denied: return "WZP_CLOSE_ACL_DENIED";
    case CloseCode::room_full: return "WZP_CLOSE_ROOM_FULL";
    case CloseCode::server_full: return "WZP_CLOSE_SERVER_FULL";
    case CloseCode::shutdown: return "WZP_CLOSE_SHUTDOWN";
  }
  return "WZP_CLOSE_UNKNOWN";
}

Errc close_code_errc(uint64_t code) noexcept {
  switch (static_cast<CloseCode>(code)) {
    case CloseCode::auth_rejected:
    case CloseCode::auth_required:
    case CloseCode::identity_mismatch: return Errc::auth_rejected;
    case CloseCode::auth_unavailable: return Errc::auth_unavailable;
    case CloseCode::handshake_failed: return Errc::handshake_failed;
    case CloseCode::timeout:
    case CloseCode::connect_timeout: return Errc::timeout;
    case CloseCode::malformed_signal: return Errc::malformed;
    case CloseCode::acl_denied: return Errc::acl_denied;
    case CloseCode::room_full: return Errc::room_full;
    case CloseCode::server_full: return Errc::server_full;
    case CloseCode::normal:
    case CloseCode::shutdown: return Errc::closed;
  }
  return Errc::closed;
}

}  // namespace wzp::wire

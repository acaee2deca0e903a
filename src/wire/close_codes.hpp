// Application close codes (QUIC CONNECTION_CLOSE, application space) libwzp's relay and client send (wzp.h's
// wzp_close_code). The reference closes everything with 0 "normal close"; distinct codes let a client say
// exactly why it was refused, and a reference client treats any application close the same way.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.hpp"

namespace wzp::wire {

enum class CloseCode : uint64_t {
  normal = 0x0,
  auth_rejected = 0x101,
  auth_unavailable = 0x102,
  auth_required = 0x103,
  identity_mismatch = 0x104,
  handshake_failed = 0x201,
  timeout = 0x202,
  malformed_signal = 0x203,
  connect_timeout = 0x204,  ///< client-local: the relay could not be reached in time
  acl_denied = 0x301,
  room_full = 0x302,
  server_full = 0x303,
  shutdown = 0x401,
};

inline constexpr uint64_t code_value(CloseCode code) noexcept { return static_cast<uint64_t>(code); }
/// "WZP_CLOSE_ACL_DENIED"; "WZP_CLOSE_UNKNOWN" for other values.
std::string_view close_code_name(uint64_t code) noexcept;
/// The status a refusal with this code means for the client (wzp_close_code_status):
/// e.g. acl_denied for WZP_CLOSE_ACL_DENIED; closed for normal, shutdown and unknown codes.
Errc close_code_errc(uint64_t code) noexcept;

}  // namespace wzp::wire

// TLS server-name (SNI) rules for choosing a room (wire spec §2.4). The
// room-name hash itself (SHA-256) lives in the crypto layer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace wzp::wire {

inline constexpr std::string_view kSniDefaultRoom = "default";  // no room given
inline constexpr std::string_view kSniProbe = "_probe";         // relay health probe
inline constexpr std::string_view kSniForward = "localhost";    // relay forward mode
/// The room SNI is the lowercase hex of this many leading digest bytes.
inline constexpr size_t kRoomSniDigestBytes = 16;

/// Whether `name` is a DNS name a TLS stack accepts as SNI: at most 253 bytes,
/// labels of 1..63 characters from [A-Za-z0-9_-] not starting or ending with
/// '-', no empty label, and a last label that is not all digits.
bool is_valid_sni(std::string_view name) noexcept;

/// The SNI for a hashed room: lowercase hex of the first 16 bytes of `digest`
/// (the SHA-256 of "featherchat-group:" || room). Empty if `digest` is shorter.
std::string room_sni_from_digest(ByteView digest);

/// The room key a relay derives from a received SNI: lower-cased; absent or
/// an IP literal gives "default".
std::string room_from_sni(std::optional<std::string_view> sni);

}  // namespace wzp::wire

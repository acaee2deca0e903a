// Room-name hashing used as the QUIC SNI (featherChat's group convention).
#pragma once

#include <string>
#include <string_view>

namespace wzp::crypto {

inline constexpr std::string_view kRoomHashPrefix = "featherchat-group:";

/// lowercase_hex(SHA-256("featherchat-group:" || name)[0..16]): always 32
/// characters. The UTF-8 bytes are hashed as given (no trimming, case folding
/// or normalisation). Never fails.
std::string hash_room_name(std::string_view name_utf8);

}  // namespace wzp::crypto

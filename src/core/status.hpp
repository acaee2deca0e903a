// Status codes shared by every layer. The numeric values are part of the C ABI
// (include/wzp.h mirrors them; src/capi checks they agree at compile time).
#pragma once

#include <string_view>

namespace wzp {

enum class Errc : int {
  ok = 0,
  // generic
  invalid_argument = -1,
  buffer_too_small = -2,
  no_memory = -3,
  internal = -4,
  invalid_state = -5,
  timeout = -6,
  would_block = -7,
  not_found = -8,
  io = -9,
  // identity / encoding
  invalid_hex = -10,
  invalid_length = -11,
  mnemonic_word_count = -12,
  mnemonic_unknown_word = -13,
  mnemonic_checksum = -14,
  mnemonic_entropy_length = -15,
  fingerprint_too_short = -16,
  // handshake
  bad_signature = -20,
  weak_key = -21,
  unexpected_message = -22,
  // media crypto
  decrypt_failed = -30,
  replay = -31,
  rekey_failed = -32,
  // wire
  malformed = -40,
  json = -41,
  too_large = -42,
  // transport
  transport = -50,
  tls = -51,
  closed = -52,
  // relay / client
  auth_rejected = -60,
  auth_unavailable = -61,
  acl_denied = -62,
  room_full = -63,
  handshake_failed = -64,
  server_full = -65,
  // media
  not_supported = -70,
};

/// Stable upper-case name, e.g. "WZP_ERR_BAD_SIGNATURE".
std::string_view errc_name(Errc code) noexcept;

}  // namespace wzp

#include "crypto/room_hash.hpp"

#include <sodium.h>

#include "core/hex.hpp"
#include "crypto/sodium_init.hpp"

namespace wzp::crypto {

std::string hash_room_name(std::string_view name_utf8) {
  ensure_init();
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  const ByteView prefix = as_bytes(kRoomHashPrefix);
  const ByteView name = as_bytes(name_utf8);
  crypto_hash_sha256_update(&state, prefix.data(), prefix.size());
  crypto_hash_sha256_update(&state, name.data(), name.size());
  uint8_t hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, hash);
  return wzp::to_hex(ByteView(hash, 16));
}

}  // namespace wzp::crypto

// 12-byte ChaCha20-Poly1305 nonces. Nonces are never transmitted.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "crypto/session_key.hpp"

namespace wzp::crypto {

using Nonce = ByteArray<12>;

/// Reference layout (spec §7.2): session_id(4) || BE32(counter) || direction || 00 00 00.
/// The reference always uses direction 0 ("send"), for encryption and decryption.
enum class NonceDirection : uint8_t { send = 0, recv = 1 };
Nonce reference_nonce(const SessionId& session_id, uint32_t counter, NonceDirection direction) noexcept;

/// MediaSession layout: key_id(4) || BE64(packet_index), where key_id is the
/// first 4 bytes of SHA-256 of the direction key (see media_session.hpp).
Nonce indexed_nonce(const ByteArray<4>& key_id, uint64_t packet_index) noexcept;

}  // namespace wzp::crypto

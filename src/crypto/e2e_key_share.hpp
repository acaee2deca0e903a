// End-to-end key-share messages for group calls: each participant announces
// itself (Hello, broadcast) and sends its SFrame sender key to each other
// authorised participant (KeyShare, one per recipient). Both travel through
// the relay, which learns who talks to whom but never a key. Pure functions:
// no I/O, no state; deciding who is authorised is the caller's job.
//
// All integers are big-endian. `ctx` is a 32-byte room context that both ends
// compute (room_context()); it is never sent, so a message signed for one room
// is refused in every other.
//
// Hello (134 bytes):
//   "WZPE" | 0x01 | 0x01 | ed25519_pub(32) | x25519_pub(32) | signature(64)
//   signature = Ed25519("wzp-e2e hello v1" || ctx || ed25519_pub || x25519_pub)
//   x25519_pub is the identity's own X25519 key (featherChat identity).
//
// KeyShare (207 bytes):
//   "WZPE" | 0x02 | 0x01 | sender_ed25519_pub(32) | recipient_fp(16) | kid(8) | flags(1)
//        | ephemeral_x25519_pub(32) | sealed(48) | signature(64)
//   key    = HKDF-SHA256(salt = ephemeral_pub || recipient_x25519_pub,
//                        ikm = X25519(ephemeral_secret, recipient_x25519_pub),
//                        info = "wzp-e2e key share v1")
//   sealed = ChaCha20-Poly1305(key, nonce = 12 zero bytes, aad = ctx || bytes[0..95),
//                              base_key(32)) || tag(16)
//   signature = Ed25519("wzp-e2e key share v1" || ctx || bytes[0..143))
//   The zero nonce is safe: the ephemeral is fresh per message, so is the key.
//   flags bit 0: this key replaces all earlier keys of the sender (a fresh key
//   after someone left). Other bits are sent as 0 and ignored when read (they
//   are still signed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/fingerprint.hpp"
#include "crypto/identity.hpp"
#include "crypto/secret.hpp"
#include "crypto/x25519.hpp"

namespace wzp::crypto::e2e {

inline constexpr size_t kHelloSize = 134, kKeyShareSize = 207;
inline constexpr std::string_view kMagic = "WZPE";
inline constexpr uint8_t kVersion = 1;
inline constexpr std::string_view kRoomContextLabel = "wzp-e2e room";
inline constexpr std::string_view kHelloLabel = "wzp-e2e hello v1";
inline constexpr std::string_view kKeyShareLabel = "wzp-e2e key share v1";  // HKDF info and signature label
inline constexpr uint8_t kFlagReplaces = 0x01;

using RoomContext = ByteArray<32>;

/// SHA-256("wzp-e2e room" || room): the room's UTF-8 bytes as given.
RoomContext room_context(std::string_view room);

enum class MessageType : uint8_t { hello = 1, key_share = 2 };

/// The message type if `data` starts with "WZPE" and a known type/version;
/// nullopt otherwise (not ours: the app's signal). The size is not checked
/// here: a truncated message of ours is classified, and its decoder refuses it.
std::optional<MessageType> classify(ByteView data);

/// A signed Hello for `self` in the room `ctx`. Cannot fail.
Bytes encode_hello(const Identity& self, const RoomContext& ctx);

struct Hello {
  Ed25519Public identity_pub{};
  X25519Public x25519_pub{};
  Fingerprint fingerprint() const { return Fingerprint::of(identity_pub); }
};

/// Errors: Errc::malformed (size, magic, type, version), Errc::bad_signature
/// (also for a Hello signed for another room).
Result<Hello> decode_hello(ByteView data, const RoomContext& ctx);

struct KeyShare {
  Ed25519Public sender_pub{};
  uint64_t kid = 0;
  bool replaces = false;
  Secret<32> base_key;
  Fingerprint sender() const { return Fingerprint::of(sender_pub); }
};

/// Seals `base_key` for `recipient` (whose X25519 key came from its Hello).
/// `fixed_ephemeral` is for tests and vectors only: a reused ephemeral reuses
/// the AEAD key with the same zero nonce. Errors: Errc::weak_key (a low-order
/// recipient_x25519).
Result<Bytes> seal_key_share(const Identity& self, const Fingerprint& recipient,
                             const X25519Public& recipient_x25519, uint64_t kid, bool replaces,
                             const Secret<32>& base_key, const RoomContext& ctx,
                             const std::optional<X25519Secret>& fixed_ephemeral = std::nullopt);

/// Opens a share addressed to `self`. Checks, in this order: size, magic, type
/// and version (Errc::malformed); the signature (Errc::bad_signature), before
/// any X25519 or AEAD work, so a forgery costs one verification; the recipient
/// (Errc::invalid_argument: an authentic share for someone else); then
/// Errc::weak_key (low-order ephemeral) and Errc::decrypt_failed. Whether the
/// sender may share keys in this room is the caller's decision.
Result<KeyShare> open_key_share(const Identity& self, ByteView data, const RoomContext& ctx);

}  // namespace wzp::crypto::e2e

// MediaSession: the media AEAD session between two libwzp peers. It replaces
// the reference session (reference_session.hpp), whose nonces repeat across
// directions and which cannot survive loss or reordering; it is only used when
// both peers negotiated it.
//
// Design (for docs/PROTOCOL.md, "negotiated media encryption v2"):
//
// 1. Direction keys. From the handshake's 32-byte session key K (generation 0)
//      K_c2s = HKDF-SHA256(salt = none, ikm = K, info = "wzp-v2 caller->callee", 32)
//      K_s2c = HKDF-SHA256(salt = none, ikm = K, info = "wzp-v2 callee->caller", 32)
//    The caller seals with K_c2s and opens with K_s2c; the callee the reverse.
//    Both directions therefore never share a (key, nonce) pair.
//
// 2. Explicit packet index. The sender passes the 16-bit MediaHeader sequence
//    number, which travels in the clear inside the header. Each side extends
//    it to a 64-bit packet index, SRTP style (RFC 3711 §3.3.1): the index is
//    the value congruent to seq mod 2^16 closest to a reference index (the
//    sender's previous index; the receiver's highest authenticated index),
//    taking seq up to 0x7FFF ahead or 0x8000 behind. The first index is seq
//    itself (roll-over count 0). A sender's index must strictly increase: a
//    seq that does not advance is refused, so a nonce is never reused.
//      nonce = key_id(4) || BE64(index),   key_id = SHA-256(direction key)[0..4]
//      ciphertext = ChaCha20-Poly1305(direction key, nonce, aad = header) || 16-byte tag
//    The wire format is unchanged: header || ciphertext || tag.
//
// 3. Receiving. The index is estimated from the header's seq; the anti-replay
//    window (1024 packets on 64-bit indices) is checked before decrypting, and
//    updated only after the tag verifies, so forged packets (for example a far
//    ahead seq) can neither move the window nor count as seen. Loss,
//    duplication and reordering within the window are handled; a duplicate or
//    too-old packet is rejected with Errc::replay. Until a first packet has
//    authenticated, the receiver also tries roll-over count 1 (a sender whose
//    initial seq is near 65535 may have wrapped before anything arrived).
//
// 4. Rekey. Both sides call initiate_rekey(), exchange the returned X25519
//    publics (authenticating them is the signalling layer's job), and call
//    complete_rekey(peer):
//      K' = HKDF-SHA256(salt = K, ikm = X25519(r, peer_R), info = "wzp-v2 rekey", 32)
//    and new direction keys from K' as in (1). The packet index and the replay
//    window continue across a rekey. Sealing switches to the new key at once;
//    opening tries the current receive key, then the previous generation's one
//    (kept until the next rekey), so packets in flight during the switch still
//    open. At most max_packets_per_key (default 2^48) packets are sealed under
//    one key; past that seal() fails until a rekey. should_rekey() becomes true
//    after rekey_interval packets (default 65536, the reference's interval).
//
// Not thread-safe: one session per call, used from one thread (or externally locked).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/anti_replay.hpp"
#include "crypto/nonce.hpp"
#include "crypto/rekey.hpp"
#include "crypto/role.hpp"
#include "crypto/secret.hpp"
#include "crypto/session_key.hpp"
#include "crypto/x25519.hpp"

namespace wzp::crypto {

inline constexpr std::string_view kMediaKeyInfoCallerToCallee = "wzp-v2 caller->callee";
inline constexpr std::string_view kMediaKeyInfoCalleeToCaller = "wzp-v2 callee->caller";
inline constexpr std::string_view kMediaRekeyInfo = "wzp-v2 rekey";

struct MediaSessionOptions {
  /// Hard limit of packets sealed under one key; seal() fails beyond it.
  uint64_t max_packets_per_key = uint64_t{1} << 48;
  /// should_rekey() turns true after this many packets sealed under one key.
  uint64_t rekey_interval = 65536;
};

struct MediaSessionStats {
  uint64_t packets_sealed = 0;
  uint64_t packets_opened = 0;
  uint64_t replays_rejected = 0;
  uint64_t decrypt_failures = 0;
};

/// One direction's key and the nonce prefix derived from it.
struct DirectionKey {
  Secret<32> key;
  ByteArray<4> key_id{};
  static DirectionKey derive(const Secret<32>& session_key, std::string_view info);
};

class MediaSession {
 public:
  MediaSession(const SessionKey& session_key, Role role, MediaSessionOptions options = {});

  /// Appends ciphertext || tag (plaintext.size() + 16 bytes) to `out`; no
  /// allocation when `out` has the capacity. `header_aad` is authenticated, not
  /// encrypted, and must carry `seq`. Errors:
  ///  - Errc::invalid_argument when seq does not advance the send index (it
  ///    repeats or goes back; the session refuses to reuse a nonce);
  ///  - Errc::invalid_state "rekey required" after max_packets_per_key packets.
  Status seal_append(ByteView header_aad, uint16_t seq, ByteView plaintext, Bytes& out);
  Result<Bytes> seal(ByteView header_aad, uint16_t seq, ByteView plaintext);

  /// Appends the plaintext to `out` (unchanged on error). Errors:
  ///  - Errc::replay "anti-replay: duplicate or old packet (seq=N)" (checked
  ///    before decrypting; nothing is recorded);
  ///  - Errc::decrypt_failed "decryption failed (bad key or tampered data)".
  Status open_append(ByteView header_aad, uint16_t seq, ByteView ciphertext, Bytes& out);
  Result<Bytes> open(ByteView header_aad, uint16_t seq, ByteView ciphertext);

  /// Rekey step 1: returns the public value to send (`fixed_secret` for tests).
  X25519Public initiate_rekey(const std::optional<X25519Secret>& fixed_secret = std::nullopt);
  /// Rekey step 2 (see the design above). Errors: Errc::rekey_failed
  /// "rekey failed: no pending rekey"; Errc::weak_key for a low-order peer value.
  Status complete_rekey(const X25519Public& peer_public);
  bool should_rekey() const noexcept { return sealed_under_key_ >= options_.rekey_interval; }

  /// A secret for another use of the same handshake (e.g. end-to-end media keys), independent
  /// of the media keys: HKDF-SHA256(salt = none, ikm = the current session key, info = label, 32).
  /// Both peers get the same value for the same label.
  Secret<32> export_secret(std::string_view label) const;

  Role role() const noexcept { return role_; }
  /// Number of completed rekeys.
  uint64_t key_generation() const noexcept { return generation_; }
  /// Index the last sealed packet used, if any.
  std::optional<uint64_t> last_send_index() const noexcept { return last_send_index_; }
  /// Highest authenticated receive index, if any.
  std::optional<uint64_t> highest_receive_index() const noexcept { return window_.highest(); }
  const MediaSessionStats& stats() const noexcept { return stats_; }

 private:
  void install(const Secret<32>& session_key);
  Status try_open(const DirectionKey& key, uint64_t index, ByteView aad, ByteView ciphertext,
                  Bytes& out) const;

  Role role_;
  MediaSessionOptions options_;
  RekeyManager rekey_;  // holds the current session key
  DirectionKey send_key_;
  DirectionKey recv_key_;
  std::optional<DirectionKey> previous_recv_key_;
  std::optional<uint64_t> last_send_index_;
  uint64_t sealed_under_key_ = 0;
  uint64_t generation_ = 0;
  ExtendedReplayWindow window_;
  MediaSessionStats stats_;
};

/// The 64-bit index congruent to seq (mod 2^16) nearest to `reference`:
/// reference - 0x8000 <= result <= reference + 0x7FFF. nullopt if that would be
/// negative.
std::optional<uint64_t> extend_sequence(uint16_t seq, uint64_t reference) noexcept;

}  // namespace wzp::crypto

// The cryptographic half of the call handshake (CallOffer / CallAnswer),
// without any JSON or wire types: a higher layer maps SignedEphemeral onto the
// SignalMessage fields (identity_pub, ephemeral_pub, signature) and handles
// the quality profiles, which are not authenticated.
//
// Caller: eph_c fresh; sends {identity_pub, eph_c_pub, Sign(eph_c_pub || "call-offer")}.
// Callee: verifies the offer with the identity_pub inside it, makes eph_s,
//         answers {identity_pub, eph_s_pub, Sign(eph_s_pub || "call-answer")}.
// Both:   session_key = HKDF(none, X25519(own eph, peer eph), "warzone-session-key").
// This is the reference protocol byte for byte. It does not bind the peer's
// ephemeral or identity (see the spec's notes); a caller that knows the peer's
// identity key should compare it with SignedEphemeral::identity_pub itself.
#pragma once

#include <optional>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/identity.hpp"
#include "crypto/role.hpp"
#include "crypto/session_key.hpp"
#include "crypto/x25519.hpp"

namespace wzp::crypto {

inline constexpr std::string_view kOfferLabel = "call-offer";
inline constexpr std::string_view kAnswerLabel = "call-answer";

/// The authenticated part of a CallOffer or CallAnswer.
struct SignedEphemeral {
  Ed25519Public identity_pub{};
  X25519Public ephemeral_pub{};
  Bytes signature;  // 64 bytes when honest; any length may arrive from the wire
};

/// The bytes a handshake message signs: ephemeral_pub || "call-offer" (the
/// caller's offer) or ephemeral_pub || "call-answer" (the callee's answer).
Bytes handshake_signed_bytes(const X25519Public& ephemeral_pub, Role signer);

class CallerHandshake {
 public:
  /// Makes the ephemeral key (random, or `fixed_ephemeral_secret` for tests)
  /// and signs the offer. Cannot fail.
  static CallerHandshake start(const Identity& identity,
                               const std::optional<X25519Secret>& fixed_ephemeral_secret = std::nullopt);

  /// The offer to send.
  const SignedEphemeral& offer() const noexcept { return offer_; }

  /// Verifies the answer and derives the session key. Errors:
  ///  - Errc::bad_signature "callee signature verification failed" (wrong,
  ///    tampered or non-64-byte signature);
  ///  - Errc::weak_key (low-order answer ephemeral; see x25519());
  ///  - Errc::invalid_state when called again after a successful finish (the
  ///    ephemeral secret is wiped once the session key exists).
  Result<SessionKey> finish(const SignedEphemeral& answer);

 private:
  CallerHandshake() = default;
  std::optional<EphemeralKeyPair> ephemeral_;
  SignedEphemeral offer_;
};

/// The callee side: one call does everything.
struct CalleeHandshake {
  SignedEphemeral answer;  ///< to send back
  SessionKey session;

  /// Verifies `offer` (before generating anything), makes the ephemeral key
  /// (random, or `fixed_ephemeral_secret` for tests), signs the answer and
  /// derives the session key. Errors:
  ///  - Errc::bad_signature "caller signature verification failed";
  ///  - Errc::weak_key (low-order offer ephemeral).
  static Result<CalleeHandshake> accept(
      const Identity& identity, const SignedEphemeral& offer,
      const std::optional<X25519Secret>& fixed_ephemeral_secret = std::nullopt);
};

}  // namespace wzp::crypto

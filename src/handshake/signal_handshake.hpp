// The CallOffer / CallAnswer handshake on SignalMessages: the crypto layer's
// handshake mapped onto the wire layer's messages, plus the negotiation of
// libwzp's media session.
//
// Negotiation (a deviation a reference peer ignores): when SessionMode::v2 is
// preferred, the CallOffer carries one extra field, "wzp_media_session": 2 (the
// reference tolerates unknown fields inside a variant's object). A libwzp callee
// that also prefers v2 answers with the same field and both sides use
// crypto::MediaSession, keyed from the session key bound to the transcript:
//   K_v2 = HKDF-SHA256(salt = K, ikm = SHA-256(caller_id || caller_eph || callee_id || callee_eph),
//                      info = "wzp-v2 transcript")
// so the media keys depend on both identities and both ephemerals. Anything else
// (a reference peer, or reference mode preferred) gives the reference session.
//
// The field is neither signed nor part of the transcript, so whoever can alter the
// signalling can strip it and make two libwzp peers fall back to the reference
// session. Options::require_v2 refuses that fallback on either side. (Adding the
// field to a peer's message only makes the two sides' media keys disagree.)
#pragma once

#include <optional>

#include "crypto/handshake.hpp"
#include "crypto/identity.hpp"
#include "handshake/call_session.hpp"
#include "wire/signal_message.hpp"

namespace wzp::handshake {

inline constexpr uint32_t kMediaSessionVersion = 2;

struct Options {
  SessionMode preferred = SessionMode::v2;
  /// Refuse a peer that does not agree to v2 (Errc::handshake_failed) instead of falling
  /// back to the reference session. Implies offering v2.
  bool require_v2 = false;
  /// Fixed ephemeral secret (known-answer tests only); random when empty.
  std::optional<crypto::X25519Secret> ephemeral_secret;
};

class Caller {
 public:
  Caller(const crypto::Identity& identity, Options options = {});

  /// The signed CallOffer (offers GOOD, DEGRADED, CATASTROPHIC).
  const wire::CallOffer& offer() const noexcept { return offer_; }

  /// Consume the peer's reply. Errors: unexpected_message (not a CallAnswer),
  /// bad_signature "callee signature verification failed", weak_key,
  /// handshake_failed (require_v2 and the answer is not v2),
  /// invalid_state (called again after success).
  Result<CallSession> accept(const wire::SignalMessage& reply);

 private:
  crypto::CallerHandshake crypto_;
  wire::CallOffer offer_;
  SessionMode preferred_;
  bool require_v2_;
  bool done_ = false;
};

struct Answered {
  wire::CallAnswer answer;
  CallSession session;
};

/// Callee: verify the CallOffer, answer it, derive the session. Errors:
/// unexpected_message (not a CallOffer), bad_signature "caller signature
/// verification failed", weak_key, handshake_failed (require_v2 and the offer is not v2).
Result<Answered> answer_offer(const crypto::Identity& identity, const wire::SignalMessage& message,
                              const Options& options = {});

}  // namespace wzp::handshake

// The media session a handshake produces, plus what the handshake learned about
// the peer. Which AEAD session it holds depends on what both sides negotiated:
//   - MediaSession (libwzp v2) when both peers offered "wzp_media_session": 2;
//   - ReferenceSession (the reference's exact behaviour) otherwise.
#pragma once

#include <optional>
#include <variant>

#include "crypto/fingerprint.hpp"
#include "crypto/identity.hpp"
#include "crypto/media_session.hpp"
#include "crypto/reference_session.hpp"
#include "wire/quality_profile.hpp"

namespace wzp::handshake {

enum class SessionMode { v2, reference };

class CallSession {
 public:
  /// `id` is the session id of the key the session was made from: SHA-256(key)[0..4].
  CallSession(crypto::MediaSession session, crypto::SessionId id, crypto::Ed25519Public peer,
              wire::QualityProfile profile)
      : id_(id), session_(std::move(session)), peer_(peer), profile_(profile) {}
  CallSession(crypto::ReferenceSession session, crypto::Ed25519Public peer, wire::QualityProfile profile)
      : id_(session.session_id()), session_(std::move(session)), peer_(peer), profile_(profile) {}

  SessionMode mode() const noexcept {
    return std::holds_alternative<crypto::MediaSession>(session_) ? SessionMode::v2 : SessionMode::reference;
  }
  /// The peer's identity key (as carried in its signed handshake message).
  const crypto::Ed25519Public& peer_identity() const noexcept { return peer_; }
  crypto::Fingerprint peer_fingerprint() const { return crypto::Fingerprint::of(peer_); }
  const crypto::SessionId& session_id() const noexcept { return id_; }
  /// The profile the callee chose (not authenticated in the reference protocol).
  const wire::QualityProfile& profile() const noexcept { return profile_; }

  std::variant<crypto::MediaSession, crypto::ReferenceSession>& session() noexcept { return session_; }
  const std::variant<crypto::MediaSession, crypto::ReferenceSession>& session() const noexcept {
    return session_;
  }

 private:
  crypto::SessionId id_;  // declared first: the reference constructor reads it before moving
  std::variant<crypto::MediaSession, crypto::ReferenceSession> session_;
  crypto::Ed25519Public peer_;
  wire::QualityProfile profile_;
};

}  // namespace wzp::handshake

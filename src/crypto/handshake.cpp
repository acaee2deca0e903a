#include "crypto/handshake.hpp"

namespace wzp::crypto {
namespace {

SignedEphemeral sign_ephemeral(const Identity& identity, const X25519Public& ephemeral_pub, Role signer) {
  SignedEphemeral msg;
  msg.identity_pub = identity.public_key();
  msg.ephemeral_pub = ephemeral_pub;
  const auto sig = identity.sign(handshake_signed_bytes(ephemeral_pub, signer));
  msg.signature.assign(sig.begin(), sig.end());
  return msg;
}

bool signature_valid(const SignedEphemeral& msg, Role signer) {
  return verify(msg.identity_pub, handshake_signed_bytes(msg.ephemeral_pub, signer), msg.signature);
}

Result<SessionKey> derive_session(const X25519Secret& own_secret, const X25519Public& peer_pub) {
  auto shared = x25519(own_secret, peer_pub);
  if (!shared) return std::move(shared).error();
  return SessionKey::from_shared_secret(shared.value());
}

}  // namespace

Bytes handshake_signed_bytes(const X25519Public& ephemeral_pub, Role signer) {
  const std::string_view label = signer == Role::caller ? kOfferLabel : kAnswerLabel;
  Bytes out(ephemeral_pub.begin(), ephemeral_pub.end());
  const ByteView label_bytes = as_bytes(label);
  out.insert(out.end(), label_bytes.begin(), label_bytes.end());
  return out;
}

CallerHandshake CallerHandshake::start(const Identity& identity,
                                       const std::optional<X25519Secret>& fixed_secret) {
  CallerHandshake hs;
  hs.ephemeral_ = EphemeralKeyPair::generate(fixed_secret);
  hs.offer_ = sign_ephemeral(identity, hs.ephemeral_->public_key, Role::caller);
  return hs;
}

Result<SessionKey> CallerHandshake::finish(const SignedEphemeral& answer) {
  if (!ephemeral_) return make_error(Errc::invalid_state, "handshake already finished");
  if (!signature_valid(answer, Role::callee)) {
    return make_error(Errc::bad_signature, "callee signature verification failed");
  }
  auto session = derive_session(ephemeral_->secret, answer.ephemeral_pub);
  if (session) ephemeral_.reset();  // wipes the secret: it is single-use
  return session;
}

Result<CalleeHandshake> CalleeHandshake::accept(const Identity& identity, const SignedEphemeral& offer,
                                                const std::optional<X25519Secret>& fixed_secret) {
  if (!signature_valid(offer, Role::caller)) {
    return make_error(Errc::bad_signature, "caller signature verification failed");
  }
  const auto ephemeral = EphemeralKeyPair::generate(fixed_secret);
  auto session = derive_session(ephemeral.secret, offer.ephemeral_pub);
  if (!session) return std::move(session).error();
  return CalleeHandshake{sign_ephemeral(identity, ephemeral.public_key, Role::callee),
                         std::move(session).value()};
}

}  // namespace wzp::crypto

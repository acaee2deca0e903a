#include "handshake/signal_handshake.hpp"

#include <sodium.h>

#include "crypto/hkdf.hpp"

namespace wzp::handshake {
namespace {

constexpr std::string_view kTranscriptInfo = "wzp-v2 transcript";

crypto::SignedEphemeral signed_part(const wire::CallOffer& m) {
  return {m.identity_pub, m.ephemeral_pub, m.signature};
}
crypto::SignedEphemeral signed_part(const wire::CallAnswer& m) {
  return {m.identity_pub, m.ephemeral_pub, m.signature};
}

// Binds the v2 media keys to who talked to whom with which ephemerals.
crypto::SessionKey bind_to_transcript(const crypto::SessionKey& key, const crypto::SignedEphemeral& caller,
                                      const crypto::SignedEphemeral& callee) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  for (const auto* part :
       {&caller.identity_pub, &caller.ephemeral_pub, &callee.identity_pub, &callee.ephemeral_pub}) {
    crypto_hash_sha256_update(&st, part->data(), part->size());
  }
  crypto::Secret<32> transcript;
  crypto_hash_sha256_final(&st, transcript.data());
  return crypto::SessionKey(crypto::hkdf::derive32(key.key().view(), transcript.view(), kTranscriptInfo));
}

CallSession make_session(const crypto::SessionKey& key, bool v2, crypto::Role role,
                         const crypto::SignedEphemeral& caller, const crypto::SignedEphemeral& callee,
                         const wire::QualityProfile& profile) {
  const auto& peer = role == crypto::Role::caller ? callee.identity_pub : caller.identity_pub;
  if (v2) {
    auto bound = bind_to_transcript(key, caller, callee);
    return CallSession(crypto::MediaSession(bound, role), bound.session_id(), peer, profile);
  }
  return CallSession(crypto::ReferenceSession(key), peer, profile);
}

}  // namespace

Caller::Caller(const crypto::Identity& identity, Options options)
    : crypto_(crypto::CallerHandshake::start(identity, options.ephemeral_secret)),
      preferred_(options.require_v2 ? SessionMode::v2 : options.preferred),
      require_v2_(options.require_v2) {
  const auto& signed_offer = crypto_.offer();
  offer_.identity_pub = signed_offer.identity_pub;
  offer_.ephemeral_pub = signed_offer.ephemeral_pub;
  offer_.signature = signed_offer.signature;
  offer_.supported_profiles = {wire::kProfileGood, wire::kProfileDegraded, wire::kProfileCatastrophic};
  if (preferred_ == SessionMode::v2) offer_.media_session_version = kMediaSessionVersion;
}

Result<CallSession> Caller::accept(const wire::SignalMessage& reply) {
  if (done_) return make_error(Errc::invalid_state, "the CallAnswer was already accepted");
  const auto* answer = std::get_if<wire::CallAnswer>(&reply);
  if (answer == nullptr) {
    return make_error(Errc::unexpected_message,
                      "expected CallAnswer, got " + std::string(wire::variant_name(reply)));
  }
  auto peer = signed_part(*answer);
  auto key = crypto_.finish(peer);
  if (!key) return std::move(key).error();
  done_ = true;
  bool v2 = preferred_ == SessionMode::v2 && answer->media_session_version == kMediaSessionVersion;
  if (require_v2_ && !v2) {
    return make_error(Errc::handshake_failed,
                      "the v2 media session is required, and the CallAnswer does not agree to it (no "
                      "\"wzp_media_session\":2)");
  }
  return make_session(*key, v2, crypto::Role::caller, crypto_.offer(), peer, answer->chosen_profile);
}

Result<Answered> answer_offer(const crypto::Identity& identity, const wire::SignalMessage& message,
                              const Options& options) {
  const auto* offer = std::get_if<wire::CallOffer>(&message);
  if (offer == nullptr) {
    return make_error(Errc::unexpected_message,
                      "expected CallOffer, got " + std::string(wire::variant_name(message)));
  }
  bool v2 = (options.preferred == SessionMode::v2 || options.require_v2) &&
            offer->media_session_version == kMediaSessionVersion;
  if (options.require_v2 && !v2) {
    return make_error(Errc::handshake_failed,
                      "the v2 media session is required, and the CallOffer does not offer it (no "
                      "\"wzp_media_session\":2)");
  }
  auto caller = signed_part(*offer);
  auto accepted = crypto::CalleeHandshake::accept(identity, caller, options.ephemeral_secret);
  if (!accepted) return std::move(accepted).error();
  wire::CallAnswer answer;
  answer.identity_pub = accepted->answer.identity_pub;
  answer.ephemeral_pub = accepted->answer.ephemeral_pub;
  answer.signature = accepted->answer.signature;
  answer.chosen_profile = wire::choose_profile(offer->supported_profiles);
  if (v2) answer.media_session_version = kMediaSessionVersion;
  CallSession session = make_session(accepted->session, v2, crypto::Role::callee, caller, accepted->answer,
                                     answer.chosen_profile);
  return Answered{std::move(answer), std::move(session)};
}

}  // namespace wzp::handshake

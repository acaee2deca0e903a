// The end-to-end keys of a 1:1 call, from the handshake the two users ran with each other
// (the signed CallOffer/CallAnswer carried by featherChat), not with the relay: one sender key
// per direction and the call's safety words, all exported from the handshake's session
// (MediaSession::export_secret), so no key message crosses the relay at all.
//
//   base(caller->callee) = export("wzp-e2e 1:1 caller->callee key")
//   kid prefix           = first 6 bytes of export("wzp-e2e 1:1 caller->callee kid")  (0 -> 1)
//   (and the same with "callee->caller")
//   safety words         = safety_words(export("wzp-e2e 1:1 safety words"))
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "e2e/sender_key.hpp"
#include "handshake/call_session.hpp"

namespace wzp::e2e {

inline constexpr std::string_view kPairCallerToCallee = "wzp-e2e 1:1 caller->callee";
inline constexpr std::string_view kPairCalleeToCaller = "wzp-e2e 1:1 callee->caller";
inline constexpr std::string_view kPairSafetyWords = "wzp-e2e 1:1 safety words";

struct PairKeys {
  SenderKey send;     // what we seal with
  SenderKey receive;  // what the peer seals with
  std::vector<std::string> safety_words;
};

/// `caller`: we sent the CallOffer. Errors: invalid_state (a reference-mode session, which has
/// no secret to export: the peer does not speak libwzp's media session).
Result<PairKeys> pair_keys(const handshake::CallSession& session, bool caller);

}  // namespace wzp::e2e

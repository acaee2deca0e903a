#include "e2e/pair_keys.hpp"

#include "crypto/safety_words.hpp"

namespace wzp::e2e {

namespace {

SenderKey direction_key(const crypto::MediaSession& session, std::string_view direction) {
  SenderKey key;
  key.base = session.export_secret(std::string(direction) + " key");
  const auto id = session.export_secret(std::string(direction) + " kid");
  uint64_t prefix = 0;
  for (size_t i = 0; i < 6; ++i) prefix = (prefix << 8) | id.data()[i];
  key.prefix = prefix == 0 ? 1 : prefix;
  return key;
}

}  // namespace

Result<PairKeys> pair_keys(const handshake::CallSession& session, bool caller) {
  const auto* media = std::get_if<crypto::MediaSession>(&session.session());
  if (media == nullptr) {
    return make_error(Errc::invalid_state,
                      "the handshake made a reference session: no end-to-end keys from it");
  }
  PairKeys keys;
  SenderKey c2s = direction_key(*media, kPairCallerToCallee);
  SenderKey s2c = direction_key(*media, kPairCalleeToCaller);
  keys.send = caller ? c2s : s2c;
  keys.receive = caller ? s2c : c2s;
  const auto words = media->export_secret(kPairSafetyWords);
  keys.safety_words = crypto::safety_words(words.view());
  return keys;
}

}  // namespace wzp::e2e

#include "crypto/reference_session.hpp"

#include "crypto/aead.hpp"
#include "crypto/nonce.hpp"

namespace wzp::crypto {
namespace {

constexpr uint64_t kCounterLimit = uint64_t{1} << 32;

Status exhausted() {
  return make_error(Errc::invalid_state, "nonce counter exhausted after 2^32 packets; rekey required");
}

}  // namespace

ReferenceSession::ReferenceSession(const SessionKey& key) : key_(key), rekey_(key.key()) {}

Status ReferenceSession::encrypt_append(ByteView header, ByteView plaintext, Bytes& out) {
  if (send_counter_ >= kCounterLimit) return exhausted();
  const auto nonce =
      reference_nonce(key_.session_id(), static_cast<uint32_t>(send_counter_), NonceDirection::send);
  aead::seal_append(key_.key(), nonce, header, plaintext, out);
  ++send_counter_;
  return {};
}

Result<Bytes> ReferenceSession::encrypt(ByteView header, ByteView plaintext) {
  Bytes out;
  out.reserve(plaintext.size() + aead::kTagSize);
  WZP_TRY(encrypt_append(header, plaintext, out));
  return out;
}

Status ReferenceSession::decrypt_append(ByteView header, ByteView ciphertext, Bytes& out) {
  if (recv_counter_ >= kCounterLimit) return exhausted();
  // Direction byte 0 on receive as well: the reference never uses 1.
  const auto nonce =
      reference_nonce(key_.session_id(), static_cast<uint32_t>(recv_counter_), NonceDirection::send);
  WZP_TRY(aead::open_append(key_.key(), nonce, header, ciphertext, out));
  ++recv_counter_;
  return {};
}

Result<Bytes> ReferenceSession::decrypt(ByteView header, ByteView ciphertext) {
  Bytes out;
  WZP_TRY(decrypt_append(header, ciphertext, out));
  return out;
}

X25519Public ReferenceSession::initiate_rekey(const std::optional<X25519Secret>& fixed_secret) {
  return rekey_.initiate(fixed_secret);
}

Status ReferenceSession::complete_rekey(const X25519Public& peer_public) {
  auto new_key = rekey_.complete(peer_public, send_counter_ + recv_counter_);
  if (!new_key) return std::move(new_key).error();
  key_ = SessionKey(new_key.value());
  send_counter_ = 0;
  recv_counter_ = 0;
  return {};
}

}  // namespace wzp::crypto

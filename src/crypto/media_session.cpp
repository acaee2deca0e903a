#include "crypto/media_session.hpp"

#include <algorithm>
#include <string>

#include "crypto/aead.hpp"
#include "crypto/hkdf.hpp"
#include "crypto/sha256.hpp"

namespace wzp::crypto {

std::optional<uint64_t> extend_sequence(uint16_t seq, uint64_t reference) noexcept {
  const auto delta = static_cast<int16_t>(static_cast<uint16_t>(seq - static_cast<uint16_t>(reference)));
  if (delta < 0 && reference < static_cast<uint64_t>(-static_cast<int32_t>(delta))) return std::nullopt;
  return reference + static_cast<uint64_t>(static_cast<int64_t>(delta));
}

DirectionKey DirectionKey::derive(const Secret<32>& session_key, std::string_view info) {
  DirectionKey dk;
  dk.key = hkdf::derive32({}, session_key.view(), info);
  const auto hash = sha256(dk.key.view());
  std::copy_n(hash.begin(), dk.key_id.size(), dk.key_id.begin());
  return dk;
}

MediaSession::MediaSession(const SessionKey& session_key, Role role, MediaSessionOptions options)
    : role_(role), options_(options), rekey_(session_key.key(), kMediaRekeyInfo) {
  install(session_key.key());
}

void MediaSession::install(const Secret<32>& session_key) {
  const bool caller = role_ == Role::caller;
  send_key_ =
      DirectionKey::derive(session_key, caller ? kMediaKeyInfoCallerToCallee : kMediaKeyInfoCalleeToCaller);
  recv_key_ =
      DirectionKey::derive(session_key, caller ? kMediaKeyInfoCalleeToCaller : kMediaKeyInfoCallerToCallee);
  sealed_under_key_ = 0;
}

Status MediaSession::seal_append(ByteView header_aad, uint16_t seq, ByteView plaintext, Bytes& out) {
  if (sealed_under_key_ >= options_.max_packets_per_key) {
    return make_error(Errc::invalid_state,
                      "media session: packet limit for this key reached; rekey required");
  }
  uint64_t index = seq;
  if (last_send_index_) {
    auto extended = extend_sequence(seq, *last_send_index_);
    if (!extended || *extended <= *last_send_index_) {
      return make_error(Errc::invalid_argument, "media session: seq " + std::to_string(seq) +
                                                    " does not advance the send index (would reuse a nonce)");
    }
    index = *extended;
  }
  aead::seal_append(send_key_.key, indexed_nonce(send_key_.key_id, index), header_aad, plaintext, out);
  last_send_index_ = index;
  ++sealed_under_key_;
  ++stats_.packets_sealed;
  return {};
}

Result<Bytes> MediaSession::seal(ByteView header_aad, uint16_t seq, ByteView plaintext) {
  Bytes out;
  out.reserve(plaintext.size() + aead::kTagSize);
  WZP_TRY(seal_append(header_aad, seq, plaintext, out));
  return out;
}

Status MediaSession::try_open(const DirectionKey& key, uint64_t index, ByteView aad, ByteView ciphertext,
                              Bytes& out) const {
  return aead::open_append(key.key, indexed_nonce(key.key_id, index), aad, ciphertext, out);
}

Status MediaSession::open_append(ByteView header_aad, uint16_t seq, ByteView ciphertext, Bytes& out) {
  // Candidate indices: relative to the highest authenticated index, or (before
  // anything authenticated) roll-over counts 0 and 1.
  uint64_t candidates[2];
  size_t candidate_count = 0;
  if (auto highest = window_.highest()) {
    if (auto extended = extend_sequence(seq, *highest)) candidates[candidate_count++] = *extended;
  } else {
    candidates[candidate_count++] = seq;
    candidates[candidate_count++] = uint64_t{seq} + 0x10000;
  }
  bool any_fresh = false;
  for (size_t i = 0; i < candidate_count; ++i) {
    const uint64_t index = candidates[i];
    if (!window_.is_fresh(index)) continue;
    any_fresh = true;
    bool opened = try_open(recv_key_, index, header_aad, ciphertext, out).ok();
    if (!opened && previous_recv_key_)
      opened = try_open(*previous_recv_key_, index, header_aad, ciphertext, out).ok();
    if (opened) {
      window_.record(index);
      ++stats_.packets_opened;
      return {};
    }
  }
  if (!any_fresh) {
    ++stats_.replays_rejected;
    return make_error(Errc::replay, "anti-replay: duplicate or old packet (seq=" + std::to_string(seq) + ")");
  }
  ++stats_.decrypt_failures;
  return make_error(Errc::decrypt_failed, std::string(aead::kDecryptFailedText));
}

Result<Bytes> MediaSession::open(ByteView header_aad, uint16_t seq, ByteView ciphertext) {
  Bytes out;
  WZP_TRY(open_append(header_aad, seq, ciphertext, out));
  return out;
}

X25519Public MediaSession::initiate_rekey(const std::optional<X25519Secret>& fixed_secret) {
  return rekey_.initiate(fixed_secret);
}

Status MediaSession::complete_rekey(const X25519Public& peer_public) {
  auto next = rekey_.complete(peer_public, stats_.packets_sealed + stats_.packets_opened);
  if (!next) return std::move(next).error();
  previous_recv_key_ = recv_key_;
  install(next.value());
  ++generation_;
  return {};
}

Secret<32> MediaSession::export_secret(std::string_view label) const {
  return hkdf::derive32({}, rekey_.current_key().view(), label);
}

}  // namespace wzp::crypto

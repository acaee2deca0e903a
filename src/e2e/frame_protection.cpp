#include "e2e/frame_protection.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/clock.hpp"
#include "wire/media_header.hpp"
#include "wire/quality_report.hpp"

namespace wzp::e2e {

namespace {

using crypto::sframe::KeyContext;
using crypto::sframe::ParsedHeader;

constexpr size_t kHeader = wire::kMediaHeaderSize;

/// The metadata a frame is authenticated with: its media header as the relay forwards it
/// (byte 1's two unused bits cleared, as every relay does) and its quality report, if any.
struct Metadata {
  std::array<uint8_t, kHeader + wire::kQualityReportSize> bytes{};
  size_t size = 0;
  ByteView view() const { return {bytes.data(), size}; }
};

Metadata metadata_of(ByteView header, ByteView trailer) {
  Metadata m;
  std::copy(header.begin(), header.begin() + kHeader, m.bytes.begin());
  m.bytes[1] &= 0xFC;
  m.bytes[kEncryptedMarkerOffset] = kEncryptedMarker;
  std::copy(trailer.begin(), trailer.end(), m.bytes.begin() + kHeader);
  m.size = kHeader + trailer.size();
  return m;
}

/// The quality report (0 or 4 bytes) at the end. A byte loop: GCC 12 misreads an insert of a
/// possibly empty span as an overflow.
void append_trailer(Bytes& out, ByteView trailer) {
  for (const uint8_t b : trailer) out.push_back(b);
}

/// The quality report's size at the end of `datagram` (0 without one): the header's Q bit (byte 0,
/// bit 1). The rest of the header is the engine's to parse. Errors: malformed.
Result<size_t> trailer_size(ByteView datagram) {
  if (datagram.size() < kHeader) return make_error(Errc::malformed, "media datagram shorter than its header");
  const size_t trailer = (datagram[0] & 0x02) != 0 ? wire::kQualityReportSize : 0;
  if (datagram.size() < kHeader + trailer) {
    return make_error(Errc::malformed, "media datagram shorter than its trailer");
  }
  return trailer;
}

}  // namespace

FrameProtection::FrameProtection(Policy policy) : policy_(policy) {}

Status FrameProtection::set_send_key(const SenderKey& key) {
  auto context = KeyContext::derive(key.kid(), key.base);
  if (!context) return std::move(context).error();
  std::lock_guard lock(mutex_);
  send_key_ = key;
  send_context_ = std::move(*context);
  send_ctr_ = 0;  // a new key: its nonces start over
  return {};
}

void FrameProtection::set_send_clear(bool clear) {
  std::lock_guard lock(mutex_);
  send_clear_ = clear && policy_ == Policy::preferred;
}

bool FrameProtection::sending_clear() const {
  std::lock_guard lock(mutex_);
  return policy_ == Policy::off || send_clear_ || !send_context_;
}

std::optional<uint64_t> FrameProtection::send_kid() const {
  std::lock_guard lock(mutex_);
  if (!send_key_) return std::nullopt;
  return send_key_->kid();
}

Status FrameProtection::protect(Bytes& datagram) {
  std::lock_guard lock(mutex_);
  if (policy_ == Policy::off) return {};
  if (send_clear_ || !send_context_) {
    if (policy_ == Policy::required) {
      return make_error(Errc::invalid_state, "end-to-end encryption is required and no key is set");
    }
    ++counters_.sent_clear;
    return {};
  }
  auto trailer = trailer_size(datagram);
  if (!trailer) return std::move(trailer).error();
  const ByteView all(datagram);
  const ByteView tail = all.last(*trailer);
  const Metadata meta = metadata_of(all, tail);
  sealed_.resize(kHeader);
  std::memcpy(sealed_.data(), meta.bytes.data(), kHeader);
  WZP_TRY(send_context_->protect(send_ctr_, meta.view(),
                                 all.subspan(kHeader, all.size() - kHeader - *trailer), sealed_));
  ++send_ctr_;
  append_trailer(sealed_, tail);
  datagram.swap(sealed_);
  crypto::wipe_bytes(sealed_);  // it now holds the plaintext datagram: none lingers
  ++counters_.encrypted;
  return {};
}

void FrameProtection::set_state_locked(Sender& sender, KeyState state) {
  if (sender.view.state == state) return;
  sender.view.state = state;
  if (changes_.size() >= 64) changes_.erase(changes_.begin());  // a flapping sender stays bounded
  changes_.push_back(sender.view);
  changed_.store(true, std::memory_order_release);
}

FrameProtection::Epoch* FrameProtection::epoch_for_locked(Sender& sender, uint64_t kid, ByteView frame,
                                                          const ParsedHeader& parsed, ByteView metadata,
                                                          Bytes& out, Error& error, bool& opened) {
  opened = false;
  for (auto& epoch : sender.epochs) {
    if (epoch.kid == kid) return &epoch;
  }
  // A later step of the sender's newest key: ratchet our copy forward, but keep the result
  // only if the frame authenticates under it (a forged KID must not move our keys).
  const uint16_t step = step_of(kid);
  if (prefix_of(kid) != sender.prefix || step <= sender.base_step ||
      step - sender.base_step > kMaxRatchetAhead) {
    error = make_error(Errc::not_found, "no key for KID " + std::to_string(kid));
    return nullptr;
  }
  crypto::sframe::BaseKey base = sender.base;
  for (uint16_t s = sender.base_step; s < step; ++s) base = crypto::sframe::ratchet(base);
  auto context = KeyContext::derive(kid, base);
  if (!context) {
    error = context.error();
    return nullptr;
  }
  if (auto st = context->unprotect(parsed, frame, metadata, out); !st) {
    error = st.error();
    return nullptr;
  }
  opened = true;
  sender.base = base;
  sender.base_step = step;
  sender.epochs.push_back(Epoch{kid, std::move(*context), {}});
  if (sender.epochs.size() > kEpochsPerSender) sender.epochs.pop_front();
  return &sender.epochs.back();
}

FrameProtection::Open FrameProtection::open_locked(ByteView datagram, Bytes& out, Error& error) {
  out.clear();
  auto trailer = trailer_size(datagram);
  if (!trailer) {
    ++counters_.malformed;
    error = trailer.error();
    return Open::failed;
  }
  const ByteView tail = datagram.last(*trailer);
  const ByteView frame = datagram.subspan(kHeader, datagram.size() - kHeader - *trailer);
  auto parsed = crypto::sframe::parse_header(frame);
  if (!parsed) {
    ++counters_.malformed;
    error = parsed.error();
    return Open::failed;
  }
  const uint64_t kid = parsed->header.kid;
  auto owner = by_prefix_.find(prefix_of(kid));
  if (owner == by_prefix_.end()) return Open::held;
  Sender& sender = *owner->second;
  const Metadata meta = metadata_of(datagram, tail);
  out.assign(datagram.begin(), datagram.begin() + kHeader);
  out[kEncryptedMarkerOffset] = 0;  // as the sender's plain header had it
  bool opened = false;
  Epoch* epoch = epoch_for_locked(sender, kid, frame, *parsed, meta.view(), out, error, opened);
  if (epoch == nullptr) {
    if (error.code == Errc::not_found) {
      ++counters_.missing_key;
      ++sender.view.missing_key;
      set_state_locked(sender, KeyState::missing_key);
    } else {
      ++counters_.decrypt_failed;
      ++sender.view.decrypt_failed;
      set_state_locked(sender, KeyState::decrypt_failed);
    }
    out.clear();
    return Open::failed;
  }
  const uint64_t ctr = parsed->header.ctr;
  if (!opened) {
    if (!epoch->replay.is_fresh(ctr)) {
      ++counters_.replayed;
      ++sender.view.replayed;
      out.clear();
      error = make_error(Errc::replay, "replayed or too old SFrame frame (KID " + std::to_string(kid) +
                                           ", CTR " + std::to_string(ctr) + ")");
      return Open::failed;
    }
    if (auto st = epoch->context.unprotect(*parsed, frame, meta.view(), out); !st) {
      ++counters_.decrypt_failed;
      ++sender.view.decrypt_failed;
      set_state_locked(sender, KeyState::decrypt_failed);
      out.clear();
      error = st.error();
      return Open::failed;
    }
  }
  epoch->replay.record(ctr);
  append_trailer(out, tail);
  ++counters_.decrypted;
  ++sender.view.decrypted;
  if (!sender.epochs.empty())
    sender.view.kid = sender.epochs.back().kid;  // the newest key, not the largest id
  set_state_locked(sender, KeyState::ok);
  return Open::ok;
}

void FrameProtection::expire_held_locked(uint64_t now_ms) {
  while (!held_.empty() && (held_.size() > kMaxHeld || now_ms - held_.front().at_ms > kHoldMs)) {
    held_.pop_front();
    ++counters_.missing_key;
  }
}

Result<ByteView> FrameProtection::unprotect(uint16_t source, ByteView datagram, Bytes& scratch) {
  std::lock_guard lock(mutex_);
  if (policy_ == Policy::off) return datagram;
  if (datagram.size() < kHeader || datagram[kEncryptedMarkerOffset] != kEncryptedMarker) {
    // A clear frame (or too short to tell: the engine's parser refuses it).
    if (policy_ == Policy::required) {
      ++counters_.clear_refused;
      return make_error(Errc::decrypt_failed, "clear media refused: end-to-end encryption is required");
    }
    ++counters_.clear_received;
    return datagram;
  }
  Error error{Errc::ok, {}};
  switch (open_locked(datagram, scratch, error)) {
    case Open::ok: return ByteView(scratch);
    case Open::failed: return error;
    case Open::held: break;
  }
  const uint64_t now = clock::now_ms();
  held_.push_back(Held{source, now, Bytes(datagram.begin(), datagram.end())});
  ++counters_.held;
  expire_held_locked(now);
  return make_error(Errc::would_block, "held: its key has not arrived");
}

std::vector<std::pair<uint16_t, Bytes>> FrameProtection::take_ready() {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<uint16_t, Bytes>> ready;
  const uint64_t now = clock::now_ms();
  std::deque<Held> still;
  Error error{Errc::ok, {}};
  for (auto& h : held_) {
    Bytes plain;
    switch (open_locked(h.datagram, plain, error)) {
      case Open::ok:
        ++counters_.released;
        ready.emplace_back(h.source, std::move(plain));
        break;
      case Open::held:
        if (now - h.at_ms <= kHoldMs) {
          still.push_back(std::move(h));
        } else {
          ++counters_.missing_key;
        }
        break;
      case Open::failed: break;
    }
  }
  held_.swap(still);
  return ready;
}

Status FrameProtection::add_receive_key(const std::string& sender_fp, uint64_t kid,
                                        const crypto::sframe::BaseKey& base, bool replaces) {
  // A new prefix replaces the sender's key whether or not the share says so (`replaces` is what
  // the sender meant); its earlier keys stay, up to kEpochsPerSender, for frames in flight.
  (void)replaces;
  const uint64_t prefix = prefix_of(kid);
  auto context = KeyContext::derive(kid, base);
  if (!context) return std::move(context).error();
  std::lock_guard lock(mutex_);
  if (auto owner = by_prefix_.find(prefix);
      owner != by_prefix_.end() && owner->second->view.fingerprint != sender_fp) {
    return make_error(Errc::invalid_argument,
                      "key id prefix already belongs to " + owner->second->view.fingerprint);
  }
  if (senders_.size() >= kMaxSenders && senders_.count(sender_fp) == 0) {
    return make_error(Errc::too_large, "too many senders with keys (" + std::to_string(kMaxSenders) + ")");
  }
  Sender& sender = senders_[sender_fp];
  sender.view.fingerprint = sender_fp;
  // A key we hold, or an earlier step of the newest one, is old news whatever `replaces` says:
  // a replayed share must not add an epoch with an empty replay window.
  if (std::any_of(sender.epochs.begin(), sender.epochs.end(), [&](const Epoch& e) { return e.kid == kid; }))
    return {};
  if (sender.prefix != 0 && prefix == sender.prefix && step_of(kid) <= sender.base_step) return {};
  // A key it replaced must not come back (a relay re-sending an old signed share).
  if (prefix != sender.prefix &&
      std::find(sender.retired.begin(), sender.retired.end(), prefix) != sender.retired.end()) {
    return make_error(Errc::replay, "a replaced key of " + sender_fp + " was offered again");
  }
  if (sender.prefix != 0 && prefix != sender.prefix) {
    sender.retired.push_back(sender.prefix);
    if (sender.retired.size() > kRetiredPerSender) sender.retired.erase(sender.retired.begin());
  }
  sender.prefix = prefix;
  sender.base_step = step_of(kid);
  sender.base = base;
  sender.epochs.push_back(Epoch{kid, std::move(*context), {}});
  if (sender.epochs.size() > kEpochsPerSender) sender.epochs.pop_front();
  by_prefix_[prefix] = &sender;
  // Prefixes no longer behind any kept key are released.
  for (auto it = by_prefix_.begin(); it != by_prefix_.end();) {
    const bool kept = it->second != &sender || it->first == sender.prefix ||
                      std::any_of(sender.epochs.begin(), sender.epochs.end(),
                                  [&](const Epoch& e) { return prefix_of(e.kid) == it->first; });
    it = kept ? std::next(it) : by_prefix_.erase(it);
  }
  sender.view.kid = kid;
  set_state_locked(sender, KeyState::ok);
  return {};
}

void FrameProtection::remove_sender(const std::string& sender_fp, KeyState state) {
  std::lock_guard lock(mutex_);
  auto it = senders_.find(sender_fp);
  if (it == senders_.end()) {
    if (state != KeyState::no_key) {
      if (senders_.size() >= kMaxSenders) return;
      Sender& s = senders_[sender_fp];
      s.view.fingerprint = sender_fp;
      set_state_locked(s, state);
    }
    return;
  }
  for (auto p = by_prefix_.begin(); p != by_prefix_.end();)
    p = p->second == &it->second ? by_prefix_.erase(p) : std::next(p);
  if (state == KeyState::no_key) {
    // Gone: nothing of it is kept.
    senders_.erase(it);
    return;
  }
  Sender& s = it->second;
  s.epochs.clear();
  s.prefix = 0;
  s.base_step = 0;
  s.base = {};
  s.view.kid.reset();
  set_state_locked(s, state);
}

void FrameProtection::note_state(const std::string& sender_fp, KeyState state) {
  std::lock_guard lock(mutex_);
  if (senders_.size() >= kMaxSenders && senders_.count(sender_fp) == 0) return;  // bounded: say nothing more
  Sender& s = senders_[sender_fp];
  s.view.fingerprint = sender_fp;
  if (!s.epochs.empty() && state == KeyState::no_key) return;  // a key is here: its frames say more
  set_state_locked(s, state);
}

ProtectionCounters FrameProtection::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::vector<ParticipantKeys> FrameProtection::participants() const {
  std::lock_guard lock(mutex_);
  std::vector<ParticipantKeys> out;
  out.reserve(senders_.size());
  for (const auto& [fp, s] : senders_) out.push_back(s.view);
  return out;
}

std::map<std::string, uint64_t> FrameProtection::receive_prefixes() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, uint64_t> out;
  for (const auto& [fp, s] : senders_) {
    if (s.prefix != 0) out[fp] = kid_of(s.prefix, 0);
  }
  return out;
}

std::vector<ParticipantKeys> FrameProtection::take_changes() {
  std::lock_guard lock(mutex_);
  changed_.store(false, std::memory_order_relaxed);
  return std::exchange(changes_, {});
}

bool FrameProtection::has_changes() const noexcept { return changed_.load(std::memory_order_acquire); }

}  // namespace wzp::e2e

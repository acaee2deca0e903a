#include "e2e/room_keys.hpp"

#include "core/log.hpp"
#include "crypto/safety_words.hpp"

namespace wzp::e2e {

namespace {
constexpr const char* kLog = "e2e";
namespace ks = crypto::e2e;
}  // namespace

Result<std::unique_ptr<RoomKeys>> RoomKeys::create(const crypto::Identity& self, std::string_view room,
                                                   RoomKeysConfig config,
                                                   std::shared_ptr<FrameProtection> protection) {
  if (!protection) return make_error(Errc::invalid_argument, "no frame protection");
  SenderKey key = SenderKey::fresh();
  WZP_TRY(protection->set_send_key(key));
  if (!config.members) {
    WZP_LOG(warn, kLog,
            "end-to-end keys go to every member of the room: without a member list a relay that adds a "
            "participant "
            "gets them too");
  }
  return std::unique_ptr<RoomKeys>(
      new RoomKeys(self, room, std::move(config), std::move(protection), std::move(key)));
}

RoomKeys::RoomKeys(const crypto::Identity& self, std::string_view room, RoomKeysConfig config,
                   std::shared_ptr<FrameProtection> protection, SenderKey key)
    : self_(self),
      self_fp_(self.fingerprint().to_display()),
      ctx_(ks::room_context(room)),
      config_(std::move(config)),
      protection_(std::move(protection)),
      key_(std::move(key)) {}

RoomKeys::Member* RoomKeys::member(const std::string& fp) {
  if (auto it = members_.find(fp); it != members_.end()) return &it->second;
  if (members_.size() >= kMaxMembers) {
    WZP_LOG(warn, kLog, "ignoring " + fp + ": " + std::to_string(kMaxMembers) + " members tracked already");
    return nullptr;
  }
  return &members_[fp];
}

bool RoomKeys::authorised(const std::string& member) const {
  return !config_.members || config_.members->count(member) != 0;
}

RoomKeys::Outgoing RoomKeys::hello(std::optional<std::string> to) {
  ++stats_.hellos_sent;
  return Outgoing{std::move(to), ks::encode_hello(self_, ctx_)};
}

std::vector<RoomKeys::Outgoing> RoomKeys::start(const std::vector<std::string>& members, int64_t now_ms) {
  for (const auto& fp : members) {
    Member* m = member(fp);
    if (m == nullptr) break;
    m->present = true;
    m->joined_ms = now_ms;
    if (!authorised(fp)) protection_->note_state(fp, KeyState::unauthorised);
  }
  std::vector<Outgoing> out;
  out.push_back(hello(std::nullopt));
  return out;
}

void RoomKeys::admit(const std::string& fp, Member& m, int64_t now_ms, std::vector<Outgoing>& out) {
  m.present = true;
  m.joined_ms = now_ms;
  if (!authorised(fp)) {
    protection_->note_state(fp, KeyState::unauthorised);
    WZP_LOG(info, kLog, fp + " joined the room but is not in the member list: it gets no key");
    return;  // no ratchet either: joins that get nothing must not move our key
  }
  // The newcomer gets only the next step: what we sent before stays closed to it. Members
  // holding our key derive the step themselves.
  const uint64_t prefix = key_.prefix;
  key_.ratchet();
  ++stats_.ratchets;
  if (auto st = protection_->set_send_key(key_); !st)
    WZP_LOG(error, kLog, "ratchet failed: " + st.error().message);
  if (key_.prefix != prefix) {
    for (auto& [other, record] : members_) record.shared_prefix.reset();  // out of steps: a fresh key
  }
  m.greeted_ms = now_ms;
  out.push_back(hello(fp));
  for (auto& [other, record] : members_) {
    if (record.present && record.x25519 && authorised(other))
      share_with(other, record, key_.prefix != prefix, out);
  }
}

std::vector<RoomKeys::Outgoing> RoomKeys::on_joined(const std::string& fp, int64_t now_ms) {
  std::vector<Outgoing> out;
  if (fp == self_fp_) return out;
  Member* m = member(fp);
  if (m == nullptr || m->present) return out;  // its Hello came first and was taken for its arrival
  admit(fp, *m, now_ms, out);
  return out;
}

std::vector<RoomKeys::Outgoing> RoomKeys::on_left(const std::string& fp, int64_t) {
  std::vector<Outgoing> out;
  auto it = members_.find(fp);
  if (it == members_.end()) return out;
  const bool held_ours = it->second.shared_prefix.has_value();
  members_.erase(it);
  protection_->remove_sender(fp);
  if (held_ours) {
    WZP_LOG(info, kLog, fp + " left holding our key: a fresh key goes to the others");
    rotate(out);
  }
  return out;
}

void RoomKeys::rotate(std::vector<Outgoing>& out) {
  key_ = SenderKey::fresh();
  ++stats_.rotations;
  if (auto st = protection_->set_send_key(key_); !st)
    WZP_LOG(error, kLog, "new key failed: " + st.error().message);
  for (auto& [fp, m] : members_) {
    m.shared_prefix.reset();
    if (m.present && m.x25519 && authorised(fp)) share_with(fp, m, true, out);
  }
}

void RoomKeys::share_with(const std::string& fp, Member& m, bool replaces, std::vector<Outgoing>& out) {
  if (m.shared_prefix == key_.prefix && !replaces) return;  // it has it, and derives the later steps
  auto recipient = crypto::Fingerprint::parse(fp);
  if (!recipient || !m.x25519) return;
  auto sealed = ks::seal_key_share(self_, *recipient, *m.x25519, key_.kid(), replaces, key_.base, ctx_);
  if (!sealed) {
    ++stats_.refused;
    WZP_LOG(warn, kLog, "cannot seal our key for " + fp + ": " + sealed.error().message);
    return;
  }
  m.shared_prefix = key_.prefix;
  ++stats_.key_shares_sent;
  out.push_back(Outgoing{fp, std::move(*sealed)});
}

bool RoomKeys::on_signal(const std::string& from, ByteView data, int64_t now_ms, std::vector<Outgoing>& out) {
  const auto type = ks::classify(data);
  if (!type) return false;
  if (!authorised(from)) {
    ++stats_.unauthorised;
    protection_->note_state(from, KeyState::unauthorised);
    // Its Hello is kept (checked) in case the application authorises it later.
    if (*type == ks::MessageType::hello) {
      if (auto h = ks::decode_hello(data, ctx_); h && h->fingerprint().to_display() == from) {
        if (Member* m = member(from)) {
          if (!m->present) {
            m->present = true;
            m->joined_ms = now_ms;
          }
          m->x25519 = h->x25519_pub;
        }
      }
    }
    return true;
  }
  if (*type == ks::MessageType::hello) {
    auto hello_msg = ks::decode_hello(data, ctx_);
    if (!hello_msg || hello_msg->fingerprint().to_display() != from) {
      ++stats_.refused;
      WZP_LOG(warn, kLog,
              "refused a Hello from " + from + ": " +
                  (hello_msg ? std::string("signed by another identity") : hello_msg.error().message));
      return true;
    }
    ++stats_.hellos_received;
    Member* slot = member(from);
    if (slot == nullptr) return true;
    Member& m = *slot;
    if (!m.present) admit(from, m, now_ms, out);  // its Hello overtook the relay's "joined"
    // A Hello means "greet me": its sender (re)started and holds none of our keys. Answer with
    // our Hello (it may have missed the one we sent before its call existed) and our key; at
    // most once a second per member, so two Hellos crossing, or replayed ones, cannot loop.
    const bool first = !m.x25519 || *m.x25519 != hello_msg->x25519_pub;
    m.x25519 = hello_msg->x25519_pub;
    if (first || now_ms - m.greeted_ms >= kGreetIntervalMs) {
      m.greeted_ms = now_ms;
      m.shared_prefix.reset();
      out.push_back(hello(from));
    }
    share_with(from, m, false, out);
    return true;
  }
  auto share = ks::open_key_share(self_, data, ctx_);
  if (!share || share->sender().to_display() != from) {
    ++stats_.refused;
    WZP_LOG(warn, kLog,
            "refused a key share from " + from + ": " +
                (share ? std::string("signed by another identity") : share.error().message));
    return true;
  }
  if (auto st = protection_->add_receive_key(from, share->kid, share->base_key, share->replaces); !st) {
    ++stats_.refused;
    WZP_LOG(warn, kLog, "refused the key of " + from + ": " + st.error().message);
    return true;
  }
  ++stats_.key_shares_received;
  return true;
}

std::vector<RoomKeys::Outgoing> RoomKeys::set_members(std::optional<std::set<std::string>> members,
                                                      int64_t now_ms) {
  std::vector<Outgoing> out;
  const auto before = config_.members;
  config_.members = std::move(members);
  bool revoked = false;
  // Everyone we know of: members seen, and senders whose keys we took (a member whose Hello the
  // relay withheld may still have sent its key).
  std::set<std::string> known;
  for (const auto& [fp, m] : members_) known.insert(fp);
  for (const auto& p : protection_->participants()) known.insert(p.fingerprint);
  for (const auto& fp : known) {
    const bool was = !before || before->count(fp) != 0;
    if (was && !authorised(fp)) {
      protection_->remove_sender(fp, KeyState::unauthorised);
      auto it = members_.find(fp);
      if (it != members_.end() && it->second.shared_prefix) revoked = true;
      WZP_LOG(info, kLog, fp + " was removed from the member list");
    } else if (!was && authorised(fp)) {
      protection_->note_state(fp, KeyState::no_key);
      if (auto it = members_.find(fp); it != members_.end() && it->second.present) {
        // Newly authorised while here: our Hello asks for its key; its Hello (kept) gets ours.
        it->second.greeted_ms = now_ms;
        out.push_back(hello(fp));
      }
    }
  }
  if (revoked) rotate(out);  // the removed member cannot read what follows
  for (auto& [fp, m] : members_) {
    if (m.present && m.x25519 && authorised(fp)) share_with(fp, m, false, out);
  }
  return out;
}

std::vector<RoomKeys::Outgoing> RoomKeys::request_key(const std::string& fp, int64_t now_ms) {
  std::vector<Outgoing> out;
  auto it = members_.find(fp);
  if (it == members_.end() || !it->second.present || !authorised(fp)) return out;
  if (now_ms - it->second.greeted_ms < kGreetIntervalMs) return out;
  // Our Hello makes it send its current key again (e.g. we missed more steps than we derive).
  it->second.greeted_ms = now_ms;
  out.push_back(hello(fp));
  return out;
}

bool RoomKeys::poll(int64_t now_ms) {
  if (config_.policy != Policy::preferred) return false;
  std::string reason;
  for (const auto& [fp, m] : members_) {
    if (m.present && !m.x25519 && authorised(fp) && now_ms - m.joined_ms >= config_.hello_grace_ms) {
      reason = fp + " shows no end-to-end support";
      protection_->note_state(fp, KeyState::clear);
      break;
    }
  }
  if (reason == clear_reason_) return false;
  clear_reason_ = reason;
  protection_->set_send_clear(!reason.empty());
  WZP_LOG(warn, kLog,
          reason.empty() ? std::string("media are end-to-end encrypted again")
                         : "sending clear media: " + reason);
  return true;
}

std::vector<std::string> RoomKeys::safety_words() const {
  std::vector<std::pair<crypto::Fingerprint, uint64_t>> entries;
  entries.emplace_back(self_.fingerprint(), kid_of(key_.prefix, 0));
  for (const auto& [fp, kid] : protection_->receive_prefixes()) {
    if (!authorised(fp)) continue;
    if (auto parsed = crypto::Fingerprint::parse(fp)) entries.emplace_back(*parsed, kid);
  }
  return crypto::room_safety_words(std::move(entries), ctx_);
}

std::map<std::string, bool> RoomKeys::present() const {
  std::map<std::string, bool> out;
  for (const auto& [fp, m] : members_) {
    if (m.present) out[fp] = m.x25519.has_value();
  }
  return out;
}

}  // namespace wzp::e2e

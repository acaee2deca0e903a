#include "e2e/call_encryption.hpp"

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/log.hpp"

namespace wzp::e2e {

namespace {
constexpr const char* kLog = "e2e";
constexpr uint64_t kPollIntervalMs = 250;

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}
}  // namespace

CallEncryption::CallEncryption(client::Client& client, media::LiveCall& call,
                               std::shared_ptr<FrameProtection> protection, ChangeSink on_change)
    : client_(&client), call_(&call), protection_(std::move(protection)), on_change_(std::move(on_change)) {}

CallEncryption::~CallEncryption() { detach(); }

Result<std::shared_ptr<CallEncryption>> CallEncryption::attach(client::Client& client, media::LiveCall& call,
                                                               CallEncryptionConfig config,
                                                               ChangeSink on_change) {
  if (config.policy == Policy::off) return make_error(Errc::invalid_argument, "end-to-end policy is off");
  auto protection = std::make_shared<FrameProtection>(config.policy);
  std::shared_ptr<CallEncryption> self(new CallEncryption(client, call, protection, std::move(on_change)));
  if (!client.peers()) {
    // No room extension: no way to reach the other members with keys.
    if (config.policy == Policy::required) {
      return make_error(
          Errc::invalid_state,
          "end-to-end encryption is required, but the relay does not forward room signals (it did not "
          "agree to the room extension; a reference relay?)");
    }
    self->relay_limitation_ = "the relay forwards no room signals, so no keys can be exchanged";
    WZP_LOG(warn, kLog, "sending clear media: " + self->relay_limitation_);
    call.set_protection(protection);
    if (self->on_change_)
      self->on_change_(E2eChange{{}, KeyState::clear, "sending clear media: " + self->relay_limitation_});
    return self;
  }
  auto keys = RoomKeys::create(
      client.identity(), client.sni(),
      RoomKeysConfig{config.policy, std::move(config.members), config.hello_grace_ms}, protection);
  if (!keys) return std::move(keys).error();
  self->keys_ = std::move(*keys);
  call.set_protection(protection);
  std::weak_ptr<CallEncryption> weak = self;
  client.set_room_observer([weak](client::ClientEventType type, const wire::PeerEntry& peer, ByteView data) {
    auto s = weak.lock();
    return s ? s->on_room_event(type, peer, data) : false;
  });
  call.set_after_hook([weak] {
    if (auto s = weak.lock()) s->after_media();
  });
  // The members present now (one who joins meanwhile is seen twice: harmless).
  std::vector<std::string> present;
  if (auto peers = client.peers()) {
    for (const auto& p : *peers) present.push_back(p.fingerprint);
  }
  std::vector<RoomKeys::Outgoing> out;
  {
    std::lock_guard lock(self->mutex_);
    out = self->keys_->start(present, static_cast<int64_t>(clock::now_ms()));
  }
  self->send(std::move(out));
  WZP_LOG(info, kLog,
          "end-to-end encryption " + std::string(policy_name(config.policy)) + ", " +
              std::to_string(present.size()) + " member(s) present");
  return self;
}

Result<std::shared_ptr<CallEncryption>> CallEncryption::attach_pair(client::Client& client,
                                                                    media::LiveCall& call, Policy policy,
                                                                    PairKeys keys, const std::string& peer,
                                                                    ChangeSink on_change) {
  if (policy == Policy::off) return make_error(Errc::invalid_argument, "end-to-end policy is off");
  auto protection = std::make_shared<FrameProtection>(policy);
  WZP_TRY(protection->set_send_key(keys.send));
  WZP_TRY(protection->add_receive_key(peer, keys.receive.kid(), keys.receive.base, false));
  std::shared_ptr<CallEncryption> self(new CallEncryption(client, call, protection, std::move(on_change)));
  self->pair_ = std::move(keys);
  self->pair_peer_ = peer;
  call.set_protection(protection);
  std::weak_ptr<CallEncryption> weak = self;
  call.set_after_hook([weak] {
    if (auto s = weak.lock()) s->after_media();
  });
  WZP_LOG(info, kLog,
          "end-to-end encryption " + std::string(policy_name(policy)) + " with " + peer +
              ", keys from the call's own handshake");
  return self;
}

void CallEncryption::detach() {
  if (detached_.exchange(true)) return;
  if (keys_) client_->set_room_observer({});
  if (keys_ || pair_) call_->set_after_hook({});
}

void CallEncryption::send(std::vector<RoomKeys::Outgoing> out) {
  for (auto& m : out) {
    if (detached_.load()) return;  // the client may be gone
    if (auto st = client_->send_peer_signal(m.to, m.data); !st) {
      WZP_LOG(debug, kLog,
              "key message to " + m.to.value_or("everyone") + " not sent: " + st.error().message);
    }
  }
}

bool CallEncryption::on_room_event(client::ClientEventType type, const wire::PeerEntry& peer, ByteView data) {
  if (detached_.load()) return false;
  std::vector<RoomKeys::Outgoing> out;
  bool consumed = false;
  {
    std::lock_guard lock(mutex_);
    const auto now = static_cast<int64_t>(clock::now_ms());
    switch (type) {
      case client::ClientEventType::peer_joined: out = keys_->on_joined(peer.fingerprint, now); break;
      case client::ClientEventType::peer_left: out = keys_->on_left(peer.fingerprint, now); break;
      case client::ClientEventType::peer_signal:
        consumed = keys_->on_signal(peer.fingerprint, data, now, out);
        break;
      default: break;
    }
  }
  send(std::move(out));
  if (consumed) call_->release_held();  // a key may have come: frames held for it play now
  report_changes();
  flush_requests();
  return consumed;
}

void CallEncryption::report_changes() {
  std::vector<RoomKeys::Outgoing> requests;
  for (const auto& c : protection_->take_changes()) {
    if (c.state == KeyState::missing_key && keys_) {
      std::lock_guard lock(mutex_);
      auto ask = keys_->request_key(c.fingerprint, static_cast<int64_t>(clock::now_ms()));
      for (auto& m : ask) requests.push_back(std::move(m));
    }
    std::string detail = std::string(key_state_name(c.state));
    if (c.state == KeyState::decrypt_failed) detail = "frames from this member do not authenticate";
    if (c.state == KeyState::missing_key) detail = "frames under a key we were not given";
    if (c.state == KeyState::unauthorised) detail = "not in the member list: no key given or taken";
    if (c.state == KeyState::clear) detail = "no end-to-end support";
    if (on_change_) on_change_(E2eChange{c.fingerprint, c.state, std::move(detail)});
  }
  if (requests.empty()) return;
  std::lock_guard lock(requests_mutex_);
  for (auto& m : requests) requests_.push_back(std::move(m));
}

void CallEncryption::flush_requests() {
  // Only on the client's thread: elsewhere (a send_pcm thread inside the call's flush) a send
  // would wait for that thread, which may be waiting for the call. Media keep coming on the
  // client's thread, so a request waits a frame at most.
  if (!client_->in_client_thread()) return;
  std::vector<RoomKeys::Outgoing> out;
  {
    std::lock_guard lock(requests_mutex_);
    out.swap(requests_);
  }
  send(std::move(out));
}

void CallEncryption::after_media() {
  if (detached_.load()) return;
  if (protection_->has_changes()) report_changes();
  flush_requests();
  if (protection_->policy() != Policy::preferred) return;
  const uint64_t now = clock::now_ms();
  if (now < next_poll_ms_.load(std::memory_order_relaxed)) return;
  next_poll_ms_.store(now + kPollIntervalMs, std::memory_order_relaxed);
  std::string reason;
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    changed = keys_->poll(static_cast<int64_t>(now));
    reason = keys_->clear_reason();
  }
  if (changed) report_changes();
  if (changed && on_change_) {
    on_change_(reason.empty() ? E2eChange{{}, KeyState::ok, "media are end-to-end encrypted again"}
                              : E2eChange{{}, KeyState::clear, "sending clear media: " + reason});
  }
}

Status CallEncryption::set_members(std::optional<std::set<std::string>> members) {
  if (detached_.load()) return make_error(Errc::closed, "the call was released from its client");
  if (pair_) return make_error(Errc::invalid_state, "a 1:1 call keyed by its handshake has no member list");
  std::vector<RoomKeys::Outgoing> out;
  {
    std::lock_guard lock(mutex_);
    if (!keys_) return make_error(Errc::invalid_state, relay_limitation_);
    out = keys_->set_members(std::move(members), static_cast<int64_t>(clock::now_ms()));
  }
  send(std::move(out));
  report_changes();
  return {};
}

std::vector<std::string> CallEncryption::safety_words() const {
  if (pair_) return pair_->safety_words;
  std::lock_guard lock(mutex_);
  if (!keys_) return {};
  return keys_->safety_words();
}

RoomKeysStats CallEncryption::key_stats() const {
  std::lock_guard lock(mutex_);
  return keys_ ? keys_->stats() : RoomKeysStats{};
}

std::string CallEncryption::state_json() const {
  nlohmann::ordered_json j;
  j["policy"] = std::string(policy_name(protection_->policy()));
  const bool clear = protection_->sending_clear();
  j["sending"] = clear ? "clear" : "encrypted";
  j["keys_from"] = pair_ ? "handshake" : (keys_ ? "room" : "none");
  std::map<std::string, bool> present;
  {
    std::lock_guard lock(mutex_);
    j["clear_reason"] = keys_ ? keys_->clear_reason() : relay_limitation_;
    if (keys_) {
      j["send_kid"] = keys_->send_kid();
      j["safety_words"] = join_words(keys_->safety_words());
      if (keys_->members()) {
        j["members"] = nlohmann::ordered_json::array();
        for (const auto& m : *keys_->members()) j["members"].push_back(m);
      } else {
        j["members"] = nullptr;
      }
      present = keys_->present();
      const auto& s = keys_->stats();
      j["keys"] = {{"hellos_sent", s.hellos_sent},
                   {"hellos_received", s.hellos_received},
                   {"key_shares_sent", s.key_shares_sent},
                   {"key_shares_received", s.key_shares_received},
                   {"refused", s.refused},
                   {"unauthorised", s.unauthorised},
                   {"ratchets", s.ratchets},
                   {"rotations", s.rotations}};
    }
  }
  if (pair_) {
    j["send_kid"] = pair_->send.kid();
    j["safety_words"] = join_words(pair_->safety_words);
    j["members"] = nlohmann::ordered_json::array({pair_peer_});
    present[pair_peer_] = true;
  }
  // Every participant the stage knows, then those present that it does not (no key yet).
  auto entry = [&present](const ParticipantKeys& p) {
    return nlohmann::ordered_json{
        {"fingerprint", p.fingerprint},
        {"state", std::string(key_state_name(p.state))},
        {"present", present.count(p.fingerprint) != 0},
        {"decrypted", p.decrypted},
        {"decrypt_failed", p.decrypt_failed},
        {"replayed", p.replayed},
        {"missing_key", p.missing_key},
        {"kid", p.kid ? nlohmann::ordered_json(*p.kid) : nlohmann::ordered_json(nullptr)}};
  };
  auto participants = nlohmann::ordered_json::array();
  std::set<std::string> listed;
  for (const auto& p : protection_->participants()) {
    listed.insert(p.fingerprint);
    participants.push_back(entry(p));
  }
  for (const auto& [fp, hello] : present) {
    if (listed.count(fp) != 0) continue;
    ParticipantKeys unknown;
    unknown.fingerprint = fp;
    participants.push_back(entry(unknown));
  }
  j["participants"] = std::move(participants);
  const auto c = protection_->counters();
  j["frames"] = {{"encrypted", c.encrypted},
                 {"sent_clear", c.sent_clear},
                 {"decrypted", c.decrypted},
                 {"decrypt_failed", c.decrypt_failed},
                 {"replayed", c.replayed},
                 {"missing_key", c.missing_key},
                 {"held", c.held},
                 {"released", c.released},
                 {"clear_received", c.clear_received},
                 {"clear_refused", c.clear_refused},
                 {"malformed", c.malformed}};
  return j.dump();
}

}  // namespace wzp::e2e

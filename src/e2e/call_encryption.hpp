// End-to-end encryption of a live call in a room: joins the call (its payload protection
// stage), the client (room events and peer signals, seen before the application) and the
// key exchange (RoomKeys). The key messages travel as peer signals through the relay; a
// relay that does not forward them (the reference) is detected when the call starts.
//
// Threads: room events arrive on the client's thread; media on the client's and the
// application's; the application asks for state from any thread. One mutex guards the
// key exchange; it is never held while waiting for the client's thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/client.hpp"
#include "e2e/frame_protection.hpp"
#include "e2e/pair_keys.hpp"
#include "e2e/room_keys.hpp"
#include "media/call/live_call.hpp"

namespace wzp::e2e {

struct CallEncryptionConfig {
  Policy policy = Policy::required;
  std::optional<std::set<std::string>> members;  // display fingerprints; nullopt: everyone
  int64_t hello_grace_ms = 3000;
};

/// A participant's key state changed, or (fingerprint empty) the call's own: media went
/// clear or encrypted again (`detail` says why).
struct E2eChange {
  std::string fingerprint;
  KeyState state = KeyState::no_key;
  std::string detail;
};

class CallEncryption : public std::enable_shared_from_this<CallEncryption> {
 public:
  using ChangeSink = std::function<void(const E2eChange&)>;

  /// Errors: invalid_argument (policy off), invalid_state (required, and the relay does not
  /// forward room signals), the key setup's.
  static Result<std::shared_ptr<CallEncryption>> attach(client::Client& client, media::LiveCall& call,
                                                        CallEncryptionConfig config, ChangeSink on_change);
  /// A 1:1 call whose keys came from the users' own handshake (pair_keys): nothing is
  /// exchanged through the relay. Errors: invalid_argument (policy off), the key setup's.
  static Result<std::shared_ptr<CallEncryption>> attach_pair(client::Client& client, media::LiveCall& call,
                                                             Policy policy, PairKeys keys,
                                                             const std::string& peer, ChangeSink on_change);
  ~CallEncryption();
  /// Stop seeing the client's events and the call's (keeps the protection: media stay
  /// encrypted until the call ends). Idempotent.
  void detach();

  Policy policy() const noexcept { return protection_->policy(); }
  Status set_members(std::optional<std::set<std::string>> members);
  std::vector<std::string> safety_words() const;
  ProtectionCounters counters() const { return protection_->counters(); }
  std::vector<ParticipantKeys> participants() const { return protection_->participants(); }
  /// The call's protection stage (set by attach or attach_pair): for tests and diagnostics, e.g.
  /// to wrap it in a decorator installed with LiveCall::set_protection before media flow.
  std::shared_ptr<FrameProtection> protection() const { return protection_; }
  RoomKeysStats key_stats() const;
  /// Everything above as one JSON object (docs/SECURITY.md, "State").
  std::string state_json() const;

 private:
  CallEncryption(client::Client& client, media::LiveCall& call, std::shared_ptr<FrameProtection> protection,
                 ChangeSink on_change);
  bool on_room_event(client::ClientEventType type, const wire::PeerEntry& peer, ByteView data);
  void send(std::vector<RoomKeys::Outgoing> out);
  void after_media();
  void report_changes();
  void flush_requests();

  client::Client* client_;
  media::LiveCall* call_;
  std::shared_ptr<FrameProtection> protection_;
  ChangeSink on_change_;
  mutable std::mutex mutex_;  // guards keys_ and clear_reason_
  std::unique_ptr<RoomKeys> keys_;
  std::string relay_limitation_;  // preferred, and the relay forwards no room signals
  std::optional<PairKeys> pair_;  // a 1:1 call keyed by the users' handshake: no keys_
  std::string pair_peer_;
  std::mutex requests_mutex_;                 // guards requests_ (never held while sending)
  std::vector<RoomKeys::Outgoing> requests_;  // key requests waiting for the client's thread
  std::atomic<uint64_t> next_poll_ms_{0};
  std::atomic<bool> detached_{false};
};

}  // namespace wzp::e2e

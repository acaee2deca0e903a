// The call's end-to-end stage (media::PayloadProtection): every datagram the call
// sends becomes
//
//   media header (byte 11 = kEncryptedMarker) || SFrame(header || AES-GCM(payload) || tag)
//                                              || [the 4-byte quality report, if Q is set]
//
// The media header and the quality report stay readable (the relay routes, trunks and keeps
// its metrics on them) and are authenticated as SFrame metadata. Received frames are opened
// with the sender's key (found by the KID's prefix), checked against a replay window per key,
// and held for a while when their key has not arrived yet (a fresh key travels on a
// reliable stream while frames already use it). Thread-safe (one mutex).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto/anti_replay.hpp"
#include "crypto/sframe.hpp"
#include "e2e/policy.hpp"
#include "e2e/sender_key.hpp"
#include "media/call/call_hooks.hpp"

namespace wzp::e2e {

struct ProtectionCounters {
  uint64_t encrypted = 0;       // frames sent encrypted
  uint64_t sent_clear = 0;      // frames sent clear (policy preferred, a member without e2e)
  uint64_t decrypted = 0;       // frames opened
  uint64_t decrypt_failed = 0;  // frames whose tag did not verify: dropped
  uint64_t replayed = 0;        // frames seen before (or too old for the window): dropped
  uint64_t missing_key = 0;     // frames under a key we do not hold, given up on
  uint64_t held = 0;            // frames held for their key
  uint64_t released = 0;        // held frames opened once their key came
  uint64_t clear_received = 0;  // clear frames accepted (policy preferred)
  uint64_t clear_refused = 0;   // clear frames dropped (policy required)
  uint64_t malformed = 0;       // marked encrypted but not an SFrame frame
};

struct ParticipantKeys {
  std::string fingerprint;
  KeyState state = KeyState::no_key;
  std::optional<uint64_t> kid;  // the newest key of its we hold
  uint64_t decrypted = 0, decrypt_failed = 0, replayed = 0, missing_key = 0;
};

class FrameProtection final : public media::PayloadProtection {
 public:
  static constexpr size_t kMaxHeld = 256;           // frames waiting for a key, all senders
  static constexpr int64_t kHoldMs = 3000;          // then given up on (missing_key)
  static constexpr size_t kEpochsPerSender = 4;     // keys kept per sender (in-flight frames)
  static constexpr uint16_t kMaxRatchetAhead = 64;  // steps a frame may skip forward
  static constexpr size_t kRetiredPerSender = 64;   // replaced keys remembered per sender
  static constexpr size_t kMaxSenders = 1024;       // participants tracked (a relay may invent more)

  explicit FrameProtection(Policy policy);

  Policy policy() const noexcept { return policy_; }
  /// The key new frames are sealed with (its counter starts at 0: the key is new).
  Status set_send_key(const SenderKey& key);
  /// Policy preferred only: send clear payloads (true) or encrypted ones again.
  void set_send_clear(bool clear);
  bool sending_clear() const;
  std::optional<uint64_t> send_kid() const;

  /// A sender's key from its key share. `replaces`: its earlier keys are dropped once the
  /// frames in flight had their chance (the newest kEpochsPerSender keys are kept).
  Status add_receive_key(const std::string& sender, uint64_t kid, const crypto::sframe::BaseKey& base,
                         bool replaces);
  /// Forget a sender (it left, or it is no longer authorised): its frames are no longer opened.
  void remove_sender(const std::string& sender, KeyState state = KeyState::no_key);
  /// Record what the key exchange knows of a participant that sent us no key.
  void note_state(const std::string& sender, KeyState state);

  Status protect(Bytes& datagram) override;
  Result<ByteView> unprotect(uint16_t source, ByteView datagram, Bytes& scratch) override;
  std::vector<std::pair<uint16_t, Bytes>> take_ready() override;

  ProtectionCounters counters() const;
  std::vector<ParticipantKeys> participants() const;
  /// The key ids (prefix only, step 0) of every sender we hold a key of, by fingerprint.
  std::map<std::string, uint64_t> receive_prefixes() const;
  /// Set when a participant's state changed since the last call (the caller reports it).
  std::vector<ParticipantKeys> take_changes();
  bool has_changes() const noexcept;

 private:
  struct Epoch {
    uint64_t kid;
    crypto::sframe::KeyContext context;
    crypto::ExtendedReplayWindow replay;
  };
  struct Sender {
    ParticipantKeys view;
    uint64_t prefix = 0;  // of the newest key
    uint16_t base_step = 0;
    crypto::sframe::BaseKey base;   // the newest base key, at base_step
    std::deque<Epoch> epochs;       // newest last
    std::vector<uint64_t> retired;  // prefixes it replaced (never taken again)
  };
  struct Held {
    uint16_t source;
    uint64_t at_ms;
    Bytes datagram;
  };
  enum class Open { ok, held, failed };

  Open open_locked(ByteView datagram, Bytes& out, Error& error);
  Epoch* epoch_for_locked(Sender& sender, uint64_t kid, ByteView frame,
                          const crypto::sframe::ParsedHeader& parsed, ByteView metadata, Bytes& out,
                          Error& error, bool& opened);
  void set_state_locked(Sender& sender, KeyState state);
  void expire_held_locked(uint64_t now_ms);

  const Policy policy_;
  mutable std::mutex mutex_;
  std::optional<SenderKey> send_key_;
  std::optional<crypto::sframe::KeyContext> send_context_;
  uint64_t send_ctr_ = 0;
  bool send_clear_ = false;
  Bytes sealed_;  // reused per frame
  std::map<std::string, Sender> senders_;
  std::unordered_map<uint64_t, Sender*> by_prefix_;  // every prefix still kept -> its sender (in senders_)
  std::deque<Held> held_;
  std::vector<ParticipantKeys> changes_;
  std::atomic<bool> changed_{false};
  ProtectionCounters counters_;
};

}  // namespace wzp::e2e

// The key exchange of an end-to-end encrypted room, as a state machine without I/O:
// room events and signals in, signals to send out (through the relay's peer signals),
// keys into the FrameProtection.
//
//   start:      a fresh sender key; a Hello (our identity's Ed25519 and X25519 keys, signed)
//               to every member.
//   Hello in:   from an authorised member (the application's list, or everyone): our current
//               key, sealed to its X25519 key and signed (a KeyShare), and our Hello back (it
//               may have started after ours went out), at most once a second per member.
//   KeyShare in: from an authorised member, signed by the fingerprint that sent it: its key.
//   joined:     (an authorised member, or its Hello, whichever comes first) our key ratchets
//               one step (the newcomer cannot read what came before) and our Hello goes to it.
//   left / no longer authorised: if it held our key, a fresh key goes to everyone else.
//
// Not thread-safe: the caller serialises (CallEncryption holds a mutex).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crypto/e2e_key_share.hpp"
#include "crypto/identity.hpp"
#include "e2e/frame_protection.hpp"
#include "e2e/sender_key.hpp"

namespace wzp::e2e {

struct RoomKeysConfig {
  Policy policy = Policy::required;
  /// Display fingerprints allowed to receive our key (and whose keys we take); nullopt:
  /// every member of the room.
  std::optional<std::set<std::string>> members;
  /// Policy preferred: a member that sent no Hello for this long is taken for one without
  /// end-to-end support, and media go clear.
  int64_t hello_grace_ms = 3000;
};

struct RoomKeysStats {
  uint64_t hellos_sent = 0, hellos_received = 0;
  uint64_t key_shares_sent = 0, key_shares_received = 0;
  uint64_t refused = 0;       // forged, malformed or misaddressed messages
  uint64_t unauthorised = 0;  // messages from members not in the list (ignored)
  uint64_t ratchets = 0;      // our key stepped forward (a join)
  uint64_t rotations = 0;     // our key replaced (a leave or a removal)
};

class RoomKeys {
 public:
  struct Outgoing {
    std::optional<std::string> to;  // nullopt: every member
    Bytes data;
  };

  /// Errors: the protection's (no key could be set up).
  static Result<std::unique_ptr<RoomKeys>> create(const crypto::Identity& self, std::string_view room,
                                                  RoomKeysConfig config,
                                                  std::shared_ptr<FrameProtection> protection);

  /// The members present when the call starts.
  std::vector<Outgoing> start(const std::vector<std::string>& members, int64_t now_ms);
  std::vector<Outgoing> on_joined(const std::string& member, int64_t now_ms);
  std::vector<Outgoing> on_left(const std::string& member, int64_t now_ms);
  /// False if `data` is not an end-to-end message (the application's own signal).
  bool on_signal(const std::string& from, ByteView data, int64_t now_ms, std::vector<Outgoing>& out);
  /// Frames of `member` name a key we do not hold: ask it for its key again (our Hello; at
  /// most once a second).
  std::vector<Outgoing> request_key(const std::string& member, int64_t now_ms);
  /// The application's member list changed (nullopt: everyone).
  std::vector<Outgoing> set_members(std::optional<std::set<std::string>> members, int64_t now_ms);
  /// Policy preferred: decide between clear and encrypted media. Returns true when it changed.
  bool poll(int64_t now_ms);

  /// Safety words over the fingerprints and key ids every member of the call holds: the same
  /// at every member that has the same keys.
  std::vector<std::string> safety_words() const;
  uint64_t send_kid() const noexcept { return key_.kid(); }
  const RoomKeysStats& stats() const noexcept { return stats_; }
  bool authorised(const std::string& member) const;
  const std::optional<std::set<std::string>>& members() const noexcept { return config_.members; }
  /// Members present now, each with whether it sent a Hello (speaks end-to-end).
  std::map<std::string, bool> present() const;
  /// Why media go clear (policy preferred), or empty.
  const std::string& clear_reason() const noexcept { return clear_reason_; }

 private:
  struct Member {
    int64_t joined_ms = 0;
    bool present = false;
    std::optional<crypto::X25519Public> x25519;  // from its Hello
    std::optional<uint64_t> shared_prefix;       // our key prefix it holds
    int64_t greeted_ms = INT64_MIN / 2;          // when our Hello last went to it
  };
  static constexpr int64_t kGreetIntervalMs = 1000;
  static constexpr size_t kMaxMembers = 1024;  // members tracked (a relay may announce more)
  /// The member's record, or null when the table is full (a new member is then ignored).
  Member* member(const std::string& fp);
  RoomKeys(const crypto::Identity& self, std::string_view room, RoomKeysConfig config,
           std::shared_ptr<FrameProtection> protection, SenderKey key);
  void share_with(const std::string& fp, Member& member, bool replaces, std::vector<Outgoing>& out);
  /// `fp` is here (joined, or its Hello came first): ratchet our key if it is authorised.
  void admit(const std::string& fp, Member& member, int64_t now_ms, std::vector<Outgoing>& out);
  /// A fresh key to every authorised member still here (someone who held ours is gone).
  void rotate(std::vector<Outgoing>& out);
  Outgoing hello(std::optional<std::string> to);

  crypto::Identity self_;
  std::string self_fp_;
  crypto::e2e::RoomContext ctx_;
  RoomKeysConfig config_;
  std::shared_ptr<FrameProtection> protection_;
  SenderKey key_;
  std::map<std::string, Member> members_;
  RoomKeysStats stats_;
  std::string clear_reason_;
};

}  // namespace wzp::e2e

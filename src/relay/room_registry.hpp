// Rooms and their participants, plus the per-room access list. Pure state, no I/O:
// the relay server calls it from its event-loop thread only.
//
// ACL semantics (the reference's, §7.2 of the relay spec): when the ACL is off every
// join is allowed. When on, a participant without an authenticated fingerprint is
// denied; a room absent from the ACL admits any authenticated fingerprint; a room in
// the ACL admits exactly its listed fingerprints (exact string match).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace wzp::relay {

using ParticipantId = uint64_t;

struct Participant {
  ParticipantId id = 0;
  uint64_t connection = 0;                 // transport connection id
  std::optional<std::string> fingerprint;  // authenticated (token) fingerprint
};

class RoomRegistry {
 public:
  void set_acl_enabled(bool enabled) noexcept { acl_enabled_ = enabled; }
  bool acl_enabled() const noexcept { return acl_enabled_; }
  /// Add fp to room's allowed set (creating the room's entry); also enables nothing by itself.
  void acl_allow(const std::string& room, const std::string& fingerprint);
  /// Remove fp from room's set; removing the last entry keeps the room restricted (empty set).
  void acl_revoke(const std::string& room, const std::string& fingerprint);
  /// Forget the room's entry: it becomes unrestricted for authenticated users.
  void acl_clear_room(const std::string& room);
  /// Forget every entry.
  void acl_clear() { acl_.clear(); }
  bool is_authorized(const std::string& room, const std::optional<std::string>& fingerprint) const;

  /// Join: Errc::acl_denied "not authorized for room R", or Errc::room_full when the room
  /// already holds max_per_room participants (0 = unlimited).
  Result<ParticipantId> join(const std::string& room, uint64_t connection,
                             const std::optional<std::string>& fingerprint);
  /// Leave; the room is deleted when it becomes empty. Unknown ids are ignored.
  void leave(const std::string& room, ParticipantId id);
  /// Connections of every other participant of the room, in join order.
  void others(const std::string& room, ParticipantId id, std::vector<uint64_t>& out) const;

  size_t room_size(const std::string& room) const;
  size_t room_count() const noexcept { return rooms_.size(); }
  void set_max_per_room(size_t max) noexcept { max_per_room_ = max; }
  const std::map<std::string, std::vector<Participant>>& rooms() const noexcept { return rooms_; }

 private:
  bool acl_enabled_ = false;
  size_t max_per_room_ = 0;
  ParticipantId next_id_ = 1;
  std::map<std::string, std::vector<Participant>> rooms_;
  std::map<std::string, std::set<std::string>> acl_;
};

/// Parse an ACL file: one "room fingerprint [fingerprint...]" per line; '#' starts a
/// comment; blank lines ignored. Room names are the names the relay sees (normally the
/// hashed SNI). Errors: Errc::invalid_argument with the line number.
Result<std::map<std::string, std::set<std::string>>> parse_acl_text(std::string_view text);

}  // namespace wzp::relay

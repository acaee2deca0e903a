// The relay's access list: which fingerprints may join which room. Every rule
// lives here; the relay server asks admit() once per join, before answering.
//
// Rules (an extension of the reference's table, relay spec §7.2):
//  - off: everyone is admitted;
//  - on, a listed room (one that had an allow(), until clear_room() or replace()):
//    exactly its fingerprints; none once its last entry is revoked;
//  - on, an unlisted room: any fingerprint, or nobody in default-deny mode.
// Entries are normalised when they are made (parse_acl_room, parse_acl_fingerprint),
// so comparing strings compares rooms and fingerprints.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "crypto/fingerprint.hpp"

namespace wzp::relay {

class AccessList {
 public:
  /// Room key (as the relay sees it) -> fingerprints in display form.
  using Rooms = std::map<std::string, std::set<std::string>>;

  void set_enabled(bool enabled) noexcept { enabled_ = enabled; }
  bool enabled() const noexcept { return enabled_; }
  void set_default_deny(bool deny) noexcept { default_deny_ = deny; }
  bool default_deny() const noexcept { return default_deny_; }

  /// Entries are kept while the list is off and apply once it is on.
  /// room and fingerprint must be normalised (parse_acl_room / parse_acl_fingerprint).
  void allow(const std::string& room, const std::string& fingerprint);
  /// Removes one entry; the room stays listed, so revoking its last entry admits nobody.
  void revoke(const std::string& room, const std::string& fingerprint);
  /// Unlists the room: it follows the default again.
  void clear_room(const std::string& room) { rooms_.erase(room); }
  struct RoomChange {
    size_t added = 0;
    size_t removed = 0;
  };
  /// The room's entries become exactly `fingerprints` (normalised); the room is listed
  /// (with none, it admits nobody). Returns how many entries came and went.
  RoomChange set_room(const std::string& room, std::set<std::string> fingerprints);
  /// Every entry replaced (the on/off and default-deny switches are kept).
  void replace(Rooms rooms) { rooms_ = std::move(rooms); }
  const Rooms& rooms() const noexcept { return rooms_; }

  /// Whether `fingerprint` may join `room`: OK, or Errc::acl_denied with the reason.
  /// nullopt is a participant without a valid fingerprint: refused while the list is on.
  Status admit(const std::string& room, const std::optional<crypto::Fingerprint>& fingerprint) const;

 private:
  bool enabled_ = false;
  bool default_deny_ = false;
  Rooms rooms_;
};

/// An entry's room as the relay sees it: a room hash (32 hex digits, lower-cased; what a
/// client sends for a room name by default), or "sni:NAME" for a client that sends NAME
/// as its SNI (raw_room; lower-cased; a DNS name without '_', which TLS refuses).
/// Errors: Errc::invalid_argument saying which form was expected.
Result<std::string> parse_acl_room(std::string_view text);
/// The room hash of a plain room name, as clients compute it (never fails).
std::string acl_room_of_name(std::string_view plain_name);
/// A fingerprint parsed as wzp_fingerprint_parse does (non-hex characters ignored, 16 bytes
/// needed, more truncated), in display form. Errors: Errc::invalid_argument with the cause.
Result<std::string> parse_acl_fingerprint(std::string_view text);

/// Parse an ACL file: one "ROOM FINGERPRINT [FINGERPRINT...]" per line, ROOM and every
/// FINGERPRINT validated and normalised as above; '#' starts a comment; blank lines are
/// ignored. Errors: Errc::invalid_argument naming the line number.
Result<AccessList::Rooms> parse_acl_text(std::string_view text);

}  // namespace wzp::relay

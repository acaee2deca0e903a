// Keeping a relay room's access list equal to a featherChat group's membership
// (FC-5, group calls): featherChat's server names the group's room (a plain name,
// hashed as clients hash it) and its members' fingerprints; the relay admits exactly
// them and disconnects, with WZP_CLOSE_ACL_DENIED, a member removed while in the room.
//
// Two ways to reach the relay: in-process (the C ABI applies the members to a
// wzp_relay it owns) and remotely, with PUT /acl/{room} on the relay's HTTP API
// (docs/MESH.md, "Access-list routes"), which this file speaks.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace wzp::featherchat {

/// A group's room on a relay: its room hash (32 lower-case hex digits) and the
/// fingerprints of its members in display form, duplicates merged.
struct GroupRoomAcl {
  std::string room;
  std::set<std::string> fingerprints;
};

/// The room of `room_name` and its members. Every fingerprint is parsed as
/// wzp_fingerprint_parse does. Errors: invalid_argument naming the bad fingerprint.
Result<GroupRoomAcl> group_room_acl(std::string_view room_name, const std::vector<std::string>& fingerprints);

/// What a sync changed: entries added and removed, members disconnected (HTTP only;
/// the in-process call reports evictions in the relay's stats).
struct AclSyncCount {
  size_t added = 0;
  size_t removed = 0;
  size_t evicted = 0;
};

/// The PUT body: {"fingerprints":[...]}.
std::string group_room_acl_body(const GroupRoomAcl& acl);

struct AclHttpTarget {
  std::string base_url;  // "http://host:port" of the relay's HTTP API (https too); a trailing '/' is ignored
  std::string admin_token;
  int timeout_ms = 5000;  // the whole request, connecting included
};

/// PUT {base_url}/acl/{room} with the members, authenticated with the admin token.
/// Errors: invalid_argument (a bad URL or token; the relay refused the body: 400, 413),
/// auth_rejected (401: a wrong token; 403: the relay has no admin token), timeout,
/// io (unreachable, another HTTP status, an answer that is not the route's JSON).
/// Every message says what the relay answered. Blocks the calling thread up to timeout_ms.
Result<AclSyncCount> sync_group_room_http(const AclHttpTarget& target, const GroupRoomAcl& acl);

}  // namespace wzp::featherchat

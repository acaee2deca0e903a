// The access list as JSON (wzp_relay_acl_json, GET /acl) and the JSON bodies the
// HTTP API takes to replace a room's entries (PUT /acl/{room}).
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "relay/access_list.hpp"

namespace wzp::relay {

/// {"enabled":true,"default_deny":false,"rooms":{"ROOM":["FINGERPRINT",...],...}}
/// (rooms and fingerprints sorted; a room whose entries were all revoked has []).
std::string acl_json(const AccessList& acl);
/// {"room":"ROOM","listed":true,"fingerprints":[...]} for one room (listed false and []
/// for an unlisted one, which follows the default).
std::string acl_room_json(const AccessList& acl, const std::string& room);

/// A room's new entries: a JSON array of fingerprints, or {"fingerprints":[...]}; each
/// fingerprint parsed as parse_acl_fingerprint does. Errors: invalid_argument saying what
/// is wrong (not JSON, the wrong shape, which fingerprint is bad).
Result<std::set<std::string>> parse_acl_members_json(std::string_view body);

}  // namespace wzp::relay

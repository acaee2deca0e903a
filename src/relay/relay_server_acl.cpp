// The HTTP API's access-list routes (/acl, /acl/{room}, /acl/{room}/{fingerprint}).
// They run on HTTP threads: reads take a copy of the list from the loop thread, changes
// go through update_acl, which evicts on the loop thread whoever the list stops admitting.
#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "relay/acl_json.hpp"
#include "relay/relay_server.hpp"

namespace wzp::relay {
namespace {

using Json = nlohmann::ordered_json;

AclAnswer answer(Json json, int status = 200) {
  return {status, json.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

AclAnswer bad_request(const std::string& message) {
  return answer({{"error", message}, {"status", 400}}, 400);
}

}  // namespace

AclAnswer RelayServer::acl_route(const AclRequest& request) {
  using Kind = AclRequest::Kind;
  if (request.kind == Kind::list_all) return {200, acl_json(acl())};
  auto room =
      request.plain_name ? Result<std::string>(acl_room_of_name(request.room)) : parse_acl_room(request.room);
  if (!room) return bad_request(room.error().message + " (or pass a plain room name with ?name=1)");
  switch (request.kind) {
    case Kind::list_all:
    case Kind::get_room: return {200, acl_room_json(acl(), *room)};
    case Kind::replace_room: {
      auto members = parse_acl_members_json(request.body);
      if (!members) return bad_request(members.error().message);
      AccessList::RoomChange change;
      size_t evicted =
          update_acl([&](AccessList& list) { change = list.set_room(*room, std::move(*members)); });
      WZP_LOG(info, "http",
              "access list of room " + *room + " replaced over HTTP: " + std::to_string(change.added) +
                  " added, " + std::to_string(change.removed) + " removed, " + std::to_string(evicted) +
                  " evicted");
      return answer(
          {{"room", *room}, {"added", change.added}, {"removed", change.removed}, {"evicted", evicted}});
    }
    case Kind::clear_room: {
      bool listed = false;
      size_t evicted = update_acl([&](AccessList& list) {
        listed = list.rooms().count(*room) != 0;
        list.clear_room(*room);
      });
      WZP_LOG(info, "http", "access list of room " + *room + " cleared over HTTP");
      return answer({{"room", *room}, {"cleared", listed}, {"evicted", evicted}});
    }
    case Kind::allow:
    case Kind::revoke: {
      auto fp = parse_acl_fingerprint(request.fingerprint);
      if (!fp) return bad_request(fp.error().message);
      const bool allow = request.kind == Kind::allow;
      bool changed = false;
      size_t evicted = update_acl([&](AccessList& list) {
        auto it = list.rooms().find(*room);
        const bool present = it != list.rooms().end() && it->second.count(*fp) != 0;
        changed = allow != present;
        if (allow) {
          list.allow(*room, *fp);
        } else {
          list.revoke(*room, *fp);
        }
      });
      WZP_LOG(info, "http",
              std::string(allow ? "allowed " : "revoked ") + *fp + (allow ? " in room " : " from room ") +
                  *room + " over HTTP" + (evicted != 0 ? " (" + std::to_string(evicted) + " evicted)" : ""));
      return answer({{"room", *room},
                     {"fingerprint", *fp},
                     {allow ? "allowed" : "revoked", changed},
                     {"evicted", evicted}});
    }
  }
  return bad_request("unknown request");
}

}  // namespace wzp::relay

// One change to a relay's access list, as the C ABI receives it. Before the relay
// starts, the pre-start config owns the ACL and the change applies there; once
// the server runs, its RoomRegistry owns it and the change applies there.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>

#include "relay/relay_config.hpp"
#include "relay/relay_server.hpp"

namespace wzp::capi {

struct AclChange {
  enum class Kind { set_enabled, allow, revoke, replace };
  using Acl = std::map<std::string, std::set<std::string>>;

  Kind kind = Kind::allow;
  bool enabled = false;
  std::string room;
  std::string fingerprint;
  Acl acl;

  void apply(relay::RelayConfig& config) const {
    switch (kind) {
      case Kind::set_enabled: config.acl_enabled = enabled; break;
      case Kind::allow: config.acl[room].insert(fingerprint); break;
      case Kind::revoke: {
        auto it = config.acl.find(room);
        if (it != config.acl.end()) it->second.erase(fingerprint);
        break;
      }
      case Kind::replace: config.acl = acl; break;
    }
  }

  /// Hops onto the server's loop (inline when called from it).
  void apply(relay::RelayServer& server) const {
    switch (kind) {
      case Kind::set_enabled: server.set_acl_enabled(enabled); break;
      case Kind::allow: server.acl_allow(room, fingerprint); break;
      case Kind::revoke: server.acl_revoke(room, fingerprint); break;
      case Kind::replace: server.acl_replace(acl); break;
    }
  }
};

}  // namespace wzp::capi

// One change to a relay's access list, as the C ABI receives it (already
// validated). Before the relay starts, the pre-start config owns the ACL and the
// change applies there; once the server runs, the server owns it and the change
// applies there.
#pragma once

#include <functional>
#include <utility>

#include "relay/access_list.hpp"
#include "relay/relay_config.hpp"
#include "relay/relay_server.hpp"
#include "wzp.h"

namespace wzp::capi {

struct AclChange {
  std::function<void(relay::AccessList&)> change;

  void apply(relay::RelayConfig& config) const { change(config.acl); }
  /// Hops onto the server's loop (inline when called from it).
  void apply(relay::RelayServer& server) const { server.update_acl(change); }
};

/// Applies `change` to the relay's one owner of the list (its pre-start config, the
/// changes kept while it starts, or the running server, which evicts whoever the list
/// stops admitting). Returns WZP_OK (capi_relay.cpp).
int change_acl(wzp_relay* relay, AclChange change);
/// A copy of the relay's list as it stands (with the changes kept while it starts).
relay::AccessList acl_snapshot(const wzp_relay* relay);

}  // namespace wzp::capi

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

namespace wzp::capi {

struct AclChange {
  std::function<void(relay::AccessList&)> change;

  void apply(relay::RelayConfig& config) const { change(config.acl); }
  /// Hops onto the server's loop (inline when called from it).
  void apply(relay::RelayServer& server) const { server.update_acl(change); }
};

}  // namespace wzp::capi

#include "featherchat/relay_choice.hpp"

#include <array>

namespace wzp::featherchat {

RelayChoice choose_relay(RelayPolicy policy, const RelayCandidates& c) {
  using Slot = std::pair<const std::optional<std::string>*, RelayReason>;
  const Slot mine{&c.my_relay, RelayReason::caller_relay};
  const Slot callee{&c.callee_relay, RelayReason::callee_online};
  const Slot fallback{&c.config_default, RelayReason::config_default};
  std::array<Slot, 3> order{mine, callee, fallback};
  if (policy == RelayPolicy::callee) order = {callee, mine, fallback};
  if (policy == RelayPolicy::config_default) order = {fallback, mine, callee};
  for (const auto& [value, reason] : order)
    if (*value && !(*value)->empty()) return RelayChoice{**value, reason};
  return {};
}

std::string_view relay_reason_name(RelayReason reason) noexcept {
  switch (reason) {
    case RelayReason::none: return "NONE";
    case RelayReason::callee_online: return "CALLEE_ONLINE";
    case RelayReason::caller_relay: return "CALLER_RELAY";
    case RelayReason::config_default: return "CONFIG_DEFAULT";
  }
  return "UNKNOWN";
}

std::string_view relay_policy_name(RelayPolicy policy) noexcept {
  switch (policy) {
    case RelayPolicy::caller: return "CALLER";
    case RelayPolicy::callee: return "CALLEE";
    case RelayPolicy::config_default: return "DEFAULT";
  }
  return "UNKNOWN";
}

}  // namespace wzp::featherchat

// Which relay a featherChat call uses (featherChat spec Part 4, Flow A step 2): the policy
// names what is tried first, then the others in a fixed order, and the answer says why.
//   CALLER   my relay -> the callee's relay (if online) -> the relay-config default
//   CALLEE   the callee's relay (if online) -> my relay -> the relay-config default
//   DEFAULT  the relay-config default -> my relay -> the callee's relay (if online)
// An empty candidate is skipped; when none is left the reason is NONE.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wzp::featherchat {

enum class RelayPolicy { caller = 0, callee = 1, config_default = 2 };
enum class RelayReason { none = 0, callee_online = 1, caller_relay = 2, config_default = 3 };

struct RelayCandidates {
  std::optional<std::string> my_relay;        // the relay this user is connected to or prefers
  std::optional<std::string> callee_relay;    // where presence says the callee is online
  std::optional<std::string> config_default;  // relay-config's relay_addr
};

struct RelayChoice {
  std::string relay_addr;  // empty with reason none
  RelayReason reason = RelayReason::none;
};

RelayChoice choose_relay(RelayPolicy policy, const RelayCandidates& candidates);

std::string_view relay_reason_name(RelayReason reason) noexcept;  // "CALLEE_ONLINE", ...
std::string_view relay_policy_name(RelayPolicy policy) noexcept;  // "CALLER", "CALLEE", "DEFAULT"

}  // namespace wzp::featherchat

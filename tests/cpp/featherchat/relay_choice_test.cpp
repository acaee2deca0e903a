// Choosing a call's relay: every policy against every combination of candidates.
#include <gtest/gtest.h>

#include "featherchat/relay_choice.hpp"

namespace wzp::featherchat {
namespace {

struct Row {
  RelayPolicy policy;
  bool mine, callee, fallback;
  const char* relay;
  RelayReason reason;
};

TEST(RelayChoice, Table) {
  using P = RelayPolicy;
  using R = RelayReason;
  const Row rows[] = {
      {P::caller, true, true, true, "me:1", R::caller_relay},
      {P::caller, false, true, true, "callee:2", R::callee_online},
      {P::caller, false, false, true, "default:3", R::config_default},
      {P::caller, false, false, false, "", R::none},
      {P::callee, true, true, true, "callee:2", R::callee_online},
      {P::callee, true, false, true, "me:1", R::caller_relay},
      {P::callee, false, false, true, "default:3", R::config_default},
      {P::callee, false, false, false, "", R::none},
      {P::config_default, true, true, true, "default:3", R::config_default},
      {P::config_default, true, true, false, "me:1", R::caller_relay},
      {P::config_default, false, true, false, "callee:2", R::callee_online},
      {P::config_default, false, false, false, "", R::none},
  };
  for (const auto& row : rows) {
    RelayCandidates c;
    if (row.mine) c.my_relay = "me:1";
    if (row.callee) c.callee_relay = "callee:2";
    if (row.fallback) c.config_default = "default:3";
    auto choice = choose_relay(row.policy, c);
    EXPECT_EQ(choice.relay_addr, row.relay) << relay_policy_name(row.policy);
    EXPECT_EQ(choice.reason, row.reason) << relay_policy_name(row.policy);
  }
}

TEST(RelayChoice, EmptyStringsAreSkippedAndNamesAreStable) {
  RelayCandidates c;
  c.my_relay = "";
  c.callee_relay = "";
  c.config_default = "d:1";
  EXPECT_EQ(choose_relay(RelayPolicy::caller, c).reason, RelayReason::config_default);
  EXPECT_EQ(relay_reason_name(RelayReason::callee_online), "CALLEE_ONLINE");
  EXPECT_EQ(relay_reason_name(RelayReason::caller_relay), "CALLER_RELAY");
  EXPECT_EQ(relay_reason_name(RelayReason::config_default), "CONFIG_DEFAULT");
  EXPECT_EQ(relay_reason_name(RelayReason::none), "NONE");
  EXPECT_EQ(relay_policy_name(RelayPolicy::config_default), "DEFAULT");
}

}  // namespace
}  // namespace wzp::featherchat

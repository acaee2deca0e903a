// featherChat's answer to GET /v1/wzp/relay-config (FC-10, featherChat spec §1.8): where
// WZP lives for this featherChat. The spec leaves the shape open and suggests
//   {"relay_addr":"host:4433","web_bridge_url":"wss://host:8443/ws/"}
// which is what is read here, plus an optional list of further relays:
//   "relay_addr"      required, "host:port": the default relay for calls
//   "web_bridge_url"  optional (absent or null), a ws:// or wss:// URL
//   "relays"          optional (absent or null), an array of "host:port", the relays a client
//                     may be found at (at most 64; the default need not be repeated)
// Other keys are ignored (a newer featherChat may add some). Every error names the field.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace wzp::featherchat {

struct RelayConfig {
  std::string relay_addr;
  std::optional<std::string> web_bridge_url;
  std::vector<std::string> relays;  // without relay_addr, in order, no duplicates
};

inline constexpr size_t kMaxRelayConfigBytes = size_t{64} * 1024;
inline constexpr size_t kMaxConfigRelays = 64;

/// Errors: malformed (not a JSON object, over kMaxRelayConfigBytes, a field missing or of the
/// wrong type or form: the message names it).
Result<RelayConfig> parse_relay_config(std::string_view json);

/// The config as JSON in the shape above (relays always present, web_bridge_url null when absent).
std::string relay_config_json(const RelayConfig& config);

}  // namespace wzp::featherchat

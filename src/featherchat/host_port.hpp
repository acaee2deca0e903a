// A relay address as featherChat and presence name it: "host:port", the host a DNS
// name or an IPv4 literal, an IPv6 literal in brackets ("[::1]:4433"); port 1-65535.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace wzp::featherchat {

struct HostPort {
  std::string host;  // without brackets
  uint16_t port = 0;
};

/// Parses "host:port". Errors: malformed, saying what is wrong (`what` names the value).
Result<HostPort> parse_host_port(std::string_view text, std::string_view what);

}  // namespace wzp::featherchat

// redis://HOST[:PORT][/DB], the form --presence-redis takes. HOST is a name, an
// IPv4 address or a bracketed IPv6 one; PORT defaults to 6379, DB to 0.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace wzp::relay {

struct RedisUrl {
  std::string host;
  uint16_t port = 6379;
  unsigned db = 0;
};

/// Errors: invalid_argument, with what is wrong (scheme, host, port, db, a password).
Result<RedisUrl> parse_redis_url(std::string_view url);

}  // namespace wzp::relay

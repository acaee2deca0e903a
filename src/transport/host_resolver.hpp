// Host name resolution (getaddrinfo) into the socket addresses to try, IPv6 and
// IPv4, in the system's preferred order (RFC 6724, /etc/gai.conf).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "transport/socket_address.hpp"

namespace wzp::transport {

/// Every UDP address of host:port (an IP literal gives itself, without a lookup).
/// Blocks for as long as the system resolver takes: call it off any event loop.
/// Errors: not_found (no such name, or no IPv4/IPv6 address), io (the resolver
/// failed, e.g. no name server answered), both naming the host.
Result<std::vector<SocketAddress>> resolve_host(std::string_view host, uint16_t port);

}  // namespace wzp::transport

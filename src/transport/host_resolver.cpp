#include "transport/host_resolver.hpp"

#include <netdb.h>

#include <memory>
#include <string>

namespace wzp::transport {

Result<std::vector<SocketAddress>> resolve_host(std::string_view host, uint16_t port) {
  if (auto literal = SocketAddress::from_ip(host, port)) return std::vector<SocketAddress>{*literal};
  std::string name(host);
  if (name.empty()) return make_error(Errc::invalid_argument, "the relay host is empty");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  // No AI_ADDRCONFIG: it hides "localhost" on hosts with only a loopback interface, and an
  // address of a family the host cannot reach fails at once and the next one is tried.
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &found);
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
  if (rc != 0) {
    bool missing = rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_ADDRFAMILY;
    return make_error(missing ? Errc::not_found : Errc::io,
                      "cannot resolve relay host '" + name + "': " + ::gai_strerror(rc));
  }
  std::vector<SocketAddress> out;
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    SocketAddress address(a->ai_addr, a->ai_addrlen);
    if (address.empty()) continue;
    address.set_port(port);
    bool seen = false;
    for (const auto& other : out) seen = seen || other == address;
    if (!seen) out.push_back(address);
  }
  if (out.empty()) {
    return make_error(Errc::not_found, "relay host '" + name + "' has no IPv4 or IPv6 address");
  }
  return out;
}

}  // namespace wzp::transport

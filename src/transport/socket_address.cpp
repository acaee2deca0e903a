#include "transport/socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

namespace wzp::transport {

SocketAddress::SocketAddress(const sockaddr* address, socklen_t length) {
  if (address == nullptr) return;
  if (address->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    std::memcpy(&storage_, address, sizeof(sockaddr_in));
    length_ = sizeof(sockaddr_in);
  } else if (address->sa_family == AF_INET6 && length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    std::memcpy(&storage_, address, sizeof(sockaddr_in6));
    length_ = sizeof(sockaddr_in6);
  }
}

Result<SocketAddress> SocketAddress::from_ip(std::string_view ip, uint16_t port) {
  std::string text(ip);
  sockaddr_in v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(port);
    return SocketAddress(reinterpret_cast<const sockaddr*>(&v4), sizeof v4);
  }
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(port);
    return SocketAddress(reinterpret_cast<const sockaddr*>(&v6), sizeof v6);
  }
  return make_error(Errc::invalid_argument, "not a numeric IPv4/IPv6 address: '" + text + "'");
}

Result<SocketAddress> SocketAddress::parse(std::string_view text) {
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return make_error(Errc::invalid_argument, "expected [ipv6]:port, got '" + std::string(text) + "'");
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return make_error(Errc::invalid_argument,
                        "expected ip:port or [ipv6]:port, got '" + std::string(text) + "'");
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port_text.empty() || port > 65535) {
    return make_error(Errc::invalid_argument, "invalid port in '" + std::string(text) + "'");
  }
  return from_ip(host, static_cast<uint16_t>(port));
}

SocketAddress SocketAddress::ipv4_any(uint16_t port) { return from_ip("0.0.0.0", port).value(); }
SocketAddress SocketAddress::ipv6_any(uint16_t port) { return from_ip("::", port).value(); }
SocketAddress SocketAddress::ipv4_loopback(uint16_t port) { return from_ip("127.0.0.1", port).value(); }
SocketAddress SocketAddress::ipv6_loopback(uint16_t port) { return from_ip("::1", port).value(); }

uint16_t SocketAddress::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

void SocketAddress::set_port(uint16_t port) noexcept {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

std::string SocketAddress::ip_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
  } else if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

std::string SocketAddress::to_string() const {
  if (empty()) return {};
  // Built with append: GCC 12 at -O3 misreports operator+ chains (-Wrestrict).
  std::string out;
  if (is_ipv6()) out += '[';
  out += ip_string();
  if (is_ipv6()) out += ']';
  out += ':';
  out += std::to_string(port());
  return out;
}

bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept {
  return a.length_ == b.length_ && std::memcmp(&a.storage_, &b.storage_, a.length_) == 0;
}

}  // namespace wzp::transport

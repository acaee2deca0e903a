// An IPv4 or IPv6 socket address (IP + port) as a value type.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace wzp::transport {

class SocketAddress {
 public:
  /// An empty address (family AF_UNSPEC).
  SocketAddress() = default;
  /// Copies a kernel address; only AF_INET and AF_INET6 are kept.
  SocketAddress(const sockaddr* address, socklen_t length);

  /// Numeric IP ("127.0.0.1", "::1", no brackets) and port.
  static Result<SocketAddress> from_ip(std::string_view ip, uint16_t port);
  /// "1.2.3.4:5" or "[::1]:5".
  static Result<SocketAddress> parse(std::string_view text);
  static SocketAddress ipv4_any(uint16_t port = 0);
  static SocketAddress ipv6_any(uint16_t port = 0);
  static SocketAddress ipv4_loopback(uint16_t port = 0);
  static SocketAddress ipv6_loopback(uint16_t port = 0);

  [[nodiscard]] bool empty() const noexcept { return storage_.ss_family == AF_UNSPEC; }
  [[nodiscard]] int family() const noexcept { return storage_.ss_family; }
  [[nodiscard]] bool is_ipv6() const noexcept { return family() == AF_INET6; }
  [[nodiscard]] uint16_t port() const noexcept;
  void set_port(uint16_t port) noexcept;
  /// "1.2.3.4:5" or "[::1]:5"; "" for an empty address.
  [[nodiscard]] std::string to_string() const;
  /// The IP alone, without brackets.
  [[nodiscard]] std::string ip_string() const;

  [[nodiscard]] const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  [[nodiscard]] sockaddr* mutable_data() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
  [[nodiscard]] socklen_t length() const noexcept { return length_; }

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

}  // namespace wzp::transport

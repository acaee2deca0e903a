// "IP:port" and "[IPv6]:port" parsing for the example programs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

inline std::optional<HostPort> parse_host_port(const std::string& text) {
  std::string host, port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5) return std::nullopt;
  for (char c : port) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  unsigned long value = std::stoul(port);
  if (value > 65535) return std::nullopt;
  return HostPort{host, static_cast<uint16_t>(value)};
}

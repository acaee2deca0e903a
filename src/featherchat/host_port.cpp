#include "featherchat/host_port.hpp"

#include <charconv>

namespace wzp::featherchat {
namespace {

constexpr size_t kMaxHost = 253;

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_';
}

bool ipv6_char(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' || c == '.';
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text, std::string_view what) {
  auto bad = [&](const std::string& why) {
    return make_error(Errc::malformed, std::string(what) + " \"" + std::string(text.substr(0, 80)) +
                                           "\" is not host:port: " + why);
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("no port");
  std::string_view host = text.substr(0, colon);
  const std::string_view port_text = text.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return bad("an unclosed IPv6 bracket");
    host = host.substr(1, host.size() - 2);
    for (char c : host)
      if (!ipv6_char(c)) return bad("not an IPv6 address in the brackets");
  } else {
    if (host.find("://") != std::string_view::npos) return bad("a URL, not an address");
    if (host.empty()) return bad("no host");
    if (host.size() > kMaxHost) return bad("the host is too long");
    for (char c : host)
      if (!host_char(c))
        return bad(c == ':' ? "an IPv6 address needs brackets" : "a character not allowed in a host");
  }
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size())
    return bad("the port is not a number");
  if (port == 0 || port > 65535) return bad("the port is not within 1-65535");
  return HostPort{std::string(host), static_cast<uint16_t>(port)};
}

}  // namespace wzp::featherchat

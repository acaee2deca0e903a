#include "relay/redis_url.hpp"

#include <charconv>

namespace wzp::relay {

namespace {

template <class T>
bool parse_number(std::string_view text, T max, T& out) {
  if (text.empty()) return false;
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max) return false;
  out = value;
  return true;
}

}  // namespace

Result<RedisUrl> parse_redis_url(std::string_view url) {
  // Built with append: GCC 12 at -O3 misreports operator+ chains (-Wrestrict).
  auto bad = [&](std::string_view why) {
    std::string m = "Redis URL '";
    m.append(url).append("': ").append(why).append(" (expected redis://HOST:PORT[/DB])");
    return make_error(Errc::invalid_argument, std::move(m));
  };
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, kScheme.size()) != kScheme) return bad("the scheme must be redis://");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find('@') != std::string_view::npos) return bad("credentials are not supported");
  RedisUrl out;
  std::string_view authority = rest.substr(0, rest.find('/'));
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !parse_number<unsigned>(db, 1'000'000u, out.db))
      return bad("the database must be a number");
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("an IPv6 host needs its closing ']'");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after the host");
      port = after.substr(1);
      if (port.empty()) return bad("the port is empty");
    }
  } else {
    auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return bad("the port is empty");
    }
  }
  if (out.host.empty()) return bad("the host is missing");
  if (out.host.find_first_of(" \t\r\n") != std::string::npos) return bad("the host contains white space");
  if (!port.empty() && (!parse_number<uint16_t>(port, 65535, out.port) || out.port == 0))
    return bad("the port must be a number from 1 to 65535");
  return out;
}

}  // namespace wzp::relay

#include "wire/sni.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include "core/hex.hpp"

namespace wzp::wire {
namespace {

bool is_label_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool is_ip_literal(std::string_view name) {
  const std::string text(name);
  unsigned char buf[16];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

}  // namespace

bool is_valid_sni(std::string_view name) noexcept {
  if (name.empty() || name.size() > 253) return false;
  std::string_view last_label;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    const std::string_view label =
        name.substr(start, dot == std::string_view::npos ? name.npos : dot - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), is_label_char)) return false;
    last_label = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return !std::all_of(last_label.begin(), last_label.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string room_sni_from_digest(ByteView digest) {
  if (digest.size() < kRoomSniDigestBytes) return {};
  return to_hex(digest.first(kRoomSniDigestBytes));
}

std::string room_from_sni(std::optional<std::string_view> sni) {
  if (!sni || sni->empty() || is_ip_literal(*sni)) return std::string(kSniDefaultRoom);
  std::string room(*sni);
  std::transform(room.begin(), room.end(), room.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return room;
}

}  // namespace wzp::wire

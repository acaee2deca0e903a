#include "relay/access_list.hpp"

#include <algorithm>
#include <sstream>

#include "crypto/room_hash.hpp"
#include "wire/sni.hpp"

namespace wzp::relay {
namespace {

constexpr std::string_view kRawRoomPrefix = "sni:";
constexpr size_t kRoomHashDigits = 32;

bool is_hex_digit(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return out;
}

}  // namespace

void AccessList::allow(const std::string& room, const std::string& fingerprint) {
  rooms_[room].insert(fingerprint);
}

void AccessList::revoke(const std::string& room, const std::string& fingerprint) {
  auto it = rooms_.find(room);
  if (it != rooms_.end()) it->second.erase(fingerprint);
}

AccessList::RoomChange AccessList::set_room(const std::string& room, std::set<std::string> fingerprints) {
  auto& entries = rooms_[room];
  RoomChange change;
  for (const auto& fp : fingerprints) change.added += entries.count(fp) == 0 ? 1 : 0;
  for (const auto& fp : entries) change.removed += fingerprints.count(fp) == 0 ? 1 : 0;
  entries = std::move(fingerprints);
  return change;
}

Status AccessList::admit(const std::string& room,
                         const std::optional<crypto::Fingerprint>& fingerprint) const {
  if (!enabled_) return {};
  if (!fingerprint) {
    return make_error(Errc::acl_denied, "room " + room + " admits only a valid fingerprint");
  }
  const std::string fp = fingerprint->to_display();
  auto it = rooms_.find(room);
  if (it == rooms_.end()) {
    if (!default_deny_) return {};
    return make_error(Errc::acl_denied, "fingerprint " + fp + " is not allowed in room " + room +
                                            " (the room has no entry and the access list denies by default)");
  }
  if (it->second.count(fp) != 0) return {};
  if (it->second.empty()) {
    return make_error(Errc::acl_denied, "fingerprint " + fp + " is not allowed in room " + room +
                                            " (its entries were all revoked)");
  }
  return make_error(Errc::acl_denied, "fingerprint " + fp + " is not allowed in room " + room);
}

Result<std::string> parse_acl_room(std::string_view text) {
  if (text.substr(0, kRawRoomPrefix.size()) == kRawRoomPrefix) {
    std::string_view raw = text.substr(kRawRoomPrefix.size());
    if (!wire::is_valid_sni(raw) || raw.find('_') != std::string_view::npos) {
      return make_error(Errc::invalid_argument,
                        "room '" + std::string(text) +
                            "': after 'sni:' comes the SNI a client sends, a DNS name without '_'");
    }
    return wire::room_from_sni(raw);
  }
  if (text.size() == kRoomHashDigits && std::all_of(text.begin(), text.end(), is_hex_digit))
    return lower(text);
  return make_error(
      Errc::invalid_argument,
      "room '" + std::string(text) +
          "' is neither a room hash (32 hex digits) nor 'sni:NAME' (a raw SNI); "
          "a plain room name must be hashed first (wzp_hash_room_name, or the *_room_name calls)");
}

std::string acl_room_of_name(std::string_view plain_name) { return crypto::hash_room_name(plain_name); }

Result<std::string> parse_acl_fingerprint(std::string_view text) {
  auto fp = crypto::Fingerprint::parse(text);
  if (!fp) {
    return make_error(Errc::invalid_argument, "fingerprint '" + std::string(text) + "' is not valid (" +
                                                  fp.error().message + "; 32 hex digits expected)");
  }
  return fp->to_display();
}

Result<AccessList::Rooms> parse_acl_text(std::string_view text) {
  AccessList::Rooms rooms;
  std::istringstream in{std::string(text)};
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    auto at_line = [&](Error e) {
      e.message = "ACL line " + std::to_string(line_no) + ": " + e.message;
      return e;
    };
    std::istringstream words(line);
    std::string word;
    if (!(words >> word)) continue;
    auto room = parse_acl_room(word);
    if (!room) return at_line(room.error());
    std::set<std::string> allowed;
    while (words >> word) {
      auto fp = parse_acl_fingerprint(word);
      if (!fp) return at_line(fp.error());
      allowed.insert(std::move(*fp));
    }
    if (allowed.empty()) {
      return at_line(make_error(Errc::invalid_argument, "room '" + *room + "' lists no fingerprint"));
    }
    rooms[*room].merge(allowed);
  }
  return rooms;
}

}  // namespace wzp::relay

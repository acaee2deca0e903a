#include "relay/room_registry.hpp"

#include <algorithm>
#include <sstream>

namespace wzp::relay {

void RoomRegistry::acl_allow(const std::string& room, const std::string& fingerprint) {
  acl_[room].insert(fingerprint);
}

void RoomRegistry::acl_revoke(const std::string& room, const std::string& fingerprint) {
  auto it = acl_.find(room);
  if (it != acl_.end()) it->second.erase(fingerprint);
}

void RoomRegistry::acl_clear_room(const std::string& room) { acl_.erase(room); }

bool RoomRegistry::is_authorized(const std::string& room,
                                 const std::optional<std::string>& fingerprint) const {
  if (!acl_enabled_) return true;
  if (!fingerprint) return false;
  auto it = acl_.find(room);
  if (it == acl_.end()) return true;
  return it->second.count(*fingerprint) != 0;
}

Result<ParticipantId> RoomRegistry::join(const std::string& room, uint64_t connection,
                                         const std::optional<std::string>& fingerprint) {
  if (!is_authorized(room, fingerprint)) {
    return make_error(Errc::acl_denied,
                      fingerprint ? "fingerprint " + *fingerprint + " is not allowed in room " + room
                                  : "room " + room + " requires an authenticated fingerprint");
  }
  auto& members = rooms_[room];
  if (max_per_room_ != 0 && members.size() >= max_per_room_) {
    if (members.empty()) rooms_.erase(room);
    return make_error(Errc::room_full,
                      "room " + room + " is full (" + std::to_string(max_per_room_) + " participants)");
  }
  ParticipantId id = next_id_++;
  members.push_back(Participant{id, connection, fingerprint});
  return id;
}

void RoomRegistry::leave(const std::string& room, ParticipantId id) {
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  auto& members = it->second;
  members.erase(
      std::remove_if(members.begin(), members.end(), [&](const Participant& p) { return p.id == id; }),
      members.end());
  if (members.empty()) rooms_.erase(it);
}

void RoomRegistry::others(const std::string& room, ParticipantId id, std::vector<uint64_t>& out) const {
  out.clear();
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  for (const auto& p : it->second) {
    if (p.id != id) out.push_back(p.connection);
  }
}

size_t RoomRegistry::room_size(const std::string& room) const {
  auto it = rooms_.find(room);
  return it == rooms_.end() ? 0 : it->second.size();
}

Result<std::map<std::string, std::set<std::string>>> parse_acl_text(std::string_view text) {
  std::map<std::string, std::set<std::string>> acl;
  std::istringstream in{std::string(text)};
  std::string line;
  size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string room;
    if (!(words >> room)) continue;
    std::string fp;
    size_t count = 0;
    auto& allowed = acl[room];
    while (words >> fp) {
      allowed.insert(fp);
      ++count;
    }
    if (count == 0) {
      return make_error(Errc::invalid_argument,
                        "ACL line " + std::to_string(line_no) + ": room '" + room + "' lists no fingerprint");
    }
  }
  return acl;
}

}  // namespace wzp::relay

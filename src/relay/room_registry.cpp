#include "relay/room_registry.hpp"

#include <algorithm>

namespace wzp::relay {

Result<ParticipantId> RoomRegistry::join(const std::string& room, uint64_t connection,
                                         const std::optional<std::string>& fingerprint) {
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

}  // namespace wzp::relay

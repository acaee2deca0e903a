// Rooms and their participants. Pure state, no I/O: the relay server calls it
// from its event-loop thread only, after the access list (access_list.hpp) admitted
// the participant.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace wzp::relay {

using ParticipantId = uint64_t;

struct Participant {
  ParticipantId id = 0;
  uint64_t connection = 0;                 // transport connection id
  std::optional<std::string> fingerprint;  // authenticated (token) fingerprint
};

class RoomRegistry {
 public:
  /// Join: Errc::room_full when the room already holds max_per_room participants
  /// (0 = unlimited).
  Result<ParticipantId> join(const std::string& room, uint64_t connection,
                             const std::optional<std::string>& fingerprint);
  /// Leave; the room is deleted when it becomes empty. Unknown ids are ignored.
  void leave(const std::string& room, ParticipantId id);
  /// Connections of every other participant of the room, in join order.
  void others(const std::string& room, ParticipantId id, std::vector<uint64_t>& out) const;

  size_t room_size(const std::string& room) const;
  size_t room_count() const noexcept { return rooms_.size(); }
  void set_max_per_room(size_t max) noexcept { max_per_room_ = max; }
  const std::map<std::string, std::vector<Participant>>& rooms() const noexcept { return rooms_; }

 private:
  size_t max_per_room_ = 0;
  ParticipantId next_id_ = 1;
  std::map<std::string, std::vector<Participant>> rooms_;
};

}  // namespace wzp::relay

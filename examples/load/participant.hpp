// One simulated participant: its place (room, slot, pacing slot), its join, what it sent and
// what it received. Participants live until the end of the run (those that left included),
// so every thread may keep pointers to them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "receiver.hpp"

struct wzp_client;

namespace load {

class Tally;

enum class JoinState : int {
  pending,  // connecting
  joined,
  failed,  // never joined (close_reason says why)
  closed,  // joined, then closed without being asked to (close_reason says why)
};

struct Participant {
  Participant(uint32_t id, uint32_t room, uint16_t slot, size_t pace_index, std::string room_name,
              bool initial, size_t room_size)
      : id(id),
        room(room),
        slot(slot),
        pace_index(pace_index),
        room_name(std::move(room_name)),
        initial(initial),
        receiver(room_size) {}

  const uint32_t id;  // unique in the run (a replacement gets a new one)
  const uint32_t room;
  const uint16_t slot;      // its place in the room (a replacement takes the leaver's)
  const size_t pace_index;  // its send slot in the pacing interval (likewise)
  const std::string room_name;
  const bool initial;  // joined in the join phase (not a churn replacement)

  // Joining. close_reason is written before state is stored (release) and read after it.
  uint64_t connect_ns = 0;
  std::atomic<uint64_t> joined_ns{0};
  std::atomic<JoinState> state{JoinState::pending};
  std::string close_reason;
  std::atomic<bool> hung_up{false};  // the generator ended it: its close is expected

  // Sending: the pacer's (sent is read by others).
  uint32_t seq = 0;
  std::atomic<uint64_t> sent{0};

  // Counting: datagrams sent in [count_from_ns, count_until_ns) are counted; others ignored.
  std::atomic<uint64_t> count_from_ns{0};
  std::atomic<uint64_t> count_until_ns{std::numeric_limits<uint64_t>::max()};
  std::atomic<uint64_t> left_ns{0};  // when it began to leave (0: never)

  Receiver receiver;  // the receiving thread's

  // The transport's: the run's tally (for its threads) and the handle.
  Tally* tally = nullptr;
  wzp_client* client = nullptr;
  int fd = -1;
};

}  // namespace load

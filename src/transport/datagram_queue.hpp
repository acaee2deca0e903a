// Outgoing datagrams waiting to be packetised, bounded in bytes. When a new
// datagram does not fit, the oldest ones are dropped (as the reference's
// send buffer does): for live media the newest packet matters most.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "core/bytes.hpp"

namespace wzp::transport {

class DatagramQueue {
 public:
  explicit DatagramQueue(size_t max_bytes) : max_bytes_(max_bytes) {}

  /// Queues a copy; returns how many older datagrams were dropped for room.
  /// A datagram larger than the whole bound is itself dropped (returns 1).
  size_t push(ByteView datagram);
  [[nodiscard]] bool empty() const noexcept { return queue_.empty(); }
  [[nodiscard]] size_t size() const noexcept { return queue_.size(); }
  [[nodiscard]] size_t bytes() const noexcept { return bytes_; }
  [[nodiscard]] const Bytes& front() const { return queue_.front(); }
  void pop();
  void clear() noexcept;

 private:
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::deque<Bytes> queue_;
};

}  // namespace wzp::transport

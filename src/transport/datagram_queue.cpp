#include "transport/datagram_queue.hpp"

namespace wzp::transport {

size_t DatagramQueue::push(ByteView datagram) {
  if (datagram.size() > max_bytes_) return 1;
  size_t dropped = 0;
  while (!queue_.empty() && bytes_ + datagram.size() > max_bytes_) {
    pop();
    ++dropped;
  }
  queue_.emplace_back(datagram.begin(), datagram.end());
  bytes_ += datagram.size();
  return dropped;
}

void DatagramQueue::pop() {
  bytes_ -= queue_.front().size();
  queue_.pop_front();
}

void DatagramQueue::clear() noexcept {
  queue_.clear();
  bytes_ = 0;
}

}  // namespace wzp::transport

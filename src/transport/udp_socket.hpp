// A non-blocking UDP socket (RAII fd) with batched receive (recvmmsg) and
// batched send (sendmmsg).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "transport/socket_address.hpp"

namespace wzp::transport {

/// Reusable receive buffers for one recvmmsg call.
class UdpReceiveBatch {
 public:
  /// `slot_size` bounds the datagram size; longer datagrams are reported as
  /// truncated and skipped.
  explicit UdpReceiveBatch(size_t slots = 64, size_t slot_size = 2048);

  [[nodiscard]] size_t capacity() const noexcept { return slots_; }
  /// Datagrams received by the last UdpSocket::receive() call.
  [[nodiscard]] size_t count() const noexcept { return count_; }
  [[nodiscard]] ByteView data(size_t i) const noexcept;
  [[nodiscard]] SocketAddress sender(size_t i) const noexcept;
  [[nodiscard]] bool truncated(size_t i) const noexcept;

 private:
  friend class UdpSocket;
  size_t slots_;
  size_t slot_size_;
  size_t count_ = 0;
  std::vector<uint8_t> buffer_;
  std::vector<sockaddr_storage> senders_;
  std::vector<struct iovec> iovecs_;
  std::vector<struct mmsghdr> headers_;
};

struct OutgoingDatagram {
  const SocketAddress* to;
  ByteView data;
};

class UdpSocket {
 public:
  /// Binds a non-blocking socket (port 0 picks a free port) with large
  /// kernel buffers and the don't-fragment bit (QUIC does its own PMTU probing).
  static Result<UdpSocket> bind(const SocketAddress& address);

  UdpSocket() = default;
  ~UdpSocket();
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  [[nodiscard]] int fd() const noexcept { return fd_; }
  [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
  /// The bound address, with the port the kernel picked.
  [[nodiscard]] const SocketAddress& local_address() const noexcept { return local_; }

  /// Fills `batch` without blocking; 0 when nothing is pending.
  Result<size_t> receive(UdpReceiveBatch& batch);
  /// Sends the datagrams in order; returns how many were handed to the
  /// kernel. A full socket buffer drops the rest (QUIC treats it as loss);
  /// a datagram the kernel refuses (e.g. unreachable) is skipped.
  size_t send(std::span<const OutgoingDatagram> datagrams);
  /// Single datagram convenience; true if the kernel took it.
  bool send_to(const SocketAddress& to, ByteView data);

  void close() noexcept;

 private:
  int fd_ = -1;
  SocketAddress local_;
};

}  // namespace wzp::transport

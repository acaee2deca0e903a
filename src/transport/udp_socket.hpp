// A non-blocking UDP socket (RAII fd) with batched receive (recvmmsg) and
// batched send (sendmmsg, with UDP generic segmentation offload where the
// kernel has it).
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

struct UdpSocketOptions {
  /// SO_REUSEPORT, set before bind: several sockets (one per event loop of a
  /// multi-core relay) bind the same address and port, and the kernel spreads
  /// the incoming flows over them (by a hash of the 4-tuple). Every socket
  /// sharing the port must set it (and belong to the same user).
  bool reuse_port = false;
  /// UDP GSO (UDP_SEGMENT): send() hands a run of equal-size datagrams to one
  /// destination to the kernel as one buffer, which it cuts into the same
  /// datagrams (one route lookup and one trip down the stack per run). Used
  /// only where the kernel has it: probed at bind, and turned off for good on
  /// the socket the first time the kernel refuses a GSO send (EIO, EINVAL,
  /// ENOPROTOOPT, EOPNOTSUPP) whose datagrams then go through one by one.
  /// WZP_UDP_GSO=0 in the environment turns it off for every socket bound
  /// afterwards.
  bool gso = true;
};

/// What UdpSocket::send() did, summed since bind (or the last reset). Plain
/// counters: read them on the thread that sends.
struct UdpSendCounters {
  uint64_t datagrams = 0;     ///< datagrams the kernel took
  uint64_t syscalls = 0;      ///< sendmmsg calls (a refused GSO run's one-by-one resend included)
  uint64_t gso_batches = 0;   ///< sendmmsg entries of 2 or more datagrams (UDP_SEGMENT) the kernel took
  uint64_t gso_segments = 0;  ///< datagrams sent inside those entries
};

class UdpSocket {
 public:
  /// UDP_MAX_SEGMENTS of the kernels before 6.10 (later ones take 128): the
  /// most datagrams one GSO send carries.
  static constexpr size_t kMaxGsoSegments = 64;
  /// The most payload bytes one GSO send carries: a UDP datagram's 65535 bytes
  /// less the UDP and IPv6 headers (the IPv4 limit is 20 bytes higher).
  static constexpr size_t kMaxGsoBytes = 65535 - 8 - 40;

  /// Binds a non-blocking socket (port 0 picks a free port) with large
  /// kernel buffers and the don't-fragment bit (QUIC does its own PMTU probing).
  static Result<UdpSocket> bind(const SocketAddress& address, const UdpSocketOptions& options = {});

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
  /// With GSO on, consecutive datagrams to the same destination (compared by
  /// value) of the same size, the last of a run possibly shorter, go out as one
  /// sendmmsg entry; they still arrive as separate datagrams, in order.
  size_t send(std::span<const OutgoingDatagram> datagrams);
  /// Single datagram convenience; true if the kernel took it.
  bool send_to(const SocketAddress& to, ByteView data);

  /// Turns GSO on or off for later sends; on only if the socket was bound with
  /// it and the kernel has it (and never refused it).
  void set_gso(bool on) noexcept { gso_ = on && gso_supported_; }
  [[nodiscard]] bool gso_enabled() const noexcept { return gso_; }
  [[nodiscard]] const UdpSendCounters& send_counters() const noexcept { return counters_; }
  void reset_send_counters() noexcept { counters_ = {}; }

  void close() noexcept;

 private:
  size_t send_entries(std::span<const OutgoingDatagram> datagrams, bool use_gso, bool& blocked);
  void refuse_gso(int error);

  int fd_ = -1;
  SocketAddress local_;
  bool gso_supported_ = false;
  bool gso_ = false;
  UdpSendCounters counters_;
};

}  // namespace wzp::transport

#include "transport/udp_socket.hpp"

#include <netinet/in.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace wzp::transport {
namespace {

constexpr int kSocketBufferBytes = 4 * 1024 * 1024;
constexpr size_t kMaxSendBatch = 64;

Error io_error(const std::string& what) { return make_error(Errc::io, what + ": " + std::strerror(errno)); }

}  // namespace

UdpReceiveBatch::UdpReceiveBatch(size_t slots, size_t slot_size)
    : slots_(std::max<size_t>(slots, 1)),
      slot_size_(std::max<size_t>(slot_size, 1)),
      buffer_(slots_ * slot_size_),
      senders_(slots_),
      iovecs_(slots_),
      headers_(slots_) {}

ByteView UdpReceiveBatch::data(size_t i) const noexcept {
  size_t len = std::min<size_t>(headers_[i].msg_len, slot_size_);
  return {buffer_.data() + i * slot_size_, len};
}

SocketAddress UdpReceiveBatch::sender(size_t i) const noexcept {
  return SocketAddress(reinterpret_cast<const sockaddr*>(&senders_[i]), headers_[i].msg_hdr.msg_namelen);
}

bool UdpReceiveBatch::truncated(size_t i) const noexcept {
  return (headers_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
}

Result<UdpSocket> UdpSocket::bind(const SocketAddress& address) {
  if (address.empty()) return make_error(Errc::invalid_argument, "UDP bind: empty address");
  UdpSocket sock;
  sock.fd_ = ::socket(address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (sock.fd_ < 0) return io_error("socket()");
  int size = kSocketBufferBytes;
  // Best effort: the kernel caps these at net.core.{r,w}mem_max.
  setsockopt(sock.fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(sock.fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  int pmtud = IP_PMTUDISC_DO;
  if (address.is_ipv6()) {
    setsockopt(sock.fd_, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtud, sizeof pmtud);
  } else {
    setsockopt(sock.fd_, IPPROTO_IP, IP_MTU_DISCOVER, &pmtud, sizeof pmtud);
  }
  if (::bind(sock.fd_, address.data(), address.length()) != 0) {
    return io_error("UDP bind to " + address.to_string());
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (getsockname(sock.fd_, reinterpret_cast<sockaddr*>(&bound), &len) != 0) return io_error("getsockname()");
  sock.local_ = SocketAddress(reinterpret_cast<const sockaddr*>(&bound), len);
  return sock;
}

UdpSocket::~UdpSocket() { close(); }

UdpSocket::UdpSocket(UdpSocket&& other) noexcept : fd_(other.fd_), local_(other.local_) { other.fd_ = -1; }

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    local_ = other.local_;
    other.fd_ = -1;
  }
  return *this;
}

void UdpSocket::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<size_t> UdpSocket::receive(UdpReceiveBatch& batch) {
  batch.count_ = 0;
  for (size_t i = 0; i < batch.slots_; ++i) {
    batch.iovecs_[i] = {batch.buffer_.data() + i * batch.slot_size_, batch.slot_size_};
    auto& hdr = batch.headers_[i].msg_hdr;
    hdr = {};
    hdr.msg_name = &batch.senders_[i];
    hdr.msg_namelen = sizeof(sockaddr_storage);
    hdr.msg_iov = &batch.iovecs_[i];
    hdr.msg_iovlen = 1;
    batch.headers_[i].msg_len = 0;
  }
  for (;;) {
    int n = recvmmsg(fd_, batch.headers_.data(), static_cast<unsigned>(batch.slots_), MSG_DONTWAIT, nullptr);
    if (n >= 0) {
      batch.count_ = static_cast<size_t>(n);
      return batch.count_;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return size_t{0};
    // ICMP errors surface here (e.g. ECONNREFUSED); they are not fatal to the socket.
    if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) return size_t{0};
    return io_error("recvmmsg()");
  }
}

size_t UdpSocket::send(std::span<const OutgoingDatagram> datagrams) {
  size_t sent = 0;
  mmsghdr headers[kMaxSendBatch];
  iovec iovecs[kMaxSendBatch];
  size_t offset = 0;
  while (offset < datagrams.size()) {
    size_t n = std::min(kMaxSendBatch, datagrams.size() - offset);
    for (size_t i = 0; i < n; ++i) {
      const auto& d = datagrams[offset + i];
      iovecs[i] = {const_cast<uint8_t*>(d.data.data()), d.data.size()};
      headers[i] = {};
      headers[i].msg_hdr.msg_name = const_cast<sockaddr*>(d.to->data());
      headers[i].msg_hdr.msg_namelen = d.to->length();
      headers[i].msg_hdr.msg_iov = &iovecs[i];
      headers[i].msg_hdr.msg_iovlen = 1;
    }
    int r = sendmmsg(fd_, headers, static_cast<unsigned>(n), 0);
    if (r > 0) {
      sent += static_cast<size_t>(r);
      offset += static_cast<size_t>(r);
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    ++offset;  // the kernel refused this one datagram: skip it
  }
  return sent;
}

bool UdpSocket::send_to(const SocketAddress& to, ByteView data) {
  OutgoingDatagram d{&to, data};
  return send({&d, 1}) == 1;
}

}  // namespace wzp::transport

#include "transport/udp_socket.hpp"

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/log.hpp"

#ifndef SOL_UDP
#define SOL_UDP 17
#endif
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

namespace wzp::transport {
namespace {

constexpr const char* kLog = "transport";
constexpr int kSocketBufferBytes = 4 * 1024 * 1024;
// sendmmsg entries per call, and datagrams per call (one iovec each; a GSO
// entry points at a run of them). Both on the stack of send().
constexpr size_t kMaxSendBatch = 64;
constexpr size_t kMaxSendIovecs = 1024;
// Room for one UDP_SEGMENT cmsg (a uint16_t) per entry.
constexpr size_t kGsoControlSize = CMSG_SPACE(sizeof(uint16_t));

Error io_error(const std::string& what) { return make_error(Errc::io, what + ": " + std::strerror(errno)); }

// WZP_UDP_GSO=0 (or "off", "false", "no") turns GSO off for every socket.
bool gso_allowed_by_environment() {
  const char* value = std::getenv("WZP_UDP_GSO");
  if (value == nullptr) return true;
  const std::string v(value);
  return !(v == "0" || v == "off" || v == "false" || v == "no");
}

// The kernel has UDP_SEGMENT (Linux 4.18+) if it knows the option.
bool probe_gso(int fd) {
  int value = 0;
  socklen_t length = sizeof value;
  return getsockopt(fd, SOL_UDP, UDP_SEGMENT, &value, &length) == 0;
}

bool same_destination(const OutgoingDatagram& a, const OutgoingDatagram& b) noexcept {
  return a.to == b.to || *a.to == *b.to;
}

// How many datagrams from `pos` on one GSO send can carry: same destination,
// the size of the first (the last may be shorter), none empty, within the
// kernel's segment and byte limits.
size_t gso_run(std::span<const OutgoingDatagram> datagrams, size_t pos, size_t max_segments) {
  const OutgoingDatagram& first = datagrams[pos];
  const size_t segment = first.data.size();
  if (segment == 0) return 1;
  size_t count = 1;
  size_t total = segment;
  while (count < max_segments && pos + count < datagrams.size()) {
    const OutgoingDatagram& next = datagrams[pos + count];
    const size_t length = next.data.size();
    if (length == 0 || length > segment || total + length > UdpSocket::kMaxGsoBytes) break;
    if (!same_destination(first, next)) break;
    total += length;
    ++count;
    if (length < segment) break;  // a shorter datagram ends the run
  }
  return count;
}

// Errors with which a kernel refuses a GSO send it cannot do (no checksum
// offload on old kernels, IPsec, UDP-Lite, SO_NO_CHECK), not the datagrams.
bool gso_refusal(int error) noexcept {
  return error == EIO || error == EINVAL || error == ENOPROTOOPT || error == EOPNOTSUPP;
}

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

Result<UdpSocket> UdpSocket::bind(const SocketAddress& address, const UdpSocketOptions& options) {
  if (address.empty()) return make_error(Errc::invalid_argument, "UDP bind: empty address");
  UdpSocket sock;
  sock.fd_ = ::socket(address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (sock.fd_ < 0) return io_error("socket()");
  int size = kSocketBufferBytes;
  // Best effort: the kernel caps these at net.core.{r,w}mem_max.
  setsockopt(sock.fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(sock.fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  // Don't fragment: a datagram (or a GSO segment) above the path MTU is refused
  // with EMSGSIZE instead. An IPv6 socket also carries IPv4 (v4-mapped) traffic.
  int pmtud = IP_PMTUDISC_DO;
  if (address.is_ipv6()) {
    setsockopt(sock.fd_, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtud, sizeof pmtud);
  }
  setsockopt(sock.fd_, IPPROTO_IP, IP_MTU_DISCOVER, &pmtud, sizeof pmtud);
  if (options.reuse_port) {
    int on = 1;
    if (setsockopt(sock.fd_, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0) return io_error("SO_REUSEPORT");
  }
  sock.gso_supported_ = options.gso && gso_allowed_by_environment() && probe_gso(sock.fd_);
  sock.gso_ = sock.gso_supported_;
  if (options.gso && !sock.gso_supported_)
    WZP_LOG(debug, kLog, "UDP GSO off (WZP_UDP_GSO=0 or no UDP_SEGMENT)");
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

UdpSocket::UdpSocket(UdpSocket&& other) noexcept
    : fd_(other.fd_),
      local_(other.local_),
      gso_supported_(other.gso_supported_),
      gso_(other.gso_),
      counters_(other.counters_) {
  other.fd_ = -1;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    local_ = other.local_;
    gso_supported_ = other.gso_supported_;
    gso_ = other.gso_;
    counters_ = other.counters_;
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
  bool blocked = false;
  return send_entries(datagrams, gso_, blocked);
}

size_t UdpSocket::send_entries(std::span<const OutgoingDatagram> datagrams, bool use_gso, bool& blocked) {
  static_assert(kMaxSendIovecs >= kMaxGsoSegments, "a whole GSO run fits one call");
  size_t sent = 0;
  mmsghdr headers[kMaxSendBatch];
  iovec iovecs[kMaxSendIovecs];
  alignas(cmsghdr) unsigned char control[kMaxSendBatch][kGsoControlSize];
  size_t counts[kMaxSendBatch];  // datagrams per entry
  size_t offset = 0;
  while (offset < datagrams.size()) {
    size_t entries = 0;
    size_t used = 0;  // iovecs, one per datagram
    while (entries < kMaxSendBatch && offset + used < datagrams.size() && used < kMaxSendIovecs) {
      const size_t pos = offset + used;
      const size_t run = use_gso ? gso_run(datagrams, pos, kMaxGsoSegments) : 1;
      if (run > kMaxSendIovecs - used) break;  // the next call starts with this run, whole
      for (size_t k = 0; k < run; ++k) {
        const ByteView data = datagrams[pos + k].data;
        iovecs[used + k] = {const_cast<uint8_t*>(data.data()), data.size()};
      }
      const SocketAddress& to = *datagrams[pos].to;
      mmsghdr& entry = headers[entries];
      entry = {};
      entry.msg_hdr.msg_name = const_cast<sockaddr*>(to.data());
      entry.msg_hdr.msg_namelen = to.length();
      entry.msg_hdr.msg_iov = &iovecs[used];
      entry.msg_hdr.msg_iovlen = run;
      if (run > 1) {
        std::memset(control[entries], 0, kGsoControlSize);  // the padding after the value too
        entry.msg_hdr.msg_control = control[entries];
        entry.msg_hdr.msg_controllen = kGsoControlSize;
        cmsghdr* cmsg = CMSG_FIRSTHDR(&entry.msg_hdr);
        cmsg->cmsg_level = SOL_UDP;
        cmsg->cmsg_type = UDP_SEGMENT;
        cmsg->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        const auto segment = static_cast<uint16_t>(datagrams[pos].data.size());
        std::memcpy(CMSG_DATA(cmsg), &segment, sizeof segment);
      }
      counts[entries++] = run;
      used += run;
    }
    ++counters_.syscalls;
    int r = sendmmsg(fd_, headers, static_cast<unsigned>(entries), 0);
    if (r > 0) {
      for (size_t e = 0; e < static_cast<size_t>(r); ++e) {
        sent += counts[e];
        offset += counts[e];
        counters_.datagrams += counts[e];
        if (counts[e] > 1) {
          ++counters_.gso_batches;
          counters_.gso_segments += counts[e];
        }
      }
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      blocked = true;
      break;
    }
    // The kernel refused the first entry.
    if (counts[0] == 1) {
      ++offset;  // one datagram: skip it
      continue;
    }
    // A GSO run: send its datagrams one by one, so that each is refused or
    // taken on its own. If they go through, it was GSO the kernel refused.
    const int error = errno;
    const size_t resent = send_entries(datagrams.subspan(offset, counts[0]), false, blocked);
    sent += resent;
    if (resent > 0 && gso_refusal(error)) {
      refuse_gso(error);
      use_gso = false;
    }
    if (blocked) break;
    offset += counts[0];
  }
  return sent;
}

void UdpSocket::refuse_gso(int error) {
  gso_supported_ = false;
  gso_ = false;
  WZP_LOG(debug, kLog,
          "UDP GSO refused on " + local_.to_string() + " (" + std::strerror(error) +
              "): sending datagrams one by one");
}

bool UdpSocket::send_to(const SocketAddress& to, ByteView data) {
  OutgoingDatagram d{&to, data};
  return send({&d, 1}) == 1;
}

}  // namespace wzp::transport

// A TCP socket on 127.0.0.1 with a free port, for tests of HTTP clients:
// listening, it accepts connections that nobody answers; closed, its port
// refuses connections.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

namespace wzp::test_support {

class LoopbackTcpSocket {
 public:
  LoopbackTcpSocket() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  ~LoopbackTcpSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  LoopbackTcpSocket(const LoopbackTcpSocket&) = delete;
  LoopbackTcpSocket& operator=(const LoopbackTcpSocket&) = delete;

  /// 0 if the socket could not be bound.
  uint16_t port() const noexcept { return port_; }
  bool listen() { return ::listen(fd_, 8) == 0; }
  /// Blocks until a client connects; the connection's descriptor (caller closes it).
  int accept() { return ::accept(fd_, nullptr, nullptr); }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  int fd_;
  uint16_t port_ = 0;
};

/// A loopback port that refuses connections (bound once, then released).
inline uint16_t closed_tcp_port() { return LoopbackTcpSocket().port(); }

}  // namespace wzp::test_support

// A UDP proxy on loopback for transport tests: forwards every datagram
// between one client and a server, and can inject extra datagrams (e.g.
// corrupted copies of the real ones) just before each forwarded one.
// It runs on its own thread; counters are readable from any thread.
#pragma once

#include <poll.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "transport/udp_socket.hpp"

namespace wzp::transport::testing {

class UdpProxy {
 public:
  enum class Direction { to_server, to_client };
  /// Datagrams to send before `packet` (same direction); runs on the proxy thread.
  using Injector = std::function<std::vector<Bytes>(Direction, ByteView packet)>;

  struct Counts {
    uint64_t forwarded = 0;
    uint64_t injected = 0;
  };

  explicit UdpProxy(const SocketAddress& server) : server_(server) {
    auto front = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
    auto back = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
    EXPECT_TRUE(front.ok() && back.ok());
    if (!front.ok() || !back.ok()) return;
    front_ = std::move(*front);
    back_ = std::move(*back);
    thread_ = std::thread([this] { run(); });
  }
  ~UdpProxy() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  UdpProxy(const UdpProxy&) = delete;
  UdpProxy& operator=(const UdpProxy&) = delete;

  /// Where the client connects to.
  [[nodiscard]] SocketAddress address() const { return front_.local_address(); }

  void set_injector(Injector injector) {
    std::lock_guard lock(mutex_);
    injector_ = std::move(injector);
  }

  /// Everything sent towards one side (forwarded plus injected).
  [[nodiscard]] Counts counts(Direction d) const {
    std::lock_guard lock(mutex_);
    return d == Direction::to_server ? to_server_ : to_client_;
  }

 private:
  void run() {
    UdpReceiveBatch batch;
    pollfd fds[2] = {{front_.fd(), POLLIN, 0}, {back_.fd(), POLLIN, 0}};
    while (!stop_) {
      if (::poll(fds, 2, 20) <= 0) continue;
      if ((fds[0].revents & POLLIN) != 0) relay_from(front_, back_, Direction::to_server, batch);
      if ((fds[1].revents & POLLIN) != 0) relay_from(back_, front_, Direction::to_client, batch);
    }
  }

  void relay_from(UdpSocket& in, UdpSocket& out, Direction d, UdpReceiveBatch& batch) {
    auto received = in.receive(batch);
    if (!received.ok()) return;
    for (size_t i = 0; i < *received; ++i) {
      if (batch.truncated(i)) continue;
      std::lock_guard lock(mutex_);
      if (d == Direction::to_server) client_ = batch.sender(i);
      if (!client_) continue;
      const SocketAddress& to = d == Direction::to_server ? server_ : *client_;
      Counts& counts = d == Direction::to_server ? to_server_ : to_client_;
      if (injector_) {
        for (const Bytes& extra : injector_(d, batch.data(i)))
          counts.injected += out.send_to(to, extra) ? 1 : 0;
      }
      counts.forwarded += out.send_to(to, batch.data(i)) ? 1 : 0;
    }
  }

  SocketAddress server_;
  UdpSocket front_;  // faces the client
  UdpSocket back_;   // faces the server
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  Injector injector_;
  std::optional<SocketAddress> client_;
  Counts to_server_;
  Counts to_client_;
  std::thread thread_;
};

}  // namespace wzp::transport::testing

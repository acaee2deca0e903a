// The baseline's participants: one plain UDP socket each, connected to wzp-udp-forwarder, read
// by a few epoll threads (recvmmsg). Joining is the forwarder's tiny protocol: "JOIN <room>",
// answered "JOINED <room>" (resent every 250 ms until answered); "LEAVE" leaves.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tally.hpp"
#include "transport.hpp"

namespace load {

struct UdpSettings {
  std::string host;
  uint16_t port = 0;
  uint32_t join_timeout_ms = 10000;
  size_t threads = 2;
};

class UdpTransport final : public Transport {
 public:
  /// Resolves the forwarder and starts the threads; nullptr with `error` set when it cannot.
  static std::unique_ptr<UdpTransport> create(const UdpSettings& settings, Tally& tally, std::string& error);
  ~UdpTransport() override;

  void connect(Participant& p) override;
  int send(Participant& p, const uint8_t* data, size_t len) override;
  std::string send_error_name(int error) const override;
  void leave(Participant& p) override;
  void leave_all(const std::vector<Participant*>& ps) override;
  const char* name() const override { return "udp"; }

 private:
  struct Worker {
    int epoll_fd = -1;
    int wake_fd = -1;
    std::thread thread;
    std::mutex mutex;
    std::condition_variable removed;
    std::vector<Participant*> incoming;  // joining: resend JOIN until answered
    std::vector<Participant*> removals;  // to take out of epoll and close
    uint64_t removals_done = 0, removals_asked = 0;
  };
  UdpTransport(const UdpSettings& settings, Tally& tally) : settings_(settings), tally_(tally) {}
  void run(Worker& w);
  void send_join(Participant& p);
  void stop();

  const UdpSettings settings_;
  Tally& tally_;
  sockaddr_storage forwarder_{};
  socklen_t forwarder_len_ = 0;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> stop_{false};
};

}  // namespace load

// wzp-udp-forwarder: a bare UDP forwarder, the baseline wzp-load --udp measures the relay
// against. One thread, one socket, recvmmsg/sendmmsg, no crypto, no parsing but a tiny join:
//   "JOIN <room>"  from a new address: it joins the room; answered "JOINED <room>" (again on a repeat)
//   "LEAVE"        it leaves its room
// and every other datagram of a member goes to the other members of its room. Built on the OS
// API only (it is a baseline, not libwzp). Stops on SIGINT/SIGTERM with a one-line summary.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "../common/address.hpp"

namespace {

constexpr size_t kBatch = 64;
constexpr size_t kMaxDatagram = 2048;
constexpr int kSocketBufferBytes = 4 * 1024 * 1024;  // as the relay's sockets

// A member's address as a map key: 16 address bytes (IPv4 mapped) and the port.
struct AddressKey {
  std::array<uint8_t, 18> bytes{};
  bool operator==(const AddressKey&) const = default;
};
struct AddressHash {
  size_t operator()(const AddressKey& k) const {
    return std::hash<std::string_view>()(
        std::string_view(reinterpret_cast<const char*>(k.bytes.data()), k.bytes.size()));
  }
};
AddressKey key_of(const sockaddr_storage& a) {
  AddressKey k;
  if (a.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
    k.bytes[10] = k.bytes[11] = 0xff;
    std::memcpy(&k.bytes[12], &v4.sin_addr, 4);
    std::memcpy(&k.bytes[16], &v4.sin_port, 2);
  } else {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
    std::memcpy(&k.bytes[0], &v6.sin6_addr, 16);
    std::memcpy(&k.bytes[16], &v6.sin6_port, 2);
  }
  return k;
}

struct Room;
struct Member {
  sockaddr_storage address;
  socklen_t length;
  Room* room;
};
struct Room {
  std::string name;
  std::vector<Member*> members;
};

class Forwarder {
 public:
  explicit Forwarder(int fd) : fd_(fd) {
    for (size_t i = 0; i < kBatch; ++i) {
      iov_[i] = {buffer_.data() + i * kMaxDatagram, kMaxDatagram};
      msgs_[i].msg_hdr.msg_iov = &iov_[i];
      msgs_[i].msg_hdr.msg_iovlen = 1;
      msgs_[i].msg_hdr.msg_name = &from_[i];
    }
  }

  // Forwards everything the socket holds now.
  void drain() {
    for (;;) {
      for (size_t i = 0; i < kBatch; ++i) msgs_[i].msg_hdr.msg_namelen = sizeof from_[i];
      const int n = recvmmsg(fd_, msgs_, kBatch, MSG_DONTWAIT, nullptr);
      if (n <= 0) return;
      received += static_cast<uint64_t>(n);
      tx_.clear();
      tx_iov_.clear();
      for (int i = 0; i < n; ++i) handle(static_cast<size_t>(i));
      for (size_t i = 0; i < tx_.size(); ++i) {  // tx_iov_ no longer grows: its addresses hold
        tx_[i].msg_hdr.msg_iov = &tx_iov_[i];
        tx_[i].msg_hdr.msg_iovlen = 1;
      }
      send_all();
      for (const AddressKey& key : leaving_) leave(key);
      leaving_.clear();
      if (static_cast<size_t>(n) < kBatch) return;
    }
  }

  uint64_t received = 0, forwarded = 0, joins = 0, leaves = 0, dropped = 0, send_failures = 0;

 private:
  void handle(size_t i) {
    const auto* data = static_cast<const char*>(iov_[i].iov_base);
    const std::string_view text(data, msgs_[i].msg_len);
    const AddressKey key = key_of(from_[i]);
    auto it = members_.find(key);
    if (text.starts_with("JOIN ") && text.size() > 5 &&
        (it == members_.end() || it->second.room->name == text.substr(5))) {
      if (it == members_.end()) {
        const std::string name(text.substr(5));
        Room& room = rooms_[name];
        room.name = name;
        Member& m =
            members_.emplace(key, Member{from_[i], msgs_[i].msg_hdr.msg_namelen, &room}).first->second;
        room.members.push_back(&m);
        ++joins;
      }
      const std::string answer = "JOINED " + std::string(text.substr(5));
      sendto(fd_, answer.data(), answer.size(), 0, reinterpret_cast<const sockaddr*>(&from_[i]),
             msgs_[i].msg_hdr.msg_namelen);
      return;
    }
    if (it == members_.end()) {
      ++dropped;  // not a member
      return;
    }
    Member& self = it->second;
    if (text == "LEAVE") {
      leaving_.push_back(key);  // after this batch's sends, which may still name its address
      return;
    }
    for (Member* m : self.room->members) {
      if (m == &self) continue;
      tx_iov_.push_back({iov_[i].iov_base, msgs_[i].msg_len});
      mmsghdr h{};
      h.msg_hdr.msg_name = &m->address;
      h.msg_hdr.msg_namelen = m->length;
      tx_.push_back(h);
    }
  }

  void leave(const AddressKey& key) {
    auto it = members_.find(key);
    if (it == members_.end()) return;
    Room* room = it->second.room;
    std::erase(room->members, &it->second);
    members_.erase(it);
    if (room->members.empty()) {
      const std::string name = room->name;
      rooms_.erase(name);
    }
    ++leaves;
  }

  void send_all() {
    for (size_t at = 0; at < tx_.size();) {
      const int r = sendmmsg(fd_, tx_.data() + at, static_cast<unsigned>(tx_.size() - at), 0);
      if (r > 0) {
        at += static_cast<size_t>(r);
        forwarded += static_cast<uint64_t>(r);
      } else if (r < 0 && errno == EINTR) {
        continue;
      } else {
        ++at;  // refused (e.g. an ICMP error of a member gone): skip it
        ++send_failures;
      }
    }
  }

  int fd_;
  std::vector<char> buffer_ = std::vector<char>(kBatch * kMaxDatagram);
  iovec iov_[kBatch]{};
  mmsghdr msgs_[kBatch]{};
  sockaddr_storage from_[kBatch]{};
  std::vector<mmsghdr> tx_;
  std::vector<iovec> tx_iov_;
  std::vector<AddressKey> leaving_;
  std::unordered_map<AddressKey, Member, AddressHash> members_;  // node-based: Member* stay valid
  std::unordered_map<std::string, Room> rooms_;                  // likewise Room*
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "wzp-udp-forwarder: a bare UDP forwarder, the baseline for wzp-load --udp. One thread, one socket, "
      "recvmmsg/sendmmsg, no crypto. A participant's first datagram 'JOIN <room>' puts its address in the "
      "room "
      "(answered 'JOINED <room>'), 'LEAVE' takes it out; every other datagram of a member is sent to the "
      "other "
      "members of its room. Prints its port at start; SIGINT/SIGTERM stop it with a summary."};
  app.footer(
      "Example:\n  wzp-udp-forwarder --bind 127.0.0.1:0\n  wzp-load --udp --relay 127.0.0.1:PORT "
      "--participants 100");
  std::string bind = "127.0.0.1:4500";
  app.add_option("--bind", bind, "UDP address to listen on, IP:port or [IPv6]:port (port 0 picks one)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  auto address = parse_host_port(bind);
  if (!address) {
    std::fprintf(stderr, "wzp-udp-forwarder: --bind '%s' is not IP:port or [IPv6]:port\n", bind.c_str());
    return 2;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* found = nullptr;
  if (getaddrinfo(address->host.c_str(), std::to_string(address->port).c_str(), &hints, &found) != 0) {
    std::fprintf(stderr, "wzp-udp-forwarder: --bind '%s': not an IP address\n", bind.c_str());
    return 2;
  }
  const int fd = socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int size = kSocketBufferBytes;
  if (fd >= 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  if (fd < 0 || ::bind(fd, found->ai_addr, found->ai_addrlen) != 0) {
    std::fprintf(stderr, "wzp-udp-forwarder: cannot bind %s: %s\n", bind.c_str(), std::strerror(errno));
    freeaddrinfo(found);
    return 1;
  }
  freeaddrinfo(found);
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len);
  const uint16_t port = ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                                                          : reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  std::printf("wzp-udp-forwarder listening on %s port %u\n", address->host.c_str(), port);
  std::fflush(stdout);

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  const int sig_fd = signalfd(-1, &stop, SFD_CLOEXEC);
  Forwarder forwarder(fd);
  pollfd fds[2] = {{fd, POLLIN, 0}, {sig_fd, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[1].revents != 0) break;
    if (fds[0].revents != 0) forwarder.drain();
  }
  signalfd_siginfo info{};
  [[maybe_unused]] ssize_t n = read(sig_fd, &info, sizeof info);
  std::printf(
      "wzp-udp-forwarder: %s, stopping: received %llu, forwarded %llu, %llu joins, %llu leaves, %llu dropped "
      "(not a member), %llu sends refused\n",
      info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM", static_cast<unsigned long long>(forwarder.received),
      static_cast<unsigned long long>(forwarder.forwarded), static_cast<unsigned long long>(forwarder.joins),
      static_cast<unsigned long long>(forwarder.leaves), static_cast<unsigned long long>(forwarder.dropped),
      static_cast<unsigned long long>(forwarder.send_failures));
  close(sig_fd);
  close(fd);
  return 0;
}

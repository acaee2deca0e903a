#include "udp_transport.hpp"

#include <netdb.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace load {

namespace {

constexpr size_t kBatch = 16;
constexpr size_t kMaxDatagram = 2048;
constexpr uint64_t kJoinResendNs = 250'000'000;
constexpr uint64_t kScanNs = 10'000'000;

void wake(int fd) {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof one);
}

}  // namespace

std::unique_ptr<UdpTransport> UdpTransport::create(const UdpSettings& settings, Tally& tally,
                                                   std::string& error) {
  std::unique_ptr<UdpTransport> t(new UdpTransport(settings, tally));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(settings.port);
  if (int rc = getaddrinfo(settings.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    error = "cannot resolve '" + settings.host + "': " + gai_strerror(rc);
    return nullptr;
  }
  std::memcpy(&t->forwarder_, found->ai_addr, found->ai_addrlen);
  t->forwarder_len_ = found->ai_addrlen;
  freeaddrinfo(found);
  for (size_t i = 0; i < std::max<size_t>(settings.threads, 1); ++i) {
    auto w = std::make_unique<Worker>();
    w->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;
    if (w->epoll_fd < 0 || w->wake_fd < 0 || epoll_ctl(w->epoll_fd, EPOLL_CTL_ADD, w->wake_fd, &ev) != 0) {
      error = std::string("epoll: ") + std::strerror(errno);
      if (w->epoll_fd >= 0) ::close(w->epoll_fd);
      if (w->wake_fd >= 0) ::close(w->wake_fd);
      return nullptr;
    }
    t->workers_.push_back(std::move(w));
  }
  for (auto& w : t->workers_) {
    Worker* worker = w.get();
    w->thread = std::thread([raw = t.get(), worker] { raw->run(*worker); });
  }
  return t;
}

UdpTransport::~UdpTransport() {
  stop();
  for (auto& w : workers_) {
    ::close(w->epoll_fd);
    ::close(w->wake_fd);
  }
}

void UdpTransport::stop() {
  stop_.store(true);
  for (auto& w : workers_) {
    wake(w->wake_fd);
    if (w->thread.joinable()) w->thread.join();
  }
}

void UdpTransport::send_join(Participant& p) {
  const std::string join = "JOIN " + p.room_name;
  [[maybe_unused]] ssize_t n = ::send(p.fd, join.data(), join.size(), 0);
}

void UdpTransport::connect(Participant& p) {
  p.tally = &tally_;
  p.connect_ns = now_ns();
  const int fd = ::socket(forwarder_.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&forwarder_), forwarder_len_) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    tally_.fail_join(p, "socket error", why);
    return;
  }
  p.fd = fd;
  send_join(p);
  Worker& w = *workers_[p.id % workers_.size()];
  {
    std::lock_guard lock(w.mutex);
    w.incoming.push_back(&p);
  }
  wake(w.wake_fd);
}

int UdpTransport::send(Participant& p, const uint8_t* data, size_t len) {
  const ssize_t n = ::send(p.fd, data, len, 0);
  if (n == static_cast<ssize_t>(len)) return 0;
  return n < 0 ? errno : EMSGSIZE;
}

std::string UdpTransport::send_error_name(int error) const { return std::strerror(error); }

void UdpTransport::leave(Participant& p) {
  if (p.fd < 0) return;
  p.hung_up.store(true);
  [[maybe_unused]] ssize_t n = ::send(p.fd, "LEAVE", 5, 0);
  Worker& w = *workers_[p.id % workers_.size()];
  std::unique_lock lock(w.mutex);
  w.removals.push_back(&p);
  const uint64_t ticket = ++w.removals_asked;
  wake(w.wake_fd);
  w.removed.wait(lock, [&] { return w.removals_done >= ticket; });
}

void UdpTransport::leave_all(const std::vector<Participant*>& ps) {
  for (Participant* p : ps) {
    if (p->fd < 0) continue;
    p->hung_up.store(true);
    [[maybe_unused]] ssize_t n = ::send(p->fd, "LEAVE", 5, 0);
  }
  stop();
  for (Participant* p : ps) {
    if (p->fd >= 0) ::close(p->fd);
    p->fd = -1;
  }
}

void UdpTransport::run(Worker& w) {
  struct Joining {
    Participant* p;
    uint64_t last_join_ns;
  };
  std::vector<Joining> joining;
  std::vector<Participant*> incoming, removals;
  std::vector<uint8_t> buffer(kBatch * kMaxDatagram);
  iovec iov[kBatch];
  mmsghdr msgs[kBatch];
  for (size_t i = 0; i < kBatch; ++i) iov[i] = {buffer.data() + i * kMaxDatagram, kMaxDatagram};
  epoll_event events[64];
  uint64_t last_scan = 0;
  const uint64_t join_timeout_ns = uint64_t{settings_.join_timeout_ms} * 1'000'000;
  while (!stop_.load(std::memory_order_relaxed)) {
    const int n = epoll_wait(w.epoll_fd, events, 64, 10);
    for (int e = 0; e < n; ++e) {
      auto* p = static_cast<Participant*>(events[e].data.ptr);
      if (p == nullptr) {
        uint64_t count = 0;
        [[maybe_unused]] ssize_t r = ::read(w.wake_fd, &count, sizeof count);
        last_scan = 0;  // handle the requests now
        continue;
      }
      for (;;) {
        for (size_t i = 0; i < kBatch; ++i) {
          msgs[i] = {};
          msgs[i].msg_hdr.msg_iov = &iov[i];
          msgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int got = recvmmsg(p->fd, msgs, kBatch, MSG_DONTWAIT, nullptr);
        if (got <= 0) break;
        const uint64_t now = now_ns();
        for (int i = 0; i < got; ++i) {
          const auto* data = static_cast<const uint8_t*>(iov[i].iov_base);
          const size_t len = msgs[i].msg_len;
          const JoinState state = p->state.load(std::memory_order_relaxed);
          if (state == JoinState::pending) {
            if (len >= 6 && std::memcmp(data, "JOINED", 6) == 0) tally_.on_joined(*p, now);
          } else if (state == JoinState::joined) {
            tally_.on_datagram(*p, data, len, now);
          }
        }
        if (static_cast<size_t>(got) < kBatch) break;
      }
    }
    const uint64_t now = now_ns();
    if (now - last_scan < kScanNs) continue;
    last_scan = now;
    uint64_t done = 0;
    {
      std::lock_guard lock(w.mutex);
      incoming.swap(w.incoming);
      removals.swap(w.removals);
    }
    for (Participant* p : incoming) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = p;
      if (epoll_ctl(w.epoll_fd, EPOLL_CTL_ADD, p->fd, &ev) != 0) {
        tally_.fail_join(*p, "socket error", std::string("epoll: ") + std::strerror(errno));
        continue;
      }
      joining.push_back({p, p->connect_ns});
    }
    incoming.clear();
    for (Participant* p : removals) {
      epoll_ctl(w.epoll_fd, EPOLL_CTL_DEL, p->fd, nullptr);
      ::close(p->fd);
      p->fd = -1;
      std::erase_if(joining, [p](const Joining& j) { return j.p == p; });
      ++done;
    }
    removals.clear();
    if (done != 0) {
      std::lock_guard lock(w.mutex);
      w.removals_done += done;
      w.removed.notify_all();
    }
    std::erase_if(joining, [&](Joining& j) {
      if (j.p->state.load(std::memory_order_relaxed) != JoinState::pending) return true;
      if (now - j.p->connect_ns > join_timeout_ns) {
        tally_.fail_join(*j.p, "no JOINED answer",
                         "no answer to JOIN within " + std::to_string(settings_.join_timeout_ms) + " ms");
        return true;
      }
      if (now - j.last_join_ns >= kJoinResendNs) {
        send_join(*j.p);
        j.last_join_ns = now;
      }
      return false;
    });
  }
  // Asked to stop: whoever still waits for a removal is let go (leave_all closes the sockets).
  std::lock_guard lock(w.mutex);
  w.removals_done = w.removals_asked;
  w.removed.notify_all();
}

}  // namespace load

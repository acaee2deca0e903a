// The relay on several event loops (RelayConfig::threads): rooms span loops,
// a client whose address changes (a NAT rebinding) reaches another loop's
// socket and is handed over to its connection's loop, and the loops' shared
// port is not shared with anyone else.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "live_harness.hpp"

namespace wzp::live_testing {
namespace {

relay::RelayConfig loops(size_t threads) {
  auto config = relay_config();
  config.threads = threads;
  return config;
}

TEST(MultiLoop, RoomsSpanLoopsAndEveryMemberHearsEveryOtherExactlyOnce) {
  constexpr size_t kMembers = 12;
  constexpr int kPerSender = 10;
  auto setup = RoomSetup::start("span", kMembers, loops(4));
  ASSERT_TRUE(setup.ok());
  EXPECT_EQ(setup.relay->server->thread_count(), 4u);
  std::vector<std::vector<Bytes>> expected(kMembers);
  for (size_t s = 0; s < kMembers; ++s) {
    for (int i = 0; i < kPerSender; ++i) {
      Bytes packet = media_packet(static_cast<uint8_t>(s), static_cast<uint16_t>(i));
      ASSERT_TRUE(setup[s].send(packet).ok());
      for (size_t r = 0; r < kMembers; ++r) {
        if (r != s) expected[r].push_back(as_forwarded(packet));
      }
    }
  }
  for (size_t r = 0; r < kMembers; ++r) {
    ASSERT_TRUE(setup[r].wait_media_count(expected[r].size())) << "member " << r;
    EXPECT_EQ(sorted(setup[r].media()), sorted(expected[r])) << "member " << r;
  }
  const auto& c = setup.relay->counters();
  EXPECT_EQ(c.datagrams_forwarded.load(), kMembers * (kMembers - 1) * kPerSender);
  EXPECT_EQ(c.datagrams_dropped.load(), 0u);
  // Twelve connections over four loops by the kernel's hash: some receivers are elsewhere.
  EXPECT_GT(c.cross_loop_datagrams.load(), 0u);
  EXPECT_GT(c.cross_loop_batches.load(), 0u);
  EXPECT_EQ(c.cross_loop_dropped.load(), 0u);
}

// A member may send to a newcomer as soon as the newcomer is joined: each loop
// applies a room's new members before the next datagram it handles, even one it
// read before running the task that carries them (RelayShard::publish_room).
// The members talk all along, so their loops are busy as each newcomer arrives.
TEST(MultiLoop, ANewcomerHearsEverythingSentAfterItJoined) {
  constexpr size_t kMembers = 6;
  constexpr int kNewcomers = 12;
  auto config = loops(4);
  config.sender_rate = relay::SenderRateLimit{0, 0, 0};  // 500 datagrams/s each, unpoliced
  auto setup = RoomSetup::start("arrivals", kMembers, config);
  ASSERT_TRUE(setup.ok());

  std::array<std::atomic<uint32_t>, kMembers> sent{};  // per member: datagrams whose send returned
  std::atomic<size_t> send_failures{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> talkers;
  struct Hush {  // the talkers stop before the members leave, however the test ends
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~Hush() {
      stop = true;
      for (auto& t : threads) t.join();
    }
  } hush{stop, talkers};
  for (size_t s = 0; s < kMembers; ++s) {
    talkers.emplace_back([&, s] {
      for (uint32_t seq = 0; !stop && seq < 0xFFFF; ++seq) {
        if (!setup[s].send(media_packet(static_cast<uint8_t>(s), static_cast<uint16_t>(seq))).ok())
          ++send_failures;
        sent[s].store(seq + 1);
        std::this_thread::sleep_for(2ms);
      }
    });
  }

  for (int n = 0; n < kNewcomers; ++n) {
    auto newcomer = TestClient::join(client_config(*setup.relay, "arrivals"));
    ASSERT_TRUE(newcomer) << "newcomer " << n;
    // Every datagram from `from` on was sent after the join (the one in hand may not have been).
    std::array<uint32_t, kMembers> from{};
    for (size_t s = 0; s < kMembers; ++s) from[s] = sent[s].load() + 1;
    ASSERT_TRUE(eventually([&] {
      for (size_t s = 0; s < kMembers; ++s) {
        if (sent[s].load() < from[s] + 10) return false;
      }
      return true;
    }));
    // As strings: GCC 12 -O3 warns falsely on vector<uint8_t>'s operator< (see sorted()).
    auto key = [](const Bytes& b) { return std::string(b.begin(), b.end()); };
    std::set<std::string> expected;
    for (size_t s = 0; s < kMembers; ++s) {
      const uint32_t until = sent[s].load();
      for (uint32_t seq = from[s]; seq < until; ++seq)
        expected.insert(key(as_forwarded(media_packet(static_cast<uint8_t>(s), static_cast<uint16_t>(seq)))));
    }
    std::vector<std::string> missing;
    const bool heard_all = eventually([&] {
      std::set<std::string> got;
      for (const auto& packet : newcomer->media()) got.insert(key(packet));
      missing.clear();
      for (const auto& packet : expected) {
        if (got.count(packet) == 0) missing.push_back(packet);
      }
      return missing.empty();
    });
    EXPECT_TRUE(heard_all) << "newcomer " << n << " missed " << missing.size() << " of " << expected.size();
  }
  EXPECT_EQ(send_failures.load(), 0u);
  EXPECT_EQ(setup.relay->counters().cross_loop_dropped.load(), 0u);
}

// A relay whose loops can be held inside the forwarding hook
// (RelayConfig::forward_observer): the loop that forwards a datagram numbered
// kHoldSeq stops there until release(), so the others run on while it takes
// nothing in. It also tells which loop forwarded each member's datagrams (the
// packet's fec_block: media_packet()'s sender).
class HoldableRelay {
 public:
  static constexpr uint16_t kHoldSeq = 0xFFFE;

  explicit HoldableRelay(relay::RelayConfig config) {
    config.forward_observer = [state = state_](ByteView datagram) { state->observe(datagram); };
    relay_ = TestRelay::start(std::move(config));
  }
  ~HoldableRelay() {
    release();  // before the relay stops its loops
    relay_.reset();
  }
  HoldableRelay(const HoldableRelay&) = delete;
  HoldableRelay& operator=(const HoldableRelay&) = delete;

  explicit operator bool() const { return relay_ != nullptr; }
  TestRelay& operator*() { return *relay_; }
  TestRelay* operator->() { return relay_.get(); }

  bool wait_held() {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, kWait, [&] { return state_->held; });
  }
  void release() {
    std::lock_guard lock(state_->mutex);
    state_->released = true;
    state_->changed.notify_all();
  }
  /// Until a datagram of `member` was forwarded; its loop's thread.
  std::optional<std::thread::id> wait_loop_of(uint8_t member) {
    std::unique_lock lock(state_->mutex);
    if (!state_->changed.wait_for(lock, kWait, [&] { return state_->loop_of.count(member) == 1; }))
      return std::nullopt;
    return state_->loop_of.at(member);
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    std::map<uint8_t, std::thread::id> loop_of;
    bool held = false;
    bool released = false;

    void observe(ByteView datagram) {
      auto packet = wire::parse_media_packet(datagram);
      if (!packet) return;
      std::unique_lock lock(mutex);
      loop_of.emplace(packet->header.fec_block, std::this_thread::get_id());
      changed.notify_all();
      if (packet->header.seq != kHoldSeq) return;
      held = true;
      changed.wait(lock, [&] { return released; });
    }
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::unique_ptr<TestRelay> relay_;
};

relay::RelayConfig unpoliced_loops(size_t threads) {
  auto config = loops(threads);
  config.sender_rate = relay::SenderRateLimit{0, 0, 0};
  return config;
}

// A loop that stops taking the others' datagrams costs bounded memory: once
// RelayShard::kMaxDatagramsInFlight wait for it, the rest are dropped and
// counted; members of the other loop hear everything meanwhile, and the held
// loop's members hear again once it runs.
TEST(MultiLoop, AStalledLoopCostsBoundedMemoryAndTheOthersGoOn) {
  HoldableRelay relay(unpoliced_loops(2));
  ASSERT_TRUE(relay);
  // Members join until one loop has two (a speaker and a listener) and the other one.
  std::vector<std::unique_ptr<TestClient>> members;
  std::map<std::thread::id, std::vector<size_t>> by_loop;
  auto placed = [&] {
    return by_loop.size() == 2 &&
           std::any_of(by_loop.begin(), by_loop.end(), [](const auto& l) { return l.second.size() >= 2; });
  };
  while (!placed()) {
    ASSERT_LT(members.size(), 16u) << "the kernel put every member on one loop";
    members.push_back(TestClient::join(client_config(*relay, "stall")));
    ASSERT_TRUE(members.back());
    if (members.size() < 2) continue;  // a datagram is forwarded once somebody can receive it
    by_loop.clear();
    for (uint8_t who = 0; who < members.size(); ++who) {
      ASSERT_TRUE(members[who]->send(media_packet(who, 0)).ok());
      auto loop = relay.wait_loop_of(who);
      ASSERT_TRUE(loop) << "member " << +who;
      by_loop[*loop].push_back(who);
    }
  }
  auto& [speaker_loop, speakers] =
      *std::find_if(by_loop.begin(), by_loop.end(), [](const auto& l) { return l.second.size() >= 2; });
  const size_t speaker = speakers[0];
  const size_t listener = speakers[1];
  std::vector<size_t> held_members;
  for (const auto& [thread, list] : by_loop) {
    if (thread != speaker_loop) held_members = list;
  }
  const size_t holder = held_members.at(0);

  // Hold the other loop inside its forwarding of one datagram.
  ASSERT_TRUE(
      members[holder]->send(media_packet(static_cast<uint8_t>(holder), HoldableRelay::kHoldSeq)).ok());
  ASSERT_TRUE(relay.wait_held());
  const uint64_t dropped_before = relay->counters().cross_loop_dropped.load();
  // The speaker talks past the bound, in steps the listener (on the speaker's loop) is seen to
  // hear in full, so every datagram reached the relay.
  constexpr uint64_t kBound = relay::RelayShard::kMaxDatagramsInFlight;
  const size_t flood = kBound / held_members.size() + 300;
  constexpr size_t kStep = 500;
  auto heard_of_flood = [&](const std::vector<client::ClientEvent>& events) {
    size_t count = 0;
    for (const auto& e : events) {
      if (e.type != client::ClientEventType::media) continue;
      auto packet = wire::parse_media_packet(e.data);
      count += packet && packet->header.fec_block == speaker && packet->header.seq >= 1 &&
               packet->header.seq <= flood;
    }
    return count;
  };
  for (size_t sent = 0; sent < flood;) {
    const size_t n = std::min(kStep, flood - sent);
    for (size_t i = 0; i < n; ++i) {
      ++sent;
      ASSERT_TRUE(members[speaker]
                      ->send(media_packet(static_cast<uint8_t>(speaker), static_cast<uint16_t>(sent)))
                      .ok());
    }
    ASSERT_TRUE(members[listener]->events.wait([&](const auto& events) {
      return heard_of_flood(events) >= sent;
    })) << "after "
        << sent;
  }
  EXPECT_EQ(heard_of_flood(members[listener]->events.snapshot()), flood);
  // At most the bound waits for the held loop: the rest was dropped (whole batches, so a
  // few more than the excess), counted by the speaker's loop as it hands each batch over,
  // which may follow the listener's copy.
  const uint64_t for_held = flood * held_members.size();
  auto dropped = [&] { return relay->counters().cross_loop_dropped.load() - dropped_before; };
  EXPECT_TRUE(eventually([&] { return dropped() >= for_held - kBound; }))
      << dropped() << " dropped of " << for_held;
  EXPECT_LT(dropped(), for_held);

  // Let go: what waited reaches the held loop's members, and with what was dropped it is
  // everything the speaker sent them; then they hear the speaker as before.
  relay.release();
  auto held_heard = [&] {
    size_t count = 0;
    for (size_t who : held_members) count += heard_of_flood(members[who]->events.snapshot());
    return count;
  };
  EXPECT_TRUE(eventually([&] { return held_heard() + dropped() == for_held; }))
      << held_heard() << " heard + " << dropped() << " dropped of " << for_held;
  const Bytes after = media_packet(static_cast<uint8_t>(speaker), 0xFFF0);
  ASSERT_TRUE(members[speaker]->send(after).ok());
  EXPECT_TRUE(members[holder]->events.wait_for([&](const client::ClientEvent& e) {
    return e.type == client::ClientEventType::media && e.data == as_forwarded(after);
  }));
}

// Anyone can send packets whose connection ID names a loop. A flood of them
// reaching one loop's socket while the loop they name takes nothing in costs
// bounded memory: past RelayShard::kMaxHandoversInFlight waiting, they are
// dropped and counted; every packet handed over is taken in or counted, and the
// members talk on.
TEST(MultiLoop, AFloodOfPacketsNamingABusyLoopCostsBoundedMemory) {
  HoldableRelay relay(unpoliced_loops(2));
  ASSERT_TRUE(relay);
  auto first = TestClient::join(client_config(*relay, "flood"));
  auto second = TestClient::join(client_config(*relay, "flood"));
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->send(media_packet(0, HoldableRelay::kHoldSeq)).ok());
  ASSERT_TRUE(relay.wait_held());

  // Short-header packets for connection IDs naming loop 0 or 1, each socket's from a new
  // port: the kernel spreads the ports over both loops' sockets, and the loop that runs
  // hands those naming the held one over.
  const relay::RelayCounters& counters = relay->counters();
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(relay->port());
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  Bytes packet(60, 0x5A);
  packet[0] = 0x40;  // short header, fixed bit
  for (int round = 0; round < 256 && counters.handover_dropped.load() == 0; ++round) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_GE(fd, 0);
    for (int i = 0; i < 200; ++i) {
      packet[1] = static_cast<uint8_t>(i % 2);  // the connection ID's first byte: a loop
      packet[2] = static_cast<uint8_t>(i);
      packet[3] = static_cast<uint8_t>(round);
      (void)::sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    }
    ::close(fd);
  }
  EXPECT_TRUE(eventually([&] { return counters.handover_dropped.load() > 0; }));

  relay.release();
  EXPECT_TRUE(eventually([&] {
    const auto stats = relay->server->transport_stats();
    return stats.packets_handed_over == stats.packets_taken_over + counters.handover_dropped.load();
  }));
  const auto stats = relay->server->transport_stats();
  EXPECT_GT(stats.packets_taken_over, 0u);
  EXPECT_EQ(first->client->state(), client::ClientState::joined);
  // Media is unreliable, and a loop's socket may still hold flood packets when the first
  // datagram arrives (the kernel drops what does not fit): the speaker repeats until heard.
  const Bytes hello = as_forwarded(media_packet(1, 7));
  auto heard_hello = [&] {
    for (const auto& media : first->media()) {
      if (media == hello) return true;
    }
    return false;
  };
  EXPECT_TRUE(eventually([&] {
    (void)second->send(media_packet(1, 7));
    return heard_hello();
  }));
}

// A UDP relay between one client and the relay whose upstream socket can be
// replaced, as a NAT that rebinds the client to a new port.
class RebindingNat {
 public:
  explicit RebindingNat(uint16_t relay_port) {
    relay_.sin_family = AF_INET;
    relay_.sin_port = htons(relay_port);
    relay_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    downstream_ = bound_socket();
    upstream_.store(bound_socket());
    thread_ = std::thread([this] { run(); });
  }
  ~RebindingNat() {
    stop_ = true;
    thread_.join();
    ::close(downstream_);
    ::close(upstream_.load());
    for (int fd : retired_) ::close(fd);
  }
  RebindingNat(const RebindingNat&) = delete;
  RebindingNat& operator=(const RebindingNat&) = delete;

  uint16_t port() const { return port_of(downstream_); }
  /// From now on the client's packets leave from a new port (the old one still
  /// takes the relay's answers, as a NAT's mapping lingers).
  void rebind() {
    std::lock_guard lock(mutex_);
    retired_.push_back(upstream_.exchange(bound_socket()));
  }

 private:
  static int bound_socket() {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
    return fd;
  }
  static uint16_t port_of(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return ntohs(address.sin_port);
  }
  void run() {
    uint8_t buffer[2048];
    while (!stop_) {
      std::vector<pollfd> fds{{downstream_, POLLIN, 0}};
      {
        std::lock_guard lock(mutex_);
        fds.push_back({upstream_.load(), POLLIN, 0});
        for (int fd : retired_) fds.push_back({fd, POLLIN, 0});
      }
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      for (const auto& p : fds) {
        if ((p.revents & POLLIN) == 0) continue;
        sockaddr_in from{};
        socklen_t length = sizeof from;
        ssize_t n = ::recvfrom(p.fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &length);
        if (n <= 0) continue;
        if (p.fd == downstream_) {
          client_ = from;
          ::sendto(upstream_.load(), buffer, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&relay_),
                   sizeof relay_);
        } else if (client_.sin_port != 0) {
          ::sendto(downstream_, buffer, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&client_),
                   sizeof client_);
        }
      }
    }
  }

  sockaddr_in relay_{};
  sockaddr_in client_{};  // the poll thread's only
  int downstream_ = -1;
  std::atomic<int> upstream_{-1};
  std::mutex mutex_;
  std::vector<int> retired_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(MultiLoop, AClientWhoseAddressChangesIsHandedOverAndKeepsTalking) {
  auto relay = TestRelay::start(loops(4));
  ASSERT_TRUE(relay);
  RebindingNat nat(relay->port());
  auto behind = TestClient::join(client_config_to(nat.port(), "rebind"));
  auto direct = TestClient::join(client_config(*relay, "rebind"));
  ASSERT_TRUE(behind && direct);
  size_t to_direct = 0, to_behind = 0;
  uint16_t seq = 0;
  auto exchange = [&] {
    ++seq;
    EXPECT_TRUE(behind->send(media_packet(1, seq)).ok());
    EXPECT_TRUE(direct->send(media_packet(2, seq)).ok());
    return direct->wait_media_count(++to_direct) && behind->wait_media_count(++to_behind);
  };
  ASSERT_TRUE(exchange());
  // Each new port lands on one of four sockets by the kernel's hash: within a
  // few rebindings one reaches a loop that does not own the connection.
  for (int i = 0; i < 32 && relay->server->transport_stats().packets_handed_over == 0; ++i) {
    nat.rebind();
    ASSERT_TRUE(exchange()) << "after rebinding " << i + 1;
  }
  ASSERT_GT(relay->server->transport_stats().packets_handed_over, 0u);
  // Every packet passed on arrives (read once none is in flight between the loops).
  EXPECT_TRUE(eventually([&] {
    const auto stats = relay->server->transport_stats();
    return stats.packets_taken_over == stats.packets_handed_over;
  }));
  // And the call goes on from the new address, both ways.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(exchange());
  EXPECT_EQ(relay->counters().datagrams_dropped.load(), 0u);
  EXPECT_EQ(behind->media().size(), to_behind);
  EXPECT_EQ(direct->media().size(), to_direct);
}

TEST(MultiLoop, ThePortIsNotSharedWithAnotherRelay) {
  auto first = TestRelay::start(loops(2));
  ASSERT_TRUE(first);
  auto config = loops(2);
  config.listen_port = first->port();
  auto second = relay::RelayServer::start(std::move(config), nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("in use"), std::string::npos) << second.error().message;
}

TEST(MultiLoop, ThreadCountsAreCheckedAndZeroMeansOnePerCore) {
  auto config = loops(relay::kMaxRelayThreads + 1);
  auto refused = relay::RelayServer::start(std::move(config), nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::invalid_argument);
  auto automatic = TestRelay::start(loops(0));
  ASSERT_TRUE(automatic);
  EXPECT_EQ(automatic->server->thread_count(), std::max(1U, std::thread::hardware_concurrency()));
}

}  // namespace
}  // namespace wzp::live_testing

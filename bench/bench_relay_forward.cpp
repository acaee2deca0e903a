// Relay forwarding benchmark, with its own report (not a Google Benchmark
// table): the same load runs through
//   1. the wzp relay: an in-process RelayServer and one wzp Client per
//      participant (QUIC + TLS + CallOffer/CallAnswer, media as QUIC datagrams);
//   2. the baseline: a plain UDP forwarder (one thread, recvmmsg/sendmmsg, no
//      parsing, no crypto) and one plain UDP socket per participant, each read
//      by its own thread as each Client has its own loop thread;
// and the report gives each figure for both and the ratio relay / baseline.
//
// Load: R rooms x P participants; every participant sends a media datagram
// (MediaHeader + payload) every 20 ms, slots spread evenly over the interval,
// for D seconds; every datagram goes to the P-1 others of its room. The
// payload carries the send time (wzp::clock::now_ns(), taken just before the
// send call) so every receiver measures the one-way latency. --unpaced
// instead lets a few senders send as fast as they can, each with a bounded
// number of datagrams in flight, to find the maximum forwarding rate. Everything stays on 127.0.0.1 and every
// run is bounded in time (duration, a capped drain) and in participants.
//
// --trunking runs each layout through the relay twice instead, plain and with
// trunked forwarding (relay spec §7.6; every client accepts TrunkFrames), and
// compares the two: datagrams the relay sends per second, media packets
// delivered per second, CPU per delivered packet, latency.
//
// CPU: the process's getrusage (clients, senders and receivers included) and
// the forwarding thread alone (the relay's loop thread, found as the one
// thread RelayServer::start adds; the baseline's forwarder thread), both read
// over the sending window plus the drain.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "client/client.hpp"
#include "core/bytes.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "crypto/identity.hpp"
#include "crypto/seed.hpp"
#include "handshake/signal_handshake.hpp"
#include "relay/relay_server.hpp"
#include "wire/media_packet.hpp"
#include "wire/signal_message.hpp"

namespace {

using namespace wzp;

constexpr const char* kLoopback = "127.0.0.1";
constexpr size_t kMaxParticipants = 128;
constexpr double kMaxSeconds = 60;
// Payload prefix: send time (8 bytes BE) and sender index (4 bytes BE).
constexpr size_t kStampSize = 12;
constexpr size_t kMinDatagram = wire::kMediaHeaderSize + kStampSize;
// Latency samples kept per receiver; later datagrams are still counted.
constexpr size_t kMaxSamplesPerReceiver = 1'000'000;
// Same kernel buffers as the relay's sockets (transport/udp_socket.cpp).
constexpr int kSocketBufferBytes = 4 * 1024 * 1024;
constexpr size_t kBatch = 64;

// ---------------------------------------------------------------------------
// Configuration

struct Load {
  size_t rooms = 1;
  size_t members = 2;  // participants per room
  double seconds = 5;
  uint64_t interval_ns = 20'000'000;
  size_t datagram_size = 100;
  bool unpaced = false;
  size_t senders = 2;  // unpaced only
  size_t window = 32;  // unpaced: datagrams a sender may have in flight; 0 = no limit
  bool burst_connect = false;
  std::optional<uint64_t> initial_rtt_ms;  // relay and clients; library default when empty
  bool trunking = false;                   // the relay batches into TrunkFrames

  size_t participants() const { return rooms * members; }
  size_t room_of(size_t participant) const { return participant / members; }
  // Unpaced sender s: spread over the rooms first, then over the members.
  size_t sender_participant(size_t s) const { return (s % rooms) * members + s / rooms; }
  size_t sender_count() const { return unpaced ? std::min(senders, participants()) : participants(); }
  // The receiver whose arrivals release a sender's window: the next member of its room.
  size_t tracker_of(size_t sender) const {
    return sender - sender % members + (sender % members + 1) % members;
  }
};

std::string room_sni(size_t room) { return "bench-room-" + std::to_string(room); }

// The 1-minute load average: other processes share the cores, and this says how much.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one_minute;
  in >> one_minute;
  return one_minute.empty() ? "?" : one_minute;
}

// ---------------------------------------------------------------------------
// Measuring

uint64_t process_cpu_ns() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ns = [](const timeval& tv) {
    return uint64_t(tv.tv_sec) * 1'000'000'000 + uint64_t(tv.tv_usec) * 1'000;
  };
  return ns(usage.ru_utime) + ns(usage.ru_stime);
}

std::set<pid_t> thread_ids() {
  std::set<pid_t> ids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    ids.insert(static_cast<pid_t>(std::atoi(entry.path().filename().c_str())));
  }
  return ids;
}

// On-CPU nanoseconds of one thread of this process (schedstat, first field).
std::optional<uint64_t> thread_cpu_ns(std::optional<pid_t> tid) {
  if (!tid) return std::nullopt;
  std::ifstream in("/proc/self/task/" + std::to_string(*tid) + "/schedstat");
  uint64_t ns = 0;
  if (!(in >> ns)) return std::nullopt;
  return ns;
}

double percentile(std::vector<uint64_t>& values, double p) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(values.size())));
  return static_cast<double>(values[std::clamp<size_t>(rank, 1, values.size()) - 1]);
}

void sleep_until_ns(uint64_t deadline_ns) {
  // clock::now_ns() is CLOCK_MONOTONIC, so the deadline is on the same base.
  timespec ts{static_cast<time_t>(deadline_ns / 1'000'000'000),
              static_cast<long>(deadline_ns % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

/// Shared by every receiver and sender of one run.
struct Tally {
  explicit Tally(const Load& load) : load(load), arrived(load.participants()) {}
  const Load& load;
  std::atomic<bool> recording{false};
  std::atomic<uint64_t> delivered{0};
  // Per sender: its datagrams seen by its tracker receiver (the window's feedback).
  std::vector<std::atomic<uint64_t>> arrived;
};

/// One receiver's latencies; written by one thread, read after it is joined.
class Recorder {
 public:
  Recorder(Tally& tally, size_t self) : tally_(tally), self_(self) {}

  void record(ByteView datagram) {
    const uint64_t now = clock::now_ns();
    if (!tally_.recording.load(std::memory_order_relaxed) || datagram.size() < kMinDatagram) return;
    const uint8_t* stamp = datagram.data() + wire::kMediaHeaderSize;
    const uint64_t sent = (uint64_t{load_be32(stamp)} << 32) | load_be32(stamp + 4);
    const size_t sender = load_be32(stamp + 8);
    tally_.delivered.fetch_add(1, std::memory_order_relaxed);
    if (sender < tally_.arrived.size() && tally_.load.tracker_of(sender) == self_) {
      tally_.arrived[sender].fetch_add(1, std::memory_order_release);
    }
    if (latencies_ns_.size() < kMaxSamplesPerReceiver) latencies_ns_.push_back(now - sent);
  }
  const std::vector<uint64_t>& latencies_ns() const { return latencies_ns_; }

 private:
  Tally& tally_;
  size_t self_;
  std::vector<uint64_t> latencies_ns_;
};

/// Builds the datagrams of one sender: a MediaHeader, then the stamp, then filler.
class DatagramMaker {
 public:
  DatagramMaker(uint32_t sender, size_t size)
      : sender_(sender), payload_(size - wire::kMediaHeaderSize, 0xA5) {
    store_be32(payload_.data() + 8, sender_);
  }
  ByteView make() {
    wire::MediaHeader header;
    header.seq = seq_++;
    header.timestamp = uint32_t{header.seq} * 960;
    const uint64_t now = clock::now_ns();
    store_be32(payload_.data(), static_cast<uint32_t>(now >> 32));
    store_be32(payload_.data() + 4, static_cast<uint32_t>(now));
    datagram_.clear();
    wire::append_media_packet(datagram_, header, payload_, std::nullopt);
    return datagram_;
  }

 private:
  uint32_t sender_;
  uint16_t seq_ = 0;
  Bytes payload_;
  Bytes datagram_;
};

/// Sends one datagram from one participant; false if it was refused.
using SendFn = std::function<bool(size_t participant, ByteView datagram)>;

struct SendTotals {
  uint64_t sent = 0;
  uint64_t refused = 0;
  uint64_t max_lag_ns = 0;        // paced: worst lateness against the schedule
  uint64_t stalls = 0;            // unpaced: windows given up as lost
  std::vector<uint64_t> call_ns;  // duration of each send call (capped)

  void count(bool accepted, uint64_t call_started_ns) {
    if (call_ns.size() < kMaxSamplesPerReceiver) call_ns.push_back(clock::now_ns() - call_started_ns);
    ++(accepted ? sent : refused);
  }
};

// Every participant sends every interval, slot i at offset i * interval / N.
SendTotals send_paced(const Load& load, const SendFn& send) {
  const size_t n = load.participants();
  std::vector<DatagramMaker> makers;
  for (size_t i = 0; i < n; ++i) makers.emplace_back(static_cast<uint32_t>(i), load.datagram_size);
  SendTotals totals;
  const uint64_t start = clock::now_ns() + 1'000'000;
  const uint64_t end = start + static_cast<uint64_t>(load.seconds * 1e9);
  for (uint64_t tick = 0;; ++tick) {
    for (size_t i = 0; i < n; ++i) {
      const uint64_t due = start + tick * load.interval_ns + i * load.interval_ns / n;
      if (due >= end) return totals;
      sleep_until_ns(due);
      const uint64_t now = clock::now_ns();
      totals.max_lag_ns = std::max(totals.max_lag_ns, now - due);
      totals.count(send(i, makers[i].make()), now);
    }
  }
}

// Blocks while `window` or more of the sender's datagrams are in flight (sent,
// not yet seen by its tracker receiver). When nothing arrives for kStallNs the
// datagrams in flight are written off as lost, so a drop cannot stop the
// sender. Returns false at `end`.
class Window {
 public:
  static constexpr uint64_t kStallNs = 20'000'000;
  Window(const std::atomic<uint64_t>& arrived, size_t window) : arrived_(arrived), window_(window) {}

  bool wait(uint64_t sent, uint64_t end, SendTotals& totals) {
    if (window_ == 0) return clock::now_ns() < end;
    uint64_t seen = arrived_.load(std::memory_order_acquire);
    uint64_t since = clock::now_ns();
    for (int spins = 0; sent - std::max(seen, written_off_) >= window_; ++spins) {
      const uint64_t now = clock::now_ns();
      if (now >= end) return false;
      const uint64_t latest = arrived_.load(std::memory_order_acquire);
      if (latest != seen) {
        seen = latest;
        since = now;
      } else if (now - since > kStallNs) {
        written_off_ = sent;
        ++totals.stalls;
      }
      // Yield first (the receiver may be runnable on this core), then nap.
      if (spins < 64) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(20));
      }
    }
    return clock::now_ns() < end;
  }

 private:
  const std::atomic<uint64_t>& arrived_;
  size_t window_;
  uint64_t written_off_ = 0;  // everything sent before a stall counts as arrived
};

// A few senders, each on its own thread, send back to back (within the window).
SendTotals send_unpaced(const Load& load, Tally& tally, const SendFn& send) {
  const size_t count = load.sender_count();
  std::vector<SendTotals> per_sender(count);
  std::vector<std::thread> threads;
  const uint64_t end = clock::now_ns() + static_cast<uint64_t>(load.seconds * 1e9);
  for (size_t s = 0; s < count; ++s) {
    threads.emplace_back([&, s] {
      const size_t participant = load.sender_participant(s);
      DatagramMaker maker(static_cast<uint32_t>(participant), load.datagram_size);
      Window window(tally.arrived[participant], load.window);
      SendTotals& totals = per_sender[s];
      while (window.wait(totals.sent + totals.refused, end, totals)) {
        const uint64_t now = clock::now_ns();
        totals.count(send(participant, maker.make()), now);
      }
    });
  }
  SendTotals totals;
  for (size_t s = 0; s < count; ++s) {
    threads[s].join();
    totals.sent += per_sender[s].sent;
    totals.refused += per_sender[s].refused;
    totals.stalls += per_sender[s].stalls;
    totals.call_ns.insert(totals.call_ns.end(), per_sender[s].call_ns.begin(), per_sender[s].call_ns.end());
  }
  return totals;
}

struct Outcome {
  SendTotals send;
  uint64_t delivered = 0;
  double send_seconds = 0;
  uint64_t process_cpu_ns = 0;
  std::optional<uint64_t> forwarder_cpu_ns;
  double window_seconds = 0;  // sending plus drain, the CPU window
  std::vector<uint64_t> latencies_ns;
  // Relay only: connect() to joined, split at the end of the QUIC/TLS handshake.
  std::vector<uint64_t> connect_ns, quic_ns, offer_ns;
  // Relay only: datagrams the relay handed to its connections (a TrunkFrame is one), and of them
  // the TrunkFrames, with the media packets they carried.
  uint64_t relay_datagrams_out = 0, trunk_frames = 0, trunk_packets = 0;
  std::string notes;
};

// Runs the load, waits for the forwarded datagrams to stop arriving (bounded),
// and fills the rate and CPU figures of `out`.
void measure(const Load& load, Tally& tally, std::optional<pid_t> forwarder_tid, const SendFn& send,
             Outcome& out) {
  const uint64_t cpu0 = process_cpu_ns();
  const auto fwd0 = thread_cpu_ns(forwarder_tid);
  const uint64_t t0 = clock::now_ns();
  tally.recording.store(true);
  out.send = load.unpaced ? send_unpaced(load, tally, send) : send_paced(load, send);
  const uint64_t t1 = clock::now_ns();
  // Drain: done once nothing arrived for 200 ms; never longer than 2 s.
  uint64_t last = tally.delivered.load();
  uint64_t quiet_since = clock::now_ns();
  while (clock::now_ns() - t1 < 2'000'000'000 && clock::now_ns() - quiet_since < 200'000'000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    uint64_t now_delivered = tally.delivered.load();
    if (now_delivered != last) {
      last = now_delivered;
      quiet_since = clock::now_ns();
    }
  }
  tally.recording.store(false);
  const uint64_t t2 = clock::now_ns();
  out.process_cpu_ns = process_cpu_ns() - cpu0;
  const auto fwd1 = thread_cpu_ns(forwarder_tid);
  if (fwd0 && fwd1) out.forwarder_cpu_ns = *fwd1 - *fwd0;
  out.delivered = tally.delivered.load();
  out.send_seconds = static_cast<double>(t1 - t0) / 1e9;
  out.window_seconds = static_cast<double>(t2 - t0) / 1e9;
}

// ---------------------------------------------------------------------------
// wzp relay

struct RelayParticipant {
  RelayParticipant(Tally& tally, size_t self) : recorder(tally, self) {}
  Recorder recorder;
  uint64_t connect_ns = 0;
  std::atomic<uint64_t> quic_ready_ns{0};  // QUIC + TLS done, CallOffer queued
  std::atomic<uint64_t> joined_ns{0};
  // Last, so it is destroyed first: its loop thread calls into the fields above.
  std::unique_ptr<client::Client> client;
};

std::optional<Outcome> run_relay(const Load& load) {
  const auto threads_before = thread_ids();
  relay::RelayConfig config;
  config.listen_host = kLoopback;
  config.listen_port = 0;
  config.max_sessions = load.participants() + 4;
  if (load.initial_rtt_ms) config.transport.initial_rtt_ms = *load.initial_rtt_ms;
  // Unpaced senders go far beyond a voice stream's rate on purpose: the
  // per-sender policing would measure itself, so it is off there. Paced
  // (voice-like) runs keep the default policing, which admits them whole.
  if (load.unpaced) config.sender_rate = {0, 0, 0};
  config.trunking = load.trunking;
  auto relay = relay::RelayServer::start(std::move(config), nullptr);
  if (!relay) {
    std::fprintf(stderr, "relay: %s\n", relay.error().message.c_str());
    return std::nullopt;
  }
  std::optional<pid_t> loop_tid;
  std::vector<pid_t> added;
  std::ranges::set_difference(thread_ids(), threads_before, std::back_inserter(added));
  if (added.size() == 1) loop_tid = added.front();

  Tally tally(load);
  std::vector<std::unique_ptr<RelayParticipant>> participants;
  for (size_t i = 0; i < load.participants(); ++i) {
    auto p = std::make_unique<RelayParticipant>(tally, i);
    client::ClientConfig cc;
    cc.relay_host = kLoopback;
    cc.relay_port = (*relay)->port();
    cc.sni = room_sni(load.room_of(i));
    cc.pin_certificate_sha256 = (*relay)->certificate_sha256();
    if (load.initial_rtt_ms) cc.transport.initial_rtt_ms = *load.initial_rtt_ms;
    RelayParticipant* self = p.get();
    auto created = client::Client::create(std::move(cc), [self](client::ClientEvent event) {
      if (event.type == client::ClientEventType::media) {
        self->recorder.record(event.data);
      } else if (event.type == client::ClientEventType::joined) {
        self->joined_ns.store(clock::now_ns());
      } else if (event.type == client::ClientEventType::state &&
                 event.state == client::ClientState::handshaking) {
        self->quic_ready_ns.store(clock::now_ns());
      }
    });
    if (!created) {
      std::fprintf(stderr, "client: %s\n", created.error().message.c_str());
      return std::nullopt;
    }
    p->client = std::move(*created);
    participants.push_back(std::move(p));
  }

  // The joined event may reach the sink just after wait_joined() returns.
  auto join = [](RelayParticipant& p) -> bool {
    if (auto st = p.client->wait_joined(10'000); !st) {
      std::fprintf(stderr, "join: %s\n", st.error().message.c_str());
      return false;
    }
    while (p.joined_ns.load() == 0) std::this_thread::yield();
    return true;
  };
  auto connect = [](RelayParticipant& p) -> bool {
    p.connect_ns = clock::now_ns();
    if (auto st = p.client->connect(); !st) {
      std::fprintf(stderr, "connect: %s\n", st.error().message.c_str());
      return false;
    }
    return true;
  };
  for (auto& p : participants) {
    if (!connect(*p)) return std::nullopt;
    if (!load.burst_connect && !join(*p)) return std::nullopt;
  }
  if (load.burst_connect) {
    for (auto& p : participants) {
      if (!join(*p)) return std::nullopt;
    }
  }

  Outcome out;
  for (auto& p : participants) {
    out.connect_ns.push_back(p->joined_ns.load() - p->connect_ns);
    out.quic_ns.push_back(p->quic_ready_ns.load() - p->connect_ns);
    out.offer_ns.push_back(p->joined_ns.load() - p->quic_ready_ns.load());
  }
  auto client_totals = [&] {
    transport::ConnectionStats sum;
    for (auto& p : participants) {
      auto stats = p->client->stats();
      sum.packets_received += stats.packets_received;
      sum.datagrams_received += stats.datagrams_received;
      sum.packets_sent += stats.packets_sent;
      sum.datagrams_sent += stats.datagrams_sent;
      sum.datagrams_lost += stats.datagrams_lost;
      sum.datagrams_dropped += stats.datagrams_dropped;
    }
    return sum;
  };
  const transport::ConnectionStats clients0 = client_totals();
  const auto& counters = (*relay)->counters();
  const uint64_t received0 = counters.datagrams_received.load();
  const uint64_t forwarded0 = counters.datagrams_forwarded.load();
  const uint64_t dropped0 = counters.datagrams_dropped.load();
  const uint64_t frames0 = counters.trunk_frames_sent.load();
  const uint64_t batched0 = counters.trunk_packets_batched.load();
  measure(
      load, tally, loop_tid,
      [&](size_t i, ByteView datagram) { return participants[i]->client->send_media(datagram).ok(); }, out);

  const transport::ConnectionStats clients1 = client_totals();
  out.trunk_frames = counters.trunk_frames_sent.load() - frames0;
  out.trunk_packets = counters.trunk_packets_batched.load() - batched0;
  // Plain datagrams forwarded, plus the frames that carried the batched packets.
  out.relay_datagrams_out =
      counters.datagrams_forwarded.load() - forwarded0 - out.trunk_packets + out.trunk_frames;
  auto per_packet = [](uint64_t datagrams, uint64_t packets) {
    char text[16];
    std::snprintf(text, sizeof text, "%.2f", packets == 0 ? 0.0 : double(datagrams) / double(packets));
    return std::string(text);
  };
  out.notes = "relay counters: received " + std::to_string(counters.datagrams_received.load() - received0) +
              ", forwarded " + std::to_string(counters.datagrams_forwarded.load() - forwarded0) +
              ", dropped " + std::to_string(counters.datagrams_dropped.load() - dropped0) +
              "\n  clients (QUIC): datagrams per UDP packet sent " +
              per_packet(clients1.datagrams_sent - clients0.datagrams_sent,
                         clients1.packets_sent - clients0.packets_sent) +
              ", received " +
              per_packet(clients1.datagrams_received - clients0.datagrams_received,
                         clients1.packets_received - clients0.packets_received) +
              "; datagrams lost " + std::to_string(clients1.datagrams_lost - clients0.datagrams_lost) +
              ", dropped before sending " +
              std::to_string(clients1.datagrams_dropped - clients0.datagrams_dropped) +
              (loop_tid ? "" : "; relay loop thread not identified") +
              (load.trunking ? "\n  trunking: " + std::to_string(out.trunk_frames) + " TrunkFrames carried " +
                                   std::to_string(out.trunk_packets) + " media packets (" +
                                   per_packet(out.trunk_packets, out.trunk_frames) + " per frame)"
                             : "");

  for (auto& p : participants) p->client.reset();  // joins the client threads
  (*relay)->stop();
  for (auto& p : participants) {
    const auto& l = p->recorder.latencies_ns();
    out.latencies_ns.insert(out.latencies_ns.end(), l.begin(), l.end());
  }
  return out;
}

// ---------------------------------------------------------------------------
// Baseline: plain UDP

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::optional<Fd> bind_loopback_udp() {
  Fd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return std::nullopt;
  int size = kSocketBufferBytes;
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return std::nullopt;
  return fd;
}

sockaddr_in local_address(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return addr;
}

/// Receive buffers for one recvmmsg call.
struct ReceiveBatch {
  ReceiveBatch(const ReceiveBatch&) = delete;  // the headers point into the object
  ReceiveBatch& operator=(const ReceiveBatch&) = delete;
  ReceiveBatch() : buffer(kBatch * 2048) {
    for (size_t i = 0; i < kBatch; ++i) {
      iov[i] = {buffer.data() + i * 2048, 2048};
      headers[i] = {};
      headers[i].msg_hdr.msg_iov = &iov[i];
      headers[i].msg_hdr.msg_iovlen = 1;
      headers[i].msg_hdr.msg_name = &from[i];
    }
  }
  // Returns how many datagrams arrived (0 if none).
  size_t receive(int fd) {
    for (size_t i = 0; i < kBatch; ++i) headers[i].msg_hdr.msg_namelen = sizeof from[i];
    int n = recvmmsg(fd, headers, kBatch, MSG_DONTWAIT, nullptr);
    return n > 0 ? static_cast<size_t>(n) : 0;
  }
  ByteView data(size_t i) const { return {static_cast<const uint8_t*>(iov[i].iov_base), headers[i].msg_len}; }

  Bytes buffer;
  iovec iov[kBatch];
  mmsghdr headers[kBatch];
  sockaddr_in from[kBatch];
};

/// One thread, one socket: every datagram from a member goes to the other
/// members of its room, all the fan-out of one receive batch in sendmmsg calls.
class UdpForwarder {
 public:
  explicit UdpForwarder(Fd socket) : socket_(std::move(socket)) {}
  ~UdpForwarder() { stop(); }

  void add_member(size_t room, const sockaddr_in& address) {
    if (rooms_.size() <= room) rooms_.resize(room + 1);
    member_room_[address.sin_port] = room;
    rooms_[room].push_back(address);
  }
  void start() {
    thread_ = std::thread([this] { run(); });
    while (tid_.load() == 0) std::this_thread::yield();
  }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  pid_t tid() const { return tid_.load(); }
  uint64_t received() const { return received_.load(); }
  uint64_t forwarded() const { return forwarded_.load(); }

 private:
  void run() {
    tid_.store(gettid());
    ReceiveBatch rx;
    std::vector<mmsghdr> tx;
    std::vector<iovec> tx_iov;
    tx.reserve(kBatch * 16);
    tx_iov.reserve(kBatch * 16);
    pollfd pfd{socket_.get(), POLLIN, 0};
    while (!stop_.load(std::memory_order_relaxed)) {
      if (poll(&pfd, 1, 50) <= 0) continue;
      for (size_t n; (n = rx.receive(socket_.get())) > 0;) {
        received_.fetch_add(n, std::memory_order_relaxed);
        tx.clear();
        tx_iov.clear();
        for (size_t i = 0; i < n; ++i) {
          auto it = member_room_.find(rx.from[i].sin_port);
          if (it == member_room_.end()) continue;
          for (auto& member : rooms_[it->second]) {
            if (member.sin_port == rx.from[i].sin_port) continue;
            tx_iov.push_back({rx.iov[i].iov_base, rx.headers[i].msg_len});
            mmsghdr h{};
            h.msg_hdr.msg_name = &member;
            h.msg_hdr.msg_namelen = sizeof member;
            tx.push_back(h);
          }
        }
        for (size_t i = 0; i < tx.size(); ++i) {  // tx_iov no longer grows: pointers are stable
          tx[i].msg_hdr.msg_iov = &tx_iov[i];
          tx[i].msg_hdr.msg_iovlen = 1;
        }
        send_all(tx);
        if (n < kBatch) break;
      }
    }
  }
  void send_all(std::vector<mmsghdr>& tx) {
    size_t offset = 0;
    while (offset < tx.size()) {
      int r = sendmmsg(socket_.get(), tx.data() + offset, static_cast<unsigned>(tx.size() - offset), 0);
      if (r > 0) {
        offset += static_cast<size_t>(r);
        forwarded_.fetch_add(static_cast<uint64_t>(r), std::memory_order_relaxed);
      } else if (r < 0 && errno == EINTR) {
        continue;
      } else {
        ++offset;  // refused: skip it, as the relay does
      }
    }
  }

  Fd socket_;
  std::unordered_map<in_port_t, size_t> member_room_;
  std::vector<std::vector<sockaddr_in>> rooms_;
  std::atomic<bool> stop_{false};
  std::atomic<pid_t> tid_{0};
  std::atomic<uint64_t> received_{0}, forwarded_{0};
  std::thread thread_;
};

std::optional<Outcome> run_baseline(const Load& load) {
  auto forwarder_socket = bind_loopback_udp();
  if (!forwarder_socket) {
    std::perror("baseline forwarder socket");
    return std::nullopt;
  }
  const sockaddr_in forwarder_address = local_address(forwarder_socket->get());
  UdpForwarder forwarder(std::move(*forwarder_socket));

  Tally tally(load);
  std::vector<Fd> sockets;
  std::vector<std::unique_ptr<Recorder>> recorders;
  for (size_t i = 0; i < load.participants(); ++i) {
    auto fd = bind_loopback_udp();
    if (!fd || ::connect(fd->get(), reinterpret_cast<const sockaddr*>(&forwarder_address),
                         sizeof forwarder_address)) {
      std::perror("baseline participant socket");
      return std::nullopt;
    }
    forwarder.add_member(load.room_of(i), local_address(fd->get()));
    sockets.push_back(std::move(*fd));
    recorders.push_back(std::make_unique<Recorder>(tally, i));
  }
  forwarder.start();

  // One receiving thread per participant, as every wzp Client has its own loop
  // thread: the forwarder's sends then wake as many threads in both runs.
  std::atomic<bool> stop_receiving{false};
  std::vector<std::thread> receivers;
  for (size_t i = 0; i < load.participants(); ++i) {
    receivers.emplace_back([&, i] {
      ReceiveBatch rx;
      pollfd pfd{sockets[i].get(), POLLIN, 0};
      while (!stop_receiving.load(std::memory_order_relaxed)) {
        if (poll(&pfd, 1, 50) <= 0) continue;
        for (size_t got; (got = rx.receive(sockets[i].get())) > 0;) {
          for (size_t k = 0; k < got; ++k) recorders[i]->record(rx.data(k));
          if (got < kBatch) break;
        }
      }
    });
  }

  Outcome out;
  measure(
      load, tally, forwarder.tid(),
      [&](size_t i, ByteView datagram) {
        return ::send(sockets[i].get(), datagram.data(), datagram.size(), 0) == ssize_t(datagram.size());
      },
      out);
  stop_receiving.store(true);
  for (auto& r : receivers) r.join();
  forwarder.stop();
  out.notes = "forwarder: received " + std::to_string(forwarder.received()) + ", sent " +
              std::to_string(forwarder.forwarded());
  for (const auto& r : recorders) {
    out.latencies_ns.insert(out.latencies_ns.end(), r->latencies_ns().begin(), r->latencies_ns().end());
  }
  return out;
}

// The WZP handshake's own work (CallOffer, answer, accept, JSON both ways) on
// one thread without a network: what connect-to-joined cannot go below.
std::vector<uint64_t> time_handshake_work(size_t iterations) {
  const auto relay_identity = crypto::Identity::from_seed(crypto::Seed::random());
  const auto caller_identity = crypto::Identity::from_seed(crypto::Seed::random());
  std::vector<uint64_t> times;
  for (size_t i = 0; i < iterations; ++i) {
    const uint64_t t0 = clock::now_ns();
    handshake::Caller caller(caller_identity);
    auto offer = wire::decode_json(wire::encode_json(wire::SignalMessage(caller.offer())));
    if (!offer) return {};
    auto answered = handshake::answer_offer(relay_identity, *offer);
    if (!answered) return {};
    auto answer = wire::decode_json(wire::encode_json(wire::SignalMessage(answered->answer)));
    if (!answer || !caller.accept(*answer)) return {};
    times.push_back(clock::now_ns() - t0);
  }
  return times;
}

// ---------------------------------------------------------------------------
// Report

void print_row(const char* label, double relay, double baseline, const char* format) {
  char a[32], b[32], ratio[32] = "-";
  std::snprintf(a, sizeof a, format, relay);
  std::snprintf(b, sizeof b, format, baseline);
  if (std::isfinite(relay) && std::isfinite(baseline) && baseline != 0) {
    std::snprintf(ratio, sizeof ratio, "%.2f", relay / baseline);
  }
  std::printf("  %-34s %14s %14s %10s\n", label, a, b, ratio);
}

void report(const Load& load, Outcome& relay, Outcome& baseline, std::vector<uint64_t>& handshake_work) {
  const uint64_t fanout = load.members - 1;
  auto per_datagram_us = [](uint64_t cpu_ns, uint64_t delivered) {
    return delivered == 0 ? NAN : static_cast<double>(cpu_ns) / 1e3 / static_cast<double>(delivered);
  };
  auto forwarder_us = [&](const Outcome& o) {
    return o.forwarder_cpu_ns ? per_datagram_us(*o.forwarder_cpu_ns, o.delivered) : NAN;
  };
  auto forwarder_share = [](const Outcome& o) {
    return o.forwarder_cpu_ns ? 100.0 * static_cast<double>(*o.forwarder_cpu_ns) / 1e9 / o.window_seconds
                              : NAN;
  };
  auto delivered_share = [&](const Outcome& o) {
    uint64_t expected = o.send.sent * fanout;
    return expected == 0 ? NAN : 100.0 * static_cast<double>(o.delivered) / static_cast<double>(expected);
  };

  std::printf("  %-34s %14s %14s %10s\n", "", "wzp relay", "UDP forwarder", "relay/base");
  print_row("datagrams sent", double(relay.send.sent), double(baseline.send.sent), "%.0f");
  print_row("sends refused", double(relay.send.refused), double(baseline.send.refused), "%.0f");
  print_row("sent/s", relay.send.sent / relay.send_seconds, baseline.send.sent / baseline.send_seconds,
            "%.0f");
  print_row("delivered (datagrams x receivers)", double(relay.delivered), double(baseline.delivered), "%.0f");
  print_row("delivered / expected %", delivered_share(relay), delivered_share(baseline), "%.2f");
  print_row("forwarded datagrams/s (delivered)", relay.delivered / relay.send_seconds,
            baseline.delivered / baseline.send_seconds, "%.0f");
  print_row("process CPU us / forwarded", per_datagram_us(relay.process_cpu_ns, relay.delivered),
            per_datagram_us(baseline.process_cpu_ns, baseline.delivered), "%.2f");
  print_row("forwarder thread CPU us / fwd", forwarder_us(relay), forwarder_us(baseline), "%.2f");
  print_row("forwarder thread CPU %", forwarder_share(relay), forwarder_share(baseline), "%.1f");
  print_row("send call p50 us", percentile(relay.send.call_ns, 0.50) / 1e3,
            percentile(baseline.send.call_ns, 0.50) / 1e3, "%.1f");
  print_row("send call p99 us", percentile(relay.send.call_ns, 0.99) / 1e3,
            percentile(baseline.send.call_ns, 0.99) / 1e3, "%.1f");
  print_row("latency p50 us", percentile(relay.latencies_ns, 0.50) / 1e3,
            percentile(baseline.latencies_ns, 0.50) / 1e3, "%.1f");
  print_row("latency p99 us", percentile(relay.latencies_ns, 0.99) / 1e3,
            percentile(baseline.latencies_ns, 0.99) / 1e3, "%.1f");
  if (load.unpaced) {
    print_row("windows written off (stalls)", double(relay.send.stalls), double(baseline.send.stalls),
              "%.0f");
  } else {
    print_row("sender max lag vs schedule us", relay.send.max_lag_ns / 1e3, baseline.send.max_lag_ns / 1e3,
              "%.0f");
  }
  std::printf("  %s\n  baseline %s\n", relay.notes.c_str(), baseline.notes.c_str());
  std::printf(
      "  connect -> joined over %zu participants (%s); baseline: the handshake work alone, %zu runs\n",
      relay.connect_ns.size(), load.burst_connect ? "all connecting at once" : "one after another",
      handshake_work.size());
  std::printf("  %-34s %14s %14s %10s\n", "", "connect->join", "handshake work", "ratio");
  print_row("p50 ms", percentile(relay.connect_ns, 0.50) / 1e6, percentile(handshake_work, 0.50) / 1e6,
            "%.3f");
  print_row("p99 ms", percentile(relay.connect_ns, 0.99) / 1e6, percentile(handshake_work, 0.99) / 1e6,
            "%.3f");
  std::printf(
      "  of which connect -> client QUIC/TLS done p50 %.3f ms, p99 %.3f ms; then -> joined p50 %.3f ms, p99 "
      "%.3f ms\n",
      percentile(relay.quic_ns, 0.50) / 1e6, percentile(relay.quic_ns, 0.99) / 1e6,
      percentile(relay.offer_ns, 0.50) / 1e6, percentile(relay.offer_ns, 0.99) / 1e6);
}

// Trunked against plain forwarding, both through the wzp relay.
void report_trunking(const Load& load, Outcome& trunked, Outcome& plain) {
  const uint64_t fanout = load.members - 1;
  auto per_packet_us = [](uint64_t cpu_ns, uint64_t delivered) {
    return delivered == 0 ? NAN : static_cast<double>(cpu_ns) / 1e3 / static_cast<double>(delivered);
  };
  auto loop_us = [&](const Outcome& o) {
    return o.forwarder_cpu_ns ? per_packet_us(*o.forwarder_cpu_ns, o.delivered) : NAN;
  };
  auto delivered_share = [&](const Outcome& o) {
    uint64_t expected = o.send.sent * fanout;
    return expected == 0 ? NAN : 100.0 * static_cast<double>(o.delivered) / static_cast<double>(expected);
  };
  std::printf("  %-34s %14s %14s %10s\n", "", "trunked", "plain", "trunk/plain");
  print_row("media packets sent/s", trunked.send.sent / trunked.send_seconds,
            plain.send.sent / plain.send_seconds, "%.0f");
  print_row("relay datagrams out/s", trunked.relay_datagrams_out / trunked.send_seconds,
            plain.relay_datagrams_out / plain.send_seconds, "%.0f");
  print_row("media packets delivered/s", trunked.delivered / trunked.send_seconds,
            plain.delivered / plain.send_seconds, "%.0f");
  print_row("delivered / expected %", delivered_share(trunked), delivered_share(plain), "%.2f");
  print_row(
      "packets per relay datagram",
      trunked.relay_datagrams_out == 0 ? NAN
                                       : double(trunked.delivered) / double(trunked.relay_datagrams_out),
      plain.relay_datagrams_out == 0 ? NAN : double(plain.delivered) / double(plain.relay_datagrams_out),
      "%.2f");
  print_row("process CPU us / delivered", per_packet_us(trunked.process_cpu_ns, trunked.delivered),
            per_packet_us(plain.process_cpu_ns, plain.delivered), "%.2f");
  print_row("relay loop CPU us / delivered", loop_us(trunked), loop_us(plain), "%.2f");
  print_row("latency p50 us", percentile(trunked.latencies_ns, 0.50) / 1e3,
            percentile(plain.latencies_ns, 0.50) / 1e3, "%.1f");
  print_row("latency p99 us", percentile(trunked.latencies_ns, 0.99) / 1e3,
            percentile(plain.latencies_ns, 0.99) / 1e3, "%.1f");
  std::printf("  trunked %s\n  plain %s\n", trunked.notes.c_str(), plain.notes.c_str());
}

// ---------------------------------------------------------------------------
// Command line

void usage() {
  std::printf(
      "usage: bench_relay_forward [--rooms RxP[,RxP...]] [--duration S] [--interval-ms N] [--size BYTES]\n"
      "                           [--unpaced [--senders N] [--window N]] [--burst-connect]\n"
      "                           [--initial-rtt-ms N] [--trunking] [--verbose]\n"
      "  --rooms        room layouts to run, R rooms x P participants (default 4x4,1x10; unpaced 1x4)\n"
      "  --duration     seconds of sending per layout and forwarder (default 5, at most 60)\n"
      "  --interval-ms  paced send interval per participant (default 20)\n"
      "  --size         datagram size in bytes, header included (default 100, at least %zu)\n"
      "  --unpaced      stress: N senders send back to back (default 2), each with at most\n"
      "                 --window datagrams in flight (default 32; 0 = no limit, open loop)\n"
      "  --burst-connect  connect every participant at once (default: one after another)\n"
      "  --initial-rtt-ms QUIC initial RTT estimate of relay and clients (default: the library's)\n"
      "  --trunking     compare the relay's trunked forwarding with its plain forwarding\n"
      "                 (instead of the relay with the UDP forwarder)\n"
      "  --verbose      library log at info level (default: warnings only)\n",
      kMinDatagram);
}

std::optional<std::vector<std::pair<size_t, size_t>>> parse_layouts(const std::string& text) {
  std::vector<std::pair<size_t, size_t>> layouts;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t rooms = 0, members = 0;
    char x = 0;
    if (std::sscanf(item.c_str(), "%zu%c%zu", &rooms, &x, &members) != 3 || x != 'x' || rooms == 0 ||
        members < 2 || rooms * members > kMaxParticipants) {
      return std::nullopt;
    }
    layouts.emplace_back(rooms, members);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return layouts;
}

}  // namespace

int main(int argc, char** argv) {
  Load base;
  std::string layouts_text;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--rooms") {
      layouts_text = value();
    } else if (arg == "--duration") {
      base.seconds = std::atof(value().c_str());
    } else if (arg == "--interval-ms") {
      base.interval_ns = static_cast<uint64_t>(std::atof(value().c_str()) * 1e6);
    } else if (arg == "--size") {
      base.datagram_size = static_cast<size_t>(std::atoi(value().c_str()));
    } else if (arg == "--unpaced") {
      base.unpaced = true;
    } else if (arg == "--senders") {
      base.senders = static_cast<size_t>(std::atoi(value().c_str()));
    } else if (arg == "--window") {
      base.window = static_cast<size_t>(std::atoi(value().c_str()));
    } else if (arg == "--burst-connect") {
      base.burst_connect = true;
    } else if (arg == "--initial-rtt-ms") {
      base.initial_rtt_ms = static_cast<uint64_t>(std::atoi(value().c_str()));
    } else if (arg == "--trunking") {
      base.trunking = true;
    } else if (arg == "--verbose") {
      verbose = true;
    } else {
      usage();
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  if (layouts_text.empty()) layouts_text = base.unpaced ? "1x4" : "4x4,1x10";
  auto layouts = parse_layouts(layouts_text);
  if (!layouts || !(base.seconds > 0 && base.seconds <= kMaxSeconds) || base.interval_ns < 100'000 ||
      base.datagram_size < kMinDatagram || base.datagram_size > 1'150 || base.senders == 0) {
    usage();
    return 2;
  }
  log::set_level(verbose ? log::Level::info : log::Level::warn);

  const std::string initial_rtt =
      base.initial_rtt_ms ? std::to_string(*base.initial_rtt_ms) + " ms" : "library default";
  std::printf("%u CPUs online, load average %s, QUIC initial RTT %s\n", std::thread::hardware_concurrency(),
              load_average().c_str(), initial_rtt.c_str());
  auto handshake_work = time_handshake_work(200);
  if (handshake_work.empty()) {
    std::fprintf(stderr, "handshake work failed\n");
    return 1;
  }
  for (auto [rooms, members] : *layouts) {
    Load load = base;
    load.rooms = rooms;
    load.members = members;
    if (load.unpaced) {
      std::printf(
          "== %zu room(s) x %zu participants, %zu unpaced sender(s), window %zu, %zu-byte datagrams, %.1f s "
          "==\n",
          rooms, members, load.sender_count(), load.window, load.datagram_size, load.seconds);
    } else {
      std::printf(
          "== %zu room(s) x %zu participants, one datagram each per %.1f ms, %zu-byte datagrams, %.1f s ==\n",
          rooms, members, static_cast<double>(load.interval_ns) / 1e6, load.datagram_size, load.seconds);
    }
    std::fflush(stdout);
    if (load.trunking) {
      auto trunked = run_relay(load);
      Load plain_load = load;
      plain_load.trunking = false;
      auto plain = run_relay(plain_load);
      if (!trunked || !plain) return 1;
      report_trunking(load, *trunked, *plain);
      std::printf("  load average after: %s\n\n", load_average().c_str());
      std::fflush(stdout);
      continue;
    }
    auto relay = run_relay(load);
    auto baseline = run_baseline(load);
    if (!relay || !baseline) return 1;
    report(load, *relay, *baseline, handshake_work);
    std::printf("  load average after: %s\n\n", load_average().c_str());
    std::fflush(stdout);
  }
  return 0;
}

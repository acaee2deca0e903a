// UDP send/receive strategies of a bare forwarder, with its own report (not a
// Google Benchmark table). One process, one thread, the same load through
//   (a)  recvfrom / sendto: one datagram per syscall;
//   (b)  recvmmsg / sendmmsg (UdpSocket::receive / send, GSO off), datagrams
//        sent in the natural order: for each received datagram, each other
//        member of its room;
//   (b') the same with the outgoing datagrams of one receive batch grouped by
//        destination (the order (c) needs), GSO still off: the cost of grouping;
//   (c)  (b') with UDP GSO on: a run of equal-size datagrams to one
//        destination is one sendmmsg entry (UDP_SEGMENT).
//
// Load: R rooms x P members, T of them talking. A tick is one 20 ms frame:
// every talker sends one datagram (its own socket -> the forwarder), and the
// forwarder sends each to the P-1 others of its room. The tick's datagrams
// reach the forwarder W at a time (--wakeup; 0 = the whole tick, a busy
// forwarder that finds them all queued; 1 = an idle one woken per datagram):
// it reads until the socket is empty, forwards, and waits for the next W.
//
// Measured: the forwarder's thread CPU time (CLOCK_THREAD_CPUTIME_ID) over its
// read-and-forward phases only (sending the input and draining the receivers
// are outside), and its recv/send syscalls, per forwarded datagram. Every
// receiver is drained after each tick and the datagrams are checked (count,
// sender, size). Strategies run interleaved, --reps times each; the figures
// are the medians.
//
// On loopback the receiving half of every forwarded datagram (IP and UDP
// input, the queueing into the receiver's socket and, with GSO, cutting the
// buffer back into datagrams) runs in the forwarder's thread (softirq on the
// sending CPU), so it is in the figures of every strategy.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "transport/udp_socket.hpp"

namespace {

using namespace wzp;
using transport::OutgoingDatagram;
using transport::SocketAddress;
using transport::UdpReceiveBatch;
using transport::UdpSocket;
using transport::UdpSocketOptions;

constexpr size_t kBatch = 64;  // recvmmsg slots, as the endpoint's
constexpr size_t kMaxParticipants = 256;
constexpr size_t kSlotSize = 2048;

uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one_minute;
  in >> one_minute;
  return one_minute.empty() ? "?" : one_minute;
}

struct Shape {
  std::string name;
  size_t rooms = 1;
  size_t members = 4;
  size_t talkers = 4;     // per room: members 0..talkers-1 talk
  size_t min_size = 160;  // datagram size, uniform in [min_size, max_size]
  size_t max_size = 160;
  size_t wakeup = 0;  // datagrams queued per forwarder wakeup; 0 = the whole tick

  size_t participants() const { return rooms * members; }
  size_t inputs_per_tick() const { return rooms * talkers; }
  size_t outputs_per_tick() const { return rooms * talkers * (members - 1); }
};

enum class Strategy { single, mmsg, mmsg_grouped, gso };
constexpr Strategy kStrategies[] = {Strategy::single, Strategy::mmsg, Strategy::mmsg_grouped, Strategy::gso};
const char* strategy_name(Strategy s) {
  switch (s) {
    case Strategy::single: return "(a)  recvfrom/sendto";
    case Strategy::mmsg: return "(b)  recvmmsg/sendmmsg";
    case Strategy::mmsg_grouped: return "(b') + grouped by dest.";
    case Strategy::gso: return "(c)  + GSO";
  }
  return "?";
}

struct Sample {
  uint64_t cpu_ns = 0;
  uint64_t forwarded = 0;
  uint64_t recv_calls = 0;
  uint64_t send_calls = 0;
  uint64_t gso_batches = 0;
  uint64_t gso_segments = 0;
  uint64_t lost = 0;     // forwarded but not received
  uint64_t corrupt = 0;  // received with the wrong sender or size
};

class Bench {
 public:
  explicit Bench(const Shape& shape) : shape_(shape), batch_(kBatch, kSlotSize), drain_(kBatch, kSlotSize) {}

  bool setup() {
    auto forwarder = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
    if (!forwarder.ok()) return fail(forwarder.error().message);
    forwarder_ = std::move(*forwarder);
    gso_available_ = forwarder_.gso_enabled();
    for (size_t p = 0; p < shape_.participants(); ++p) {
      auto socket = UdpSocket::bind(SocketAddress::ipv4_loopback(0));
      if (!socket.ok()) return fail(socket.error().message);
      addresses_.push_back(socket->local_address());
      by_port_[socket->local_address().port()] = static_cast<int>(p);
      participants_.push_back(std::move(*socket));
    }
    room_inputs_.resize(shape_.rooms);
    payloads_.assign(shape_.participants(), Bytes(shape_.max_size, 0));
    sizes_.assign(shape_.participants(), 0);
    expected_.assign(shape_.participants(), 0);
    received_.assign(shape_.participants(), 0);
    return true;
  }
  bool gso_available() const { return gso_available_; }

  Sample run(Strategy strategy, size_t ticks) {
    Sample sample;
    forwarder_.set_gso(strategy == Strategy::gso);
    for (size_t t = 0; t < ticks; ++t) {
      make_tick();
      const size_t inputs = shape_.inputs_per_tick();
      const size_t wakeup = shape_.wakeup == 0 ? inputs : shape_.wakeup;
      size_t next = 0;
      while (next < inputs) {
        const size_t end = std::min(inputs, next + wakeup);
        for (; next < end; ++next) send_input(talker(next));
        const auto counters0 = forwarder_.send_counters();
        const uint64_t cpu0 = thread_cpu_ns();
        forward(strategy, sample);
        sample.cpu_ns += thread_cpu_ns() - cpu0;
        const auto& counters1 = forwarder_.send_counters();
        sample.send_calls += counters1.syscalls - counters0.syscalls;
        sample.gso_batches += counters1.gso_batches - counters0.gso_batches;
        sample.gso_segments += counters1.gso_segments - counters0.gso_segments;
      }
      drain_and_check(sample);
    }
    return sample;
  }

 private:
  bool fail(const std::string& message) {
    std::fprintf(stderr, "setup: %s\n", message.c_str());
    return false;
  }

  size_t room_of(size_t participant) const { return participant / shape_.members; }
  // The i-th talker of the tick: room by room, so that W at a time spreads over rooms like arrivals would.
  size_t talker(size_t i) const { return (i % shape_.rooms) * shape_.members + i / shape_.rooms; }

  void make_tick() {
    std::uniform_int_distribution<size_t> size(shape_.min_size, shape_.max_size);
    for (size_t i = 0; i < shape_.inputs_per_tick(); ++i) {
      const size_t p = talker(i);
      sizes_[p] = size(rng_);
      Bytes& payload = payloads_[p];
      store_be32(payload.data(), static_cast<uint32_t>(p));
      store_be32(payload.data() + 4, static_cast<uint32_t>(tick_));
      for (size_t r = room_of(p) * shape_.members; r < (room_of(p) + 1) * shape_.members; ++r) {
        if (r != p) ++expected_[r];
      }
    }
    ++tick_;
  }

  void send_input(size_t p) {
    const SocketAddress& to = forwarder_.local_address();
    while (::sendto(participants_[p].fd(), payloads_[p].data(), sizes_[p], 0, to.data(), to.length()) < 0 &&
           errno == EINTR) {
    }
  }

  // Reads until the socket is empty and forwards everything.
  void forward(Strategy strategy, Sample& sample) {
    if (strategy == Strategy::single) {
      forward_single(sample);
      return;
    }
    const bool grouped = strategy != Strategy::mmsg;
    for (;;) {
      ++sample.recv_calls;
      auto n = forwarder_.receive(batch_);
      if (!n.ok() || *n == 0) return;
      out_.clear();
      if (grouped) {
        touched_.clear();
        for (size_t i = 0; i < *n; ++i) {
          const int p = by_port_[batch_.sender(i).port()];
          if (p < 0 || batch_.truncated(i)) continue;
          auto& list = room_inputs_[room_of(static_cast<size_t>(p))];
          if (list.empty()) touched_.push_back(room_of(static_cast<size_t>(p)));
          list.push_back({static_cast<uint16_t>(i), static_cast<uint16_t>(p)});
        }
        for (size_t room : touched_) {
          auto& list = room_inputs_[room];
          for (size_t m = room * shape_.members; m < (room + 1) * shape_.members; ++m) {
            for (const auto& [index, sender] : list) {
              if (sender != m) out_.push_back({&addresses_[m], batch_.data(index)});
            }
          }
          list.clear();
        }
      } else {
        for (size_t i = 0; i < *n; ++i) {
          const int p = by_port_[batch_.sender(i).port()];
          if (p < 0 || batch_.truncated(i)) continue;
          const size_t room = room_of(static_cast<size_t>(p));
          for (size_t m = room * shape_.members; m < (room + 1) * shape_.members; ++m) {
            if (m != static_cast<size_t>(p)) out_.push_back({&addresses_[m], batch_.data(i)});
          }
        }
      }
      sample.forwarded += forwarder_.send(out_);
    }
  }

  void forward_single(Sample& sample) {
    uint8_t buffer[kSlotSize];
    for (;;) {
      sockaddr_in from{};
      socklen_t from_length = sizeof from;
      ++sample.recv_calls;
      ssize_t n = ::recvfrom(forwarder_.fd(), buffer, sizeof buffer, MSG_DONTWAIT,
                             reinterpret_cast<sockaddr*>(&from), &from_length);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // EAGAIN: empty
      }
      const int p = by_port_[ntohs(from.sin_port)];
      if (p < 0) continue;
      const size_t room = room_of(static_cast<size_t>(p));
      for (size_t m = room * shape_.members; m < (room + 1) * shape_.members; ++m) {
        if (m == static_cast<size_t>(p)) continue;
        ++sample.send_calls;
        if (::sendto(forwarder_.fd(), buffer, static_cast<size_t>(n), 0, addresses_[m].data(),
                     addresses_[m].length()) >= 0) {
          ++sample.forwarded;
        }
      }
    }
  }

  void drain_and_check(Sample& sample) {
    for (size_t r = 0; r < participants_.size(); ++r) {
      for (;;) {
        auto n = participants_[r].receive(drain_);
        if (!n.ok() || *n == 0) break;
        for (size_t i = 0; i < *n; ++i) {
          ByteView data = drain_.data(i);
          const uint32_t sender = data.size() >= 8 ? load_be32(data.data()) : UINT32_MAX;
          const bool ok = sender < sizes_.size() && room_of(sender) == room_of(r) && sender != r &&
                          data.size() == sizes_[sender] && load_be32(data.data() + 4) == tick_ - 1;
          if (!ok) ++sample.corrupt;
          ++received_[r];
        }
      }
      if (received_[r] < expected_[r]) sample.lost += expected_[r] - received_[r];
      received_[r] = expected_[r] = 0;
    }
  }

  Shape shape_;
  UdpSocket forwarder_;
  bool gso_available_ = false;
  std::vector<UdpSocket> participants_;
  std::vector<SocketAddress> addresses_;
  std::vector<int> by_port_ = std::vector<int>(65536, -1);
  UdpReceiveBatch batch_;
  UdpReceiveBatch drain_;
  std::vector<OutgoingDatagram> out_;
  std::vector<std::vector<std::pair<uint16_t, uint16_t>>> room_inputs_;  // (batch index, sender)
  std::vector<size_t> touched_;
  std::vector<Bytes> payloads_;
  std::vector<size_t> sizes_;
  std::vector<uint64_t> expected_, received_;
  uint64_t tick_ = 0;
  std::mt19937_64 rng_{42};
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n == 0 ? 0 : (n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2);
}

struct Figures {
  double ns_per_datagram = 0;  // median over the reps
  double syscalls_per_datagram = 0;
  double avg_run = 0;    // datagrams per GSO send
  double coalesced = 0;  // share of the datagrams sent in GSO runs
  uint64_t forwarded = 0, lost = 0, corrupt = 0;
};

bool run_shape(const Shape& shape, size_t target, size_t reps, std::string* markdown) {
  Bench bench(shape);
  if (!bench.setup()) return false;
  const size_t ticks =
      std::max<size_t>(1, (target + shape.outputs_per_tick() - 1) / shape.outputs_per_tick());
  char sizes[64];
  if (shape.max_size != shape.min_size) {
    std::snprintf(sizes, sizeof sizes, "%zu-%zu", shape.min_size, shape.max_size);
  } else {
    std::snprintf(sizes, sizeof sizes, "%zu", shape.min_size);
  }
  char arrivals[64];
  if (shape.wakeup == 0) {
    std::snprintf(arrivals, sizeof arrivals, "the whole tick per wakeup");
  } else {
    std::snprintf(arrivals, sizeof arrivals, "%zu datagram(s) per wakeup", shape.wakeup);
  }
  std::printf(
      "== %s: %zu room(s) x %zu members, %zu talking, %s-byte datagrams, %s; %zu ticks x %zu reps ==\n",
      shape.name.c_str(), shape.rooms, shape.members, shape.talkers, sizes, arrivals, ticks, reps);
  // Warm-up: page in the buffers, settle the socket memory.
  for (Strategy s : kStrategies) bench.run(s, std::max<size_t>(1, ticks / 10));

  std::vector<std::vector<double>> ns(4), calls(4);
  std::vector<Sample> totals(4);
  for (size_t rep = 0; rep < reps; ++rep) {
    for (size_t k = 0; k < 4; ++k) {
      const Strategy s = kStrategies[(k + rep) % 4];  // rotate the order between reps
      const size_t index = static_cast<size_t>(s);
      Sample sample = bench.run(s, ticks);
      if (sample.forwarded == 0) continue;
      ns[index].push_back(static_cast<double>(sample.cpu_ns) / static_cast<double>(sample.forwarded));
      calls[index].push_back(static_cast<double>(sample.recv_calls + sample.send_calls) /
                             static_cast<double>(sample.forwarded));
      Sample& t = totals[index];
      t.forwarded += sample.forwarded;
      t.lost += sample.lost;
      t.corrupt += sample.corrupt;
      t.gso_batches += sample.gso_batches;
      t.gso_segments += sample.gso_segments;
    }
  }
  Figures f[4];
  for (size_t i = 0; i < 4; ++i) {
    f[i].ns_per_datagram = median(ns[i]);
    f[i].syscalls_per_datagram = median(calls[i]);
    f[i].forwarded = totals[i].forwarded;
    f[i].lost = totals[i].lost;
    f[i].corrupt = totals[i].corrupt;
    f[i].avg_run = totals[i].gso_batches ? static_cast<double>(totals[i].gso_segments) /
                                               static_cast<double>(totals[i].gso_batches)
                                         : 0;
    f[i].coalesced = totals[i].forwarded ? static_cast<double>(totals[i].gso_segments) /
                                               static_cast<double>(totals[i].forwarded)
                                         : 0;
  }
  std::printf("  %-24s %12s %10s %12s %10s %10s %9s\n", "strategy", "CPU ns/dgram", "vs (a)",
              "syscalls/dgram", "vs (a)", "in GSO", "avg run");
  for (size_t i = 0; i < 4; ++i) {
    std::printf("  %-24s %12.0f %9.2fx %14.3f %9.2fx %9.0f%% %9.1f\n", strategy_name(kStrategies[i]),
                f[i].ns_per_datagram, f[i].ns_per_datagram / f[0].ns_per_datagram, f[i].syscalls_per_datagram,
                f[i].syscalls_per_datagram / f[0].syscalls_per_datagram, 100 * f[i].coalesced, f[i].avg_run);
  }
  uint64_t lost = 0, corrupt = 0;
  for (const auto& x : f) {
    lost += x.lost;
    corrupt += x.corrupt;
  }
  if (!bench.gso_available())
    std::printf("  (no GSO: WZP_UDP_GSO=0 or the kernel lacks it; (c) ran without it)\n");
  std::printf(
      "  checked: %llu datagrams forwarded per strategy and rep, %llu lost, %llu wrong; load average %s\n\n",
      static_cast<unsigned long long>(f[0].forwarded / reps), static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(corrupt), load_average().c_str());
  std::fflush(stdout);
  if (markdown != nullptr) {
    char line[512];
    for (size_t i = 0; i < 4; ++i) {
      std::snprintf(line, sizeof line, "| %s | %s | %.0f | %.2fx | %.3f | %.2fx | %.0f%% | %.1f |\n",
                    i == 0 ? shape.name.c_str() : "", strategy_name(kStrategies[i]), f[i].ns_per_datagram,
                    f[i].ns_per_datagram / f[0].ns_per_datagram, f[i].syscalls_per_datagram,
                    f[i].syscalls_per_datagram / f[0].syscalls_per_datagram, 100 * f[i].coalesced,
                    f[i].avg_run);
      *markdown += line;
    }
  }
  return lost == 0 && corrupt == 0;
}

std::vector<Shape> default_shapes() {
  std::vector<Shape> shapes;
  auto add = [&](std::string name, size_t rooms, size_t members, size_t talkers, size_t min_size,
                 size_t max_size, size_t wakeup) {
    shapes.push_back({std::move(name), rooms, members, talkers, min_size, max_size, wakeup});
  };
  add("rooms of 4, CBR", 16, 4, 4, 160, 160, 0);
  add("rooms of 8, CBR", 8, 8, 8, 160, 160, 0);
  add("room of 50, CBR", 1, 50, 50, 160, 160, 0);
  add("room of 50, 3 talk", 1, 50, 3, 160, 160, 0);
  add("rooms of 4, VBR", 16, 4, 4, 100, 200, 0);
  add("rooms of 8, VBR", 8, 8, 8, 100, 200, 0);
  add("room of 50, VBR", 1, 50, 50, 100, 200, 0);
  add("rooms of 8, CBR, idle", 8, 8, 8, 160, 160, 1);
  return shapes;
}

void usage() {
  std::printf(
      "usage: bench_udp_batching [--datagrams N] [--reps N] [--only SUBSTRING] [--markdown]\n"
      "  --datagrams  forwarded datagrams per strategy and rep (default 40000)\n"
      "  --reps       repetitions per strategy, interleaved; medians reported (default 5)\n"
      "  --only       run the shapes whose name contains SUBSTRING\n"
      "  --markdown   also print the table as Markdown at the end\n"
      "Shapes: rooms of 4, 8 and 50 members, every datagram to every other member;\n"
      "CBR = every datagram 160 bytes, VBR = 100-200 bytes; 'idle' = the forwarder is\n"
      "woken per datagram instead of finding the whole 20 ms tick queued.\n");
}

}  // namespace

int main(int argc, char** argv) {
  size_t target = 40'000;
  size_t reps = 5;
  std::string only;
  bool markdown = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--datagrams") {
      target = static_cast<size_t>(std::atol(value().c_str()));
    } else if (arg == "--reps") {
      reps = static_cast<size_t>(std::atol(value().c_str()));
    } else if (arg == "--only") {
      only = value();
    } else if (arg == "--markdown") {
      markdown = true;
    } else {
      usage();
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  if (target == 0 || target > 10'000'000 || reps == 0 || reps > 100) {
    usage();
    return 2;
  }
  std::printf("bench_udp_batching: a bare forwarder on 127.0.0.1, one thread; load average %s\n\n",
              load_average().c_str());
  std::string table =
      "| shape | strategy | CPU ns/datagram | vs (a) | syscalls/datagram | vs (a) | sent in GSO runs | avg "
      "run |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|\n";
  bool ok = true;
  for (const Shape& shape : default_shapes()) {
    if (!only.empty() && shape.name.find(only) == std::string::npos) continue;
    if (shape.participants() > kMaxParticipants) continue;
    ok = run_shape(shape, target, reps, &table) && ok;
  }
  if (markdown) std::printf("%s", table.c_str());
  if (!ok) {
    std::fprintf(stderr, "bench_udp_batching: datagrams were lost or wrong\n");
    return 1;
  }
  return 0;
}

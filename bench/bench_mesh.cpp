// Relay mesh benchmarks (Google Benchmark):
//   - join to remote lookup: a client joins relay A; the time until relay B's presence
//     lookup answers it at A's address, through A's change-triggered gossip (debounce
//     200 ms, the default) and with no debounce (the floor: QUIC on loopback plus the
//     registry), both with mesh authentication as deployed;
//   - gossip volume at 10 000 users: the encoded PresenceUpdate a relay sends (bytes per
//     message, per peer link per minute at the reference's cadence of one every 10 s plus
//     the answer) and its encoding time, against nlohmann::json building the same text.
// Everything stays on 127.0.0.1; every wait is bounded.
#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "client/client.hpp"
#include "core/log.hpp"
#include "crypto/fingerprint.hpp"
#include "crypto/identity.hpp"
#include "crypto/seed.hpp"
#include "relay/relay_server.hpp"
#include "wire/signal_message.hpp"

namespace {

using namespace wzp;
using Clock = std::chrono::steady_clock;

crypto::Identity identity_from(uint8_t fill) {
  auto seed = crypto::Seed::from_bytes(Bytes(crypto::Seed::kSize, fill));
  return crypto::Identity::from_seed(*seed);
}

template <class Predicate>
bool wait_until(Predicate predicate, std::chrono::seconds limit = std::chrono::seconds(20)) {
  auto deadline = Clock::now() + limit;
  while (!predicate()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  return true;
}

// Two relays, each probing and listing the other.
struct Pair {
  std::unique_ptr<relay::RelayServer> a, b;
};

uint16_t free_port() {
  // Binding port 0 through a relay that is stopped at once would cost a QUIC endpoint;
  // a plain UDP socket is enough.
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::optional<Pair> start_pair(uint32_t debounce_ms) {
  uint16_t pa = free_port(), pb = free_port();
  auto config = [&](uint8_t self, uint16_t port, uint8_t other, uint16_t other_port) {
    relay::RelayConfig c;
    c.listen_host = "127.0.0.1";
    c.listen_port = port;
    c.identity = identity_from(self);
    c.probe_targets = {"127.0.0.1:" + std::to_string(other_port)};
    c.mesh_peers = {identity_from(other).fingerprint().to_display()};
    c.gossip_debounce_ms = debounce_ms;
    return c;
  };
  auto a = relay::RelayServer::start(config(0xA1, pa, 0xB2, pb), nullptr);
  auto b = relay::RelayServer::start(config(0xB2, pb, 0xA1, pa), nullptr);
  if (!a || !b) return std::nullopt;
  Pair pair{std::move(*a), std::move(*b)};
  if (!wait_until([&] { return pair.a->probe_peers().size() == 1 && pair.b->probe_peers().size() == 1; }))
    return std::nullopt;
  return pair;
}

void BM_JoinToRemoteLookup(benchmark::State& state) {
  log::set_level(log::Level::warn);
  auto pair = start_pair(static_cast<uint32_t>(state.range(0)));
  if (!pair) {
    state.SkipWithError("the relays did not form a mesh");
    return;
  }
  const std::string a_addr = pair->a->address();
  uint8_t fill = 1;
  for (auto _ : state) {
    client::ClientConfig config;
    config.relay_host = "127.0.0.1";
    config.relay_port = pair->a->port();
    config.identity = identity_from(fill++);
    const std::string fp = config.identity.fingerprint().to_display();
    auto created = client::Client::create(std::move(config), nullptr);
    if (!created || !(*created)->connect().ok()) {
      state.SkipWithError("client");
      return;
    }
    auto& c = **created;
    if (!wait_until([&] { return pair->a->presence().lookup(fp).has_value(); })) {
      state.SkipWithError("never joined");
      return;
    }
    auto t0 = Clock::now();  // registered on A
    if (!wait_until([&] {
          auto where = pair->b->presence().lookup(fp);
          return where && !where->local && where->relay_addr == a_addr;
        })) {
      state.SkipWithError("B never learned the user");
      return;
    }
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - t0).count());
    c.hangup(wire::HangupReason::normal);
    wait_until([&] { return !pair->b->presence().lookup(fp).has_value(); });
  }
  state.counters["gossip_out_A"] = static_cast<double>(pair->a->counters().mesh.gossip_out.load());
}
BENCHMARK(BM_JoinToRemoteLookup)
    ->Arg(200)
    ->Arg(0)
    ->ArgName("debounce_ms")
    ->UseManualTime()
    ->Iterations(10)
    ->Unit(benchmark::kMillisecond);

std::vector<std::string> fingerprints(size_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    ByteArray<32> key{};
    for (size_t j = 0; j < 8; ++j) key[j] = static_cast<uint8_t>(i >> (8 * j));
    out.push_back(crypto::Fingerprint::of(key).to_display());
  }
  return out;
}

constexpr size_t kUsers = 10'000;

void BM_PresenceUpdateEncode_wzp(benchmark::State& state) {
  wire::PresenceUpdate update{fingerprints(kUsers), "203.0.113.7:4433"};
  size_t bytes = 0;
  for (auto _ : state) {
    auto json = wire::encode_json(wire::SignalMessage(update));
    bytes = json.size();
    benchmark::DoNotOptimize(json);
  }
  // On the wire: the 4-byte length prefix of every signal, then QUIC/UDP/IP headers
  // (about 60 bytes per ~1200-byte packet, +5 %).
  const double message = static_cast<double>(bytes + 4);
  const double per_minute_per_link = message * 6 * 2;  // every 10th ping, and the answer
  state.counters["users"] = kUsers;
  state.counters["bytes_per_message"] = message;
  state.counters["bytes_per_min_per_link"] = per_minute_per_link;
  state.counters["max_users_per_message"] = static_cast<double>(1024 * 1024 - 64) / (message / kUsers);
}
BENCHMARK(BM_PresenceUpdateEncode_wzp)->Unit(benchmark::kMillisecond);

void BM_PresenceUpdateEncode_nlohmann(benchmark::State& state) {
  auto fps = fingerprints(kUsers);
  size_t bytes = 0;
  for (auto _ : state) {
    nlohmann::json j;
    j["PresenceUpdate"]["fingerprints"] = fps;
    j["PresenceUpdate"]["relay_addr"] = "203.0.113.7:4433";
    auto text = j.dump();
    bytes = text.size();
    benchmark::DoNotOptimize(text);
  }
  state.counters["bytes_per_message"] = static_cast<double>(bytes + 4);
}
BENCHMARK(BM_PresenceUpdateEncode_nlohmann)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

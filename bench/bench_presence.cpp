// Presence at 100 k users, beside same-run baselines:
//   PresenceRegistry lookup            vs std::unordered_map::find
//   register + unregister (one user)   vs unordered_map emplace + erase
//   the Redis sync's write rate        vs bare hiredis SETs pipelined 1000 at a time
//   a lookup on a Redis-fed relay      vs a bare hiredis GET (one round trip)
// The Redis cases start a redis-server on loopback (skipped when it is not installed).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/redis_server.hpp"
#include "core/log.hpp"
#include "relay/presence_redis.hpp"
#include "relay/presence_registry.hpp"

namespace {

using wzp::relay::PresenceLocation;
using wzp::relay::PresenceRegistry;
using wzp::relay::RedisPresenceSync;

constexpr size_t kUsers = 100'000;

// Fingerprints in display form (8 groups of 4 hex digits), distinct per index.
std::string fingerprint(size_t i) {
  char buf[40];
  const size_t groups[8] = {(i * 2654435761u) & 0xffff, i & 0xffff,       (i >> 16) & 0xffff,
                            (i * 40503u) & 0xffff,      0xa1b2,           0xc3d4,
                            (i * 7u) & 0xffff,          (i >> 3) & 0xffff};
  std::snprintf(buf, sizeof buf, "%04zx:%04zx:%04zx:%04zx:%04zx:%04zx:%04zx:%04zx", groups[0], groups[1],
                groups[2], groups[3], groups[4], groups[5], groups[6], groups[7]);
  return buf;
}

const std::vector<std::string>& users() {  // the 100 k present
  static const std::vector<std::string> fps = [] {
    std::vector<std::string> v;
    for (size_t i = 0; i < kUsers; ++i) v.push_back(fingerprint(i));
    return v;
  }();
  return fps;
}
const std::vector<std::string>& newcomers() {  // others that come and go
  static const std::vector<std::string> fps = [] {
    std::vector<std::string> v;
    for (size_t i = kUsers; i < 2 * kUsers; ++i) v.push_back(fingerprint(i));
    return v;
  }();
  return fps;
}

// Half of the users local, half reported by 10 peer relays.
void fill(PresenceRegistry& r) {
  const auto& fps = users();
  for (size_t i = 0; i < kUsers / 2; ++i) r.register_local(fps[i], i, std::nullopt, std::string("room"));
  for (size_t p = 0; p < 10; ++p) {
    std::vector<std::string> report;
    for (size_t i = kUsers / 2 + p; i < kUsers; i += 10) report.push_back(fps[i]);
    r.update_peer("10.0.0." + std::to_string(p + 1) + ":4433", report);
  }
}

// Lookups spread over the 100 k users (a stride prime to their count).
void lookup_loop(benchmark::State& state, const PresenceRegistry& r) {
  const auto& fps = users();
  size_t i = 0;
  for (auto _ : state) {
    auto where = r.lookup(fps[i]);
    benchmark::DoNotOptimize(where);
    i = (i + 7919) % kUsers;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_RegistryLookup(benchmark::State& state) {
  PresenceRegistry r;
  fill(r);
  lookup_loop(state, r);
}
BENCHMARK(BM_RegistryLookup);

void BM_BaselineMapLookup(benchmark::State& state) {
  std::unordered_map<std::string, PresenceLocation> map;
  const auto& fps = users();
  for (size_t i = 0; i < kUsers; ++i)
    map.emplace(fps[i], i < kUsers / 2 ? PresenceLocation{} : PresenceLocation{false, "10.0.0.1:4433"});
  size_t i = 0;
  for (auto _ : state) {
    auto it = map.find(fps[i]);
    std::optional<PresenceLocation> where;
    if (it != map.end()) where = it->second;
    benchmark::DoNotOptimize(where);
    i = (i + 7919) % kUsers;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_BaselineMapLookup);

// One user arrives and leaves (two operations) among 100 k.
void BM_RegistryRegisterUnregister(benchmark::State& state) {
  PresenceRegistry r;
  fill(r);
  const auto& fps = newcomers();
  size_t i = 0;
  for (auto _ : state) {
    r.register_local(fps[i], 1'000'000 + i, std::nullopt, std::string("room"));
    r.unregister_local(fps[i], 1'000'000 + i);
    i = (i + 1) % fps.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(2 * state.iterations()));
}
BENCHMARK(BM_RegistryRegisterUnregister);

void BM_BaselineMapInsertErase(benchmark::State& state) {
  std::unordered_map<std::string, PresenceLocation> map;
  for (const auto& fp : users()) map.emplace(fp, PresenceLocation{});
  const auto& fps = newcomers();
  size_t i = 0;
  for (auto _ : state) {
    map.emplace(fps[i], PresenceLocation{});
    map.erase(fps[i]);
    i = (i + 1) % fps.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(2 * state.iterations()));
}
BENCHMARK(BM_BaselineMapInsertErase);

// ---- Redis ----

wzp::test_support::RedisServer* redis() {
  static std::unique_ptr<wzp::test_support::RedisServer> server = [] {
    std::unique_ptr<wzp::test_support::RedisServer> s;
    if (!wzp::test_support::RedisServer::available()) return s;
    s = std::make_unique<wzp::test_support::RedisServer>();
    if (!s->start()) s.reset();
    return s;
  }();
  return server.get();
}

template <class Predicate>
bool wait_until(Predicate p) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!p()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

// The sync's throughput: a batch of arrivals, then their departures, each
// timed until the worker has written all of them (100 k users already in Redis).
// An item is one user's arrival or departure written (key, relay set, message).
void BM_RedisSyncWrites(benchmark::State& state) {
  auto* server = redis();
  if (server == nullptr) {
    state.SkipWithError("redis-server is not installed");
    return;
  }
  const size_t batch = static_cast<size_t>(state.range(0));
  PresenceRegistry r(wzp::relay::PresenceLimits{2 * kUsers, 1'000'000, 1024});  // room for newcomers
  const auto& fps = users();
  for (size_t i = 0; i < kUsers; ++i) r.register_local(fps[i], i, std::nullopt, std::nullopt);
  wzp::relay::RedisPresenceOptions options;
  options.url = {"127.0.0.1", server->port(), 0};
  options.advertised = "10.9.9.9:4433";
  options.ttl = std::chrono::minutes(10);  // no refresh during the run
  auto sync = RedisPresenceSync::start(r, options);
  if (!sync) {
    state.SkipWithError(sync.error().message.c_str());
    return;
  }
  const auto& counters = (*sync)->counters();
  if (!wait_until([&] { return counters.writes.load() >= kUsers; })) {
    state.SkipWithError("the initial publication did not finish");
    return;
  }
  const auto& extra = newcomers();
  size_t next = 0;
  for (auto _ : state) {
    const uint64_t before = counters.writes.load();
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < batch; ++i)
      r.register_local(extra[(next + i) % extra.size()], 5'000'000 + i, {}, {});
    wait_until([&] { return counters.writes.load() >= before + batch; });
    for (size_t i = 0; i < batch; ++i) r.unregister_local(extra[(next + i) % extra.size()], 5'000'000 + i);
    wait_until([&] { return counters.writes.load() >= before + 2 * batch; });
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    next += batch;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(2 * batch));
  state.counters["errors"] = static_cast<double>(counters.errors.load());
}
BENCHMARK(BM_RedisSyncWrites)->Arg(1000)->UseManualTime()->Unit(benchmark::kMillisecond);

redisContext* connect_or_skip(benchmark::State& state) {
  auto* server = redis();
  if (server == nullptr) {
    state.SkipWithError("redis-server is not installed");
    return nullptr;
  }
  return server->connect();
}

// Bare hiredis: SET of one key per user, pipelined 1000 at a time (what the sync does per user).
void BM_BaselineHiredisSetPipelined(benchmark::State& state) {
  redisContext* c = connect_or_skip(state);
  if (c == nullptr) return;
  const auto& fps = newcomers();
  size_t next = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < 1000; ++i) {
      const std::string key = "bench:" + fps[(next + i) % fps.size()];
      redisAppendCommand(c, "SET %b %s PX 600000", key.data(), key.size(), "10.9.9.9:4433");
    }
    for (size_t i = 0; i < 1000; ++i) {
      void* reply = nullptr;
      if (redisGetReply(c, &reply) != REDIS_OK) {
        state.SkipWithError("Redis connection failed");
        break;
      }
      freeReplyObject(reply);
    }
    next += 1000;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 1000);
  redisFree(c);
}
BENCHMARK(BM_BaselineHiredisSetPipelined)->Unit(benchmark::kMillisecond);

// A lookup as a relay without a local registry would do it: one GET round trip.
void BM_BaselineHiredisGet(benchmark::State& state) {
  redisContext* c = connect_or_skip(state);
  if (c == nullptr) return;
  const auto& fps = users();
  for (size_t i = 0; i < kUsers; i += 1000) {  // 100 k keys, as the sync writes them
    for (size_t j = i; j < i + 1000; ++j) {
      const std::string key = "wzp:presence:" + fps[j];
      redisAppendCommand(c, "SET %b %s PX 600000", key.data(), key.size(), "10.9.9.9:4433");
    }
    for (size_t j = 0; j < 1000; ++j) {
      void* reply = nullptr;
      if (redisGetReply(c, &reply) == REDIS_OK) freeReplyObject(reply);
    }
  }
  size_t i = 0;
  for (auto _ : state) {
    const std::string key = "wzp:presence:" + fps[i];
    auto* reply = static_cast<redisReply*>(redisCommand(c, "GET %b", key.data(), key.size()));
    if (reply == nullptr) {
      state.SkipWithError("Redis connection failed");
      break;
    }
    benchmark::DoNotOptimize(reply->len);
    freeReplyObject(reply);
    i = (i + 7919) % kUsers;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  redisFree(c);
}
BENCHMARK(BM_BaselineHiredisGet);

// A lookup on a relay fed by Redis: the registry in memory, 100 k remote users
// learnt through the sync from another relay's set.
void BM_RedisFedRegistryLookup(benchmark::State& state) {
  auto* server = redis();
  if (server == nullptr) {
    state.SkipWithError("redis-server is not installed");
    return;
  }
  PresenceRegistry writer, reader;
  const auto& fps = users();
  for (size_t i = 0; i < kUsers; ++i) writer.register_local(fps[i], i, std::nullopt, std::nullopt);
  wzp::relay::RedisPresenceOptions options;
  options.url = {"127.0.0.1", server->port(), 0};
  options.ttl = std::chrono::minutes(10);
  options.refresh = std::chrono::milliseconds(500);
  options.advertised = "10.7.7.7:4433";
  auto a = RedisPresenceSync::start(writer, options);
  if (!a) {
    state.SkipWithError(a.error().message.c_str());
    return;
  }
  options.advertised = "10.8.8.8:4433";
  auto b = RedisPresenceSync::start(reader, options);
  if (!b || !wait_until([&] { return reader.remote_count() >= kUsers; })) {
    state.SkipWithError("the reader did not learn the writer's users");
    return;
  }
  lookup_loop(state, reader);
}
BENCHMARK(BM_RedisFedRegistryLookup);

}  // namespace

int main(int argc, char** argv) {
  wzp::log::set_level(wzp::log::Level::error);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

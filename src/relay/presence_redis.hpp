// Presence in Redis, for a fleet of relays without a probe mesh. Each relay
// writes its local users:
//   wzp:presence:<fp>   -> its advertised address, expiring after the TTL
//   wzp:relay:<addr>    -> the set of its users, expiring after the TTL
// both refreshed every ttl/3 while the relay runs (so a killed relay's keys
// expire), and announces each arrival and departure on the channel wzp:presence
// ("+" or "-", TAB, address, TAB, fingerprint). Every relay subscribes to the
// channel and also rereads every relay's set on each refresh (so a lost message
// or an expired relay is noticed), feeding what it learns into its registry as
// remote entries of the announcing relay's address.
//
// One worker thread owns both connections (commands, subscription): the relay's
// loop never waits on Redis. An unreachable Redis is logged, counted and
// retried with capped backoff; on reconnecting, every local user is written
// again (a restarted Redis holds nothing). Users learnt from Redis are dropped
// when Redis stayed unreachable for a whole TTL.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "core/result.hpp"
#include "relay/presence_registry.hpp"
#include "relay/redis_url.hpp"

namespace wzp::relay {

struct RedisPresenceOptions {
  RedisUrl url;
  std::string advertised;  // this relay's client-facing "ip:port": the value of its users' keys
  std::chrono::milliseconds ttl{30'000};
  std::chrono::milliseconds refresh{0};  // 0: ttl / 3
  std::chrono::milliseconds io_timeout{2'000};
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5'000};
};

/// For metrics; every field is updated by the worker thread and may be read from any.
struct RedisPresenceCounters {
  std::atomic<uint64_t> writes{0};          // user records written or withdrawn
  std::atomic<uint64_t> errors{0};          // failed connections, broken connections, error replies
  std::atomic<uint64_t> reconnects{0};      // connections re-established after a failure
  std::atomic<uint64_t> remote_updates{0};  // changes applied to the registry from Redis
  std::atomic<uint64_t> resyncs{0};         // full rereads of every relay's set
  std::atomic<uint64_t> malformed{0};       // channel messages that did not parse (ignored)
  std::atomic<bool> connected{false};
};

class RedisPresenceSync {
 public:
  /// Starts the worker (it connects in the background, so an unreachable Redis
  /// is no error here). The registry must outlive the result. Errors: io (no
  /// eventfd or thread).
  static Result<std::unique_ptr<RedisPresenceSync>> start(PresenceRegistry& registry,
                                                          RedisPresenceOptions options);
  /// Stops the worker after withdrawing this relay's users from Redis (best
  /// effort, within the I/O timeout).
  ~RedisPresenceSync();
  RedisPresenceSync(const RedisPresenceSync&) = delete;
  RedisPresenceSync& operator=(const RedisPresenceSync&) = delete;

  /// Stops the worker without touching Redis, as if the relay had been killed:
  /// its keys stay until their TTL. For tests and for a process that must not
  /// block while exiting.
  void abandon();

  const RedisPresenceCounters& counters() const noexcept { return *counters_; }
  /// The same counters, for readers that may outlive this object (metrics scrapes).
  std::shared_ptr<const RedisPresenceCounters> shared_counters() const noexcept { return counters_; }
  const RedisPresenceOptions& options() const noexcept { return options_; }

 private:
  struct Shared;
  class Worker;
  RedisPresenceSync(PresenceRegistry& registry, RedisPresenceOptions options);

  void stop(bool withdraw);

  PresenceRegistry& registry_;
  const RedisPresenceOptions options_;
  std::shared_ptr<RedisPresenceCounters> counters_;
  std::shared_ptr<Shared> shared_;
  PresenceRegistry::ListenerId listener_ = 0;
  std::thread thread_;
};

}  // namespace wzp::relay

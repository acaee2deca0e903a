// Watches where featherChat users are online (FC-6) over a set of presence sources — relays'
// HTTP APIs, in-process relays or registries — polled on one worker thread. A source that
// fails is retried with exponential backoff (poll_interval doubling up to backoff_max), and
// after offline_after_failures failures in a row its users count as gone. A watched
// fingerprint's changes come out as events on a bounded queue (the oldest dropped, and counted,
// when full) with an eventfd readable while any is queued:
//   ONLINE   it is now at relay_addr (first seen, or moved to another relay)
//   OFFLINE  no source reports it any more (relay_addr: where it was)
// A user reported by several sources is at the relay of the first source (in the order they
// were added) that reports it.
//
// Threading: every member may be called from any thread, concurrently, except the destructor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/event_queue.hpp"
#include "core/result.hpp"
#include "featherchat/presence_client.hpp"

namespace wzp::featherchat {

/// Where a watcher learns presence from. fetch_list answers GET /presence's JSON and
/// fetch_lookup GET /presence/{fp}'s; local_relay names the relay a "Local" user is at.
struct PresenceSource {
  std::string name;  // shown in events and sources_json
  std::string kind;  // "http", "relay", "registry"
  std::string local_relay;
  std::function<Result<std::string>()> fetch_list;
  std::function<Result<std::string>(const std::string& fingerprint)> fetch_lookup;
};

/// A PresenceSource over one relay's HTTP API.
PresenceSource http_presence_source(PresenceClient client);

struct PresenceWatcherConfig {
  uint32_t poll_interval_ms = 1000;
  uint32_t backoff_max_ms = 30000;
  uint32_t offline_after_failures = 3;
  size_t queue_capacity = 1024;
  size_t max_sources = 64;
  size_t max_watched = 10000;
};

enum class PresenceChange { online = 1, offline = 2 };

struct PresenceEvent {
  PresenceChange change = PresenceChange::online;
  std::string fingerprint;
  std::string relay_addr;
  std::string source;   // the name of the source that reports it (OFFLINE: that reported it)
  int64_t time_ms = 0;  // Unix milliseconds
};

struct PresenceWatcherStats {
  uint64_t polls = 0;     // source polls done
  uint64_t failures = 0;  // of them, failed
  uint64_t events = 0;    // events queued
  uint64_t dropped = 0;   // events dropped from a full queue
  uint64_t sources = 0;
  uint64_t watched = 0;
  uint64_t online = 0;  // watched users online now
};

class PresenceWatcher {
 public:
  explicit PresenceWatcher(PresenceWatcherConfig config);
  ~PresenceWatcher();  // stops the worker; queued events are dropped
  PresenceWatcher(const PresenceWatcher&) = delete;
  PresenceWatcher& operator=(const PresenceWatcher&) = delete;

  /// Adds a source (polled from the next round on). Returns its index. Errors: invalid_argument
  /// (no fetch functions, empty name), too_large (max_sources).
  Result<size_t> add_source(PresenceSource source);
  /// Errors: invalid_argument (empty), too_large (max_watched). Watching twice is no error.
  Status watch(const std::string& fingerprint);
  /// False when it was not watched. No event follows for it.
  bool unwatch(const std::string& fingerprint);
  /// Starts the worker (idempotent). Errors: closed (stopped).
  Status start();
  /// Stops the worker and closes the queue (idempotent).
  void stop();
  /// Polls every source once now, on the calling thread (without start, for tests).
  void poll_now();

  /// Asks the sources in order (live, not the last poll): the first that knows the user wins.
  /// nullopt: no source that answered knows it. Errors: the first source's error when none
  /// answered, invalid_state (no source).
  Result<std::optional<Online>> lookup(const std::string& fingerprint) const;

  std::optional<PresenceEvent> next_event(int timeout_ms) { return queue_.pop(timeout_ms); }
  bool closed() const { return queue_.closed(); }
  int event_fd() const noexcept { return queue_.fd(); }
  PresenceWatcherStats stats() const;
  /// [{"name","kind","relay_addr","up","polls","failures","consecutive_failures","retry_in_ms",
  ///   "last_error","users"}] in the order added.
  std::string sources_json() const;

 private:
  struct SourceState;
  using Clock = std::chrono::steady_clock;
  void run();
  void poll_source(SourceState& s);  // fetches without the lock, then records under it
  void apply_locked();               // after a round: recomputes watched users' places and queues changes

  const PresenceWatcherConfig config_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<SourceState>> sources_;
  std::set<std::string> watched_;
  std::map<std::string, std::pair<std::string, std::string>> placed_;  // watched fp -> (relay, source)
  PresenceWatcherStats stats_;
  bool running_ = false;
  bool stopping_ = false;
  std::mutex poll_mutex_;  // one poll round at a time
  EventQueue<PresenceEvent> queue_;
  std::thread worker_;
};

}  // namespace wzp::featherchat

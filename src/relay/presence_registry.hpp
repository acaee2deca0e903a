// Who is online where (relay spec §11), usable without a relay: local users
// (connected to this relay), remote users (reported by peer relays) and one record
// per reporting peer. Fixes the reference's defects (§16 notes 11, 12, 18): a
// fingerprint on two connections stays online until its last one leaves, every
// map is bounded (a refusal is counted and harms no existing entry), remote
// entries and peer records expire, and the expiry cutoff cannot underflow.
//
// Thread-safe: one internal mutex. Listeners are called after it is released,
// one change at a time and in the order the changes happened: a caller whose
// change finds another thread delivering leaves it to that thread, so a change
// may reach the listeners on another thread shortly after its call returned. A
// listener may call back into the registry (its own changes follow in order).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace wzp::relay {

struct PresenceLocation {
  bool local = true;
  std::string relay_addr;  // remote: the relay's client-facing "ip:port"

  bool operator==(const PresenceLocation&) const = default;
};

struct PresenceEntry {
  std::string fingerprint;
  PresenceLocation location;
};

struct PresencePeer {
  std::string addr;
  std::vector<std::string> fingerprints;
  std::optional<double> rtt_ms;
  std::chrono::steady_clock::time_point last_update;
};

/// A user came online (first became known) or went offline (no longer known).
/// A user moving between peers, or between local and remote, is no transition.
struct PresenceChange {
  std::string fingerprint;
  bool online = false;
  PresenceLocation location;        // where it is (online) or was (offline)
  std::optional<std::string> room;  // local only
};

struct PresenceLimits {
  size_t max_local = 100'000;
  size_t max_remote = 1'000'000;
  size_t max_peers = 1024;
};

struct PresenceCounters {
  std::atomic<uint64_t> local_full{0}, remote_full{0}, peers_full{0}, peer_updates{0}, expired{0};
};

class PresenceRegistry {
 public:
  using Clock = std::chrono::steady_clock;
  using Listener = std::function<void(const PresenceChange&)>;
  using ListenerId = uint64_t;

  explicit PresenceRegistry(PresenceLimits limits = {});

  /// The primary listener (replaces the previous one; an empty function removes it).
  void set_listener(Listener listener);
  /// Additional listeners (e.g. a Redis sync next to the relay's events); every
  /// listener sees every change. remove_listener does not wait for a call already
  /// in progress on another thread: a listener should own (share) what it uses.
  ListenerId add_listener(Listener listener);
  void remove_listener(ListenerId id);

  enum class Registered { online, again, full };  // online: first connection; again: one more
  Registered register_local(const std::string& fp, uint64_t connection, std::optional<std::string> alias,
                            std::optional<std::string> room);
  /// true when this was the fingerprint's last connection (it is now not local).
  bool unregister_local(const std::string& fp, uint64_t connection);

  /// §11.2 update_peer: replaces the peer's set (duplicates ignored); the last
  /// reporter of a fingerprint wins; local wins in lookup. Returns false (counted
  /// peers_full / remote_full) when a bound refused it; nothing changed then.
  bool update_peer(const std::string& addr, const std::vector<std::string>& fps,
                   Clock::time_point now = Clock::now());
  /// No effect for an unknown peer.
  void set_peer_rtt(const std::string& addr, std::optional<double> rtt_ms);
  /// The peer's record goes, and its remote entries with it.
  void remove_peer(const std::string& addr);

  std::optional<PresenceLocation> lookup(const std::string& fp) const;
  std::vector<std::string> local_fingerprints() const;  // sorted
  std::vector<PresenceEntry> all_known() const;         // locals, then remotes not also local; each sorted
  std::vector<PresencePeer> peers() const;              // sorted by address
  /// Removes remote entries and peer records last refreshed at or before now − ttl
  /// (nothing when ttl reaches back before the clock's origin). Returns the number
  /// of remote entries removed (also added to counters().expired).
  size_t expire_stale(std::chrono::milliseconds ttl, Clock::time_point now = Clock::now());

  size_t local_count() const;
  size_t remote_count() const;
  size_t peer_count() const;
  const PresenceCounters& counters() const noexcept { return counters_; }

 private:
  struct Local {
    std::set<uint64_t> connections;
    std::optional<std::string> alias;
    std::optional<std::string> room;
    Clock::time_point connected_at;
  };
  struct Remote {
    std::string addr;
    Clock::time_point last_seen;
  };
  struct Peer {
    std::vector<std::string> fingerprints;
    std::optional<double> rtt_ms;
    Clock::time_point last_update;
  };
  using Changes = std::vector<PresenceChange>;

  std::optional<PresenceLocation> lookup_locked(const std::string& fp) const;
  // Records fp's state before a mutation, then (after it) the transition, if any.
  struct Before {
    std::string fp;
    std::optional<PresenceLocation> where;
    std::optional<std::string> room;
  };
  Before before_locked(const std::string& fp) const;
  void after_locked(Before&& before, Changes& out) const;
  void erase_remote_of_locked(const std::string& addr, std::vector<Before>& touched);
  // Called with mu_ held (as lock): queues the changes, releases the lock and,
  // unless another thread is delivering, delivers the queue in order.
  void notify(std::unique_lock<std::mutex>& lock, Changes&& changes);

  const PresenceLimits limits_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Local> local_;
  std::unordered_map<std::string, Remote> remote_;
  std::map<std::string, Peer> peers_;
  PresenceCounters counters_;

  // Delivery (under mu_): the queue, whether a thread is draining it, and the
  // listeners as an immutable snapshot the deliverer calls without the lock.
  using Listeners = std::vector<Listener>;
  void rebuild_listeners_locked();
  std::vector<PresenceChange> pending_;
  bool delivering_ = false;
  Listener primary_;
  std::map<ListenerId, Listener> extra_;
  ListenerId next_listener_ = 1;
  std::shared_ptr<const Listeners> listeners_;
};

}  // namespace wzp::relay

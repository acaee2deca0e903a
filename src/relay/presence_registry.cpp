#include "relay/presence_registry.hpp"

#include <algorithm>
#include <exception>
#include <unordered_set>

#include "core/log.hpp"

namespace wzp::relay {

namespace {
constexpr const char* kLog = "presence";
}  // namespace

PresenceRegistry::PresenceRegistry(PresenceLimits limits)
    : limits_(limits), listeners_(std::make_shared<const Listeners>()) {}

void PresenceRegistry::rebuild_listeners_locked() {
  auto all = std::make_shared<Listeners>();
  if (primary_) all->push_back(primary_);
  for (const auto& [id, l] : extra_) all->push_back(l);
  listeners_ = std::move(all);
}

void PresenceRegistry::set_listener(Listener listener) {
  std::lock_guard lock(mu_);
  primary_ = std::move(listener);
  rebuild_listeners_locked();
}

PresenceRegistry::ListenerId PresenceRegistry::add_listener(Listener listener) {
  std::lock_guard lock(mu_);
  ListenerId id = next_listener_++;
  extra_.emplace(id, std::move(listener));
  rebuild_listeners_locked();
  return id;
}

void PresenceRegistry::remove_listener(ListenerId id) {
  std::lock_guard lock(mu_);
  if (extra_.erase(id) > 0) rebuild_listeners_locked();
}

void PresenceRegistry::notify(std::unique_lock<std::mutex>& lock, Changes&& changes) {
  if (changes.empty()) return;
  pending_.insert(pending_.end(), std::make_move_iterator(changes.begin()),
                  std::make_move_iterator(changes.end()));
  if (delivering_) return;  // that thread delivers ours after its own, in order
  delivering_ = true;
  while (!pending_.empty()) {
    Changes batch;
    batch.swap(pending_);
    auto listeners = listeners_;
    lock.unlock();
    for (const auto& change : batch) {
      for (const auto& l : *listeners) {
        try {
          l(change);
        } catch (const std::exception& e) {
          WZP_LOG(warn, kLog, std::string("a presence listener threw: ") + e.what());
        } catch (...) {
          WZP_LOG(warn, kLog, "a presence listener threw");
        }
      }
    }
    lock.lock();
  }
  delivering_ = false;
}

std::optional<PresenceLocation> PresenceRegistry::lookup_locked(const std::string& fp) const {
  if (local_.count(fp) != 0) return PresenceLocation{};
  if (auto it = remote_.find(fp); it != remote_.end()) return PresenceLocation{false, it->second.addr};
  return std::nullopt;
}

PresenceRegistry::Before PresenceRegistry::before_locked(const std::string& fp) const {
  Before b{fp, lookup_locked(fp), std::nullopt};
  if (auto it = local_.find(fp); it != local_.end()) b.room = it->second.room;
  return b;
}

void PresenceRegistry::after_locked(Before&& before, Changes& out) const {
  auto now = lookup_locked(before.fp);
  if (before.where.has_value() == now.has_value()) return;  // moving is no transition
  PresenceChange c;
  c.online = now.has_value();
  c.location = c.online ? *now : *before.where;
  if (c.location.local) {
    if (c.online) {
      c.room = local_.at(before.fp).room;
    } else {
      c.room = std::move(before.room);
    }
  }
  c.fingerprint = std::move(before.fp);
  out.push_back(std::move(c));
}

PresenceRegistry::Registered PresenceRegistry::register_local(const std::string& fp, uint64_t connection,
                                                              std::optional<std::string> alias,
                                                              std::optional<std::string> room) {
  std::unique_lock lock(mu_);
  if (auto it = local_.find(fp); it != local_.end()) {
    // One more connection of a user already here: the latest join names the room.
    it->second.connections.insert(connection);
    it->second.alias = std::move(alias);
    it->second.room = std::move(room);
    return Registered::again;
  }
  if (local_.size() >= limits_.max_local) {
    counters_.local_full.fetch_add(1, std::memory_order_relaxed);
    return Registered::full;
  }
  auto before = before_locked(fp);
  local_.emplace(fp, Local{{connection}, std::move(alias), std::move(room), Clock::now()});
  Changes changes;
  after_locked(std::move(before), changes);
  notify(lock, std::move(changes));
  return Registered::online;
}

bool PresenceRegistry::unregister_local(const std::string& fp, uint64_t connection) {
  std::unique_lock lock(mu_);
  auto it = local_.find(fp);
  if (it == local_.end() || it->second.connections.erase(connection) == 0) return false;
  if (!it->second.connections.empty()) return false;
  auto before = before_locked(fp);
  local_.erase(it);
  Changes changes;
  after_locked(std::move(before), changes);
  notify(lock, std::move(changes));
  return true;
}

void PresenceRegistry::erase_remote_of_locked(const std::string& addr, std::vector<Before>& touched) {
  auto peer = peers_.find(addr);
  if (peer == peers_.end()) return;
  // A peer's entries are among the fingerprints its record lists (stolen ones are not its).
  for (const auto& fp : peer->second.fingerprints) {
    auto it = remote_.find(fp);
    if (it == remote_.end() || it->second.addr != addr) continue;
    touched.push_back(before_locked(fp));
    remote_.erase(it);
  }
}

bool PresenceRegistry::update_peer(const std::string& addr, const std::vector<std::string>& fps,
                                   Clock::time_point now) {
  std::unique_lock lock(mu_);
  std::vector<std::string> unique;
  unique.reserve(fps.size());
  {
    std::unordered_set<std::string> seen;
    for (const auto& fp : fps)
      if (seen.insert(fp).second) unique.push_back(fp);
  }
  auto peer = peers_.find(addr);
  if (peer == peers_.end() && peers_.size() >= limits_.max_peers) {
    counters_.peers_full.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  // The remote map's size afterwards: entries of other peers stay, ours are replaced.
  size_t owned = 0;
  if (peer != peers_.end())
    for (const auto& fp : peer->second.fingerprints)
      if (auto it = remote_.find(fp); it != remote_.end() && it->second.addr == addr) ++owned;
  size_t added = 0;
  for (const auto& fp : unique)
    if (auto it = remote_.find(fp); it == remote_.end() || it->second.addr == addr) ++added;
  size_t after = remote_.size() - owned + added;
  if (after > limits_.max_remote && after > remote_.size()) {
    counters_.remote_full.fetch_add(1, std::memory_order_relaxed);
    return false;
  }

  std::vector<Before> touched;
  erase_remote_of_locked(addr, touched);
  std::unordered_set<std::string> seen;
  for (const auto& b : touched) seen.insert(b.fp);
  for (const auto& fp : unique) {
    if (seen.count(fp) == 0) touched.push_back(before_locked(fp));
    remote_[fp] = Remote{addr, now};
  }
  auto& record = peers_[addr];
  record.fingerprints = std::move(unique);
  record.last_update = now;
  counters_.peer_updates.fetch_add(1, std::memory_order_relaxed);

  Changes changes;
  for (auto& b : touched) after_locked(std::move(b), changes);
  notify(lock, std::move(changes));
  return true;
}

void PresenceRegistry::set_peer_rtt(const std::string& addr, std::optional<double> rtt_ms) {
  std::lock_guard lock(mu_);
  if (auto it = peers_.find(addr); it != peers_.end()) it->second.rtt_ms = rtt_ms;
}

void PresenceRegistry::remove_peer(const std::string& addr) {
  std::unique_lock lock(mu_);
  std::vector<Before> touched;
  erase_remote_of_locked(addr, touched);
  peers_.erase(addr);
  Changes changes;
  for (auto& b : touched) after_locked(std::move(b), changes);
  notify(lock, std::move(changes));
}

std::optional<PresenceLocation> PresenceRegistry::lookup(const std::string& fp) const {
  std::lock_guard lock(mu_);
  return lookup_locked(fp);
}

std::vector<std::string> PresenceRegistry::local_fingerprints() const {
  std::vector<std::string> out;
  {
    std::lock_guard lock(mu_);
    out.reserve(local_.size());
    for (const auto& [fp, l] : local_) out.push_back(fp);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<PresenceEntry> PresenceRegistry::all_known() const {
  std::vector<PresenceEntry> locals, remotes;
  {
    std::lock_guard lock(mu_);
    locals.reserve(local_.size());
    for (const auto& [fp, l] : local_) locals.push_back({fp, PresenceLocation{}});
    for (const auto& [fp, r] : remote_)
      if (local_.count(fp) == 0) remotes.push_back({fp, PresenceLocation{false, r.addr}});
  }
  auto by_fp = [](const PresenceEntry& a, const PresenceEntry& b) { return a.fingerprint < b.fingerprint; };
  std::sort(locals.begin(), locals.end(), by_fp);
  std::sort(remotes.begin(), remotes.end(), by_fp);
  locals.insert(locals.end(), std::make_move_iterator(remotes.begin()),
                std::make_move_iterator(remotes.end()));
  return locals;
}

std::vector<PresencePeer> PresenceRegistry::peers() const {
  std::lock_guard lock(mu_);
  std::vector<PresencePeer> out;
  out.reserve(peers_.size());
  for (const auto& [addr, p] : peers_) out.push_back({addr, p.fingerprints, p.rtt_ms, p.last_update});
  return out;
}

size_t PresenceRegistry::expire_stale(std::chrono::milliseconds ttl, Clock::time_point now) {
  // §16 note 18: now − ttl must not reach back before the clock's origin.
  if (ttl.count() < 0 || ttl >= std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()))
    return 0;
  const auto cutoff = now - ttl;
  std::unique_lock lock(mu_);
  std::vector<Before> touched;
  for (auto it = remote_.begin(); it != remote_.end();) {
    if (it->second.last_seen <= cutoff) {
      touched.push_back(before_locked(it->first));
      it = remote_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = peers_.begin(); it != peers_.end();) {
    it = it->second.last_update <= cutoff ? peers_.erase(it) : std::next(it);
  }
  const size_t expired = touched.size();
  counters_.expired.fetch_add(expired, std::memory_order_relaxed);
  Changes changes;
  for (auto& b : touched) after_locked(std::move(b), changes);
  notify(lock, std::move(changes));
  return expired;
}

size_t PresenceRegistry::local_count() const {
  std::lock_guard lock(mu_);
  return local_.size();
}

size_t PresenceRegistry::remote_count() const {
  std::lock_guard lock(mu_);
  return remote_.size();
}

size_t PresenceRegistry::peer_count() const {
  std::lock_guard lock(mu_);
  return peers_.size();
}

}  // namespace wzp::relay

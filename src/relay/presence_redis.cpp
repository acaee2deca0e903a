#include "relay/presence_redis.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_set>
#include <vector>

#include "core/log.hpp"
#include "core/throttled_log.hpp"
#include "relay/redis_connection.hpp"

namespace wzp::relay {

namespace {

constexpr const char* kLog = "presence-redis";
constexpr std::string_view kChannel = "wzp:presence";
constexpr std::string_view kUserPrefix = "wzp:presence:";
constexpr std::string_view kRelayPrefix = "wzp:relay:";
constexpr std::string_view kRelayTmpPrefix = "wzp:relay-rewrite:";  // outside kRelayPrefix's pattern
constexpr size_t kChunk = 1000;                                     // users per pipelined batch
// A departing user's key is deleted only while it still names this relay (it may have moved).
constexpr std::string_view kDeleteIfOurs =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

using Clock = std::chrono::steady_clock;

std::string cat(std::string_view a, std::string_view b) {
  std::string s;
  s.reserve(a.size() + b.size());
  s.append(a).append(b);
  return s;
}

std::string_view text_of(const redisReply& r) { return {r.str, r.len}; }

}  // namespace

struct RedisPresenceSync::Shared {
  Shared() : wake_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~Shared() {
    if (wake_fd >= 0) ::close(wake_fd);
  }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

  void wake() const {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd, &one, sizeof one);  // EAGAIN: already readable
  }
  void mark(const std::string& fp) {
    {
      std::lock_guard lock(mu);
      dirty.insert(fp);
    }
    wake();
  }

  std::mutex mu;
  std::unordered_set<std::string> dirty;  // local users whose arrival or departure is not written yet
  bool stop = false;
  bool withdraw = false;
  const int wake_fd;
};

// Runs on the worker thread only; owns the connections and what it fed the registry.
class RedisPresenceSync::Worker {
 public:
  Worker(PresenceRegistry& registry, const RedisPresenceOptions& o, RedisPresenceCounters& c, Shared& s)
      : registry_(registry),
        o_(o),
        counters_(c),
        shared_(s),
        relay_key_(cat(kRelayPrefix, o.advertised)),
        refresh_(o.refresh.count() > 0 ? o.refresh : std::max(o.ttl / 3, std::chrono::milliseconds(1))),
        ttl_ms_(std::to_string(std::max<int64_t>(o.ttl.count(), 1))) {}

  void run() {
    auto backoff = o_.backoff_min;
    auto down_since = Clock::now();
    auto next_refresh = Clock::now();
    for (;;) {
      {
        std::lock_guard lock(shared_.mu);
        if (shared_.stop) break;
      }
      if (!cmd_) {
        if (!fed_.empty() && Clock::now() - down_since >= o_.ttl) forget_remote();
        if (!connect()) {
          wait(backoff);
          backoff = std::min(backoff * 2, o_.backoff_max);
          continue;
        }
        backoff = o_.backoff_min;
        next_refresh = Clock::now();  // a restarted Redis holds nothing of ours: write everything now
      }
      Status step;
      if (Clock::now() >= next_refresh) {
        step = write_dirty();
        if (step) step = publish_all();
        if (step) step = resync();
        next_refresh = Clock::now() + refresh_;
      }
      if (step) step = write_dirty();
      if (step) step = wait_and_read(next_refresh);
      if (!step) {
        disconnect(step.error().message);
        down_since = Clock::now();
      }
    }
    bool withdraw = false;
    {
      std::lock_guard lock(shared_.mu);
      withdraw = shared_.withdraw;
    }
    if (withdraw && cmd_) {
      Status done = write_dirty();
      if (done) done = withdraw_all();
      if (!done) WZP_LOG(warn, kLog, "could not withdraw this relay's users: " + done.error().message);
    }
    disconnect_quietly();
  }

 private:
  bool connect() {
    auto connected = connect_both();
    if (!connected) {
      counters_.errors.fetch_add(1, std::memory_order_relaxed);
      fail_log_.write(connected.error().message + " (retrying)");
      return false;
    }
    if (ever_connected_) counters_.reconnects.fetch_add(1, std::memory_order_relaxed);
    ever_connected_ = true;
    counters_.connected.store(true, std::memory_order_relaxed);
    WZP_LOG(
        info, kLog,
        "connected to Redis at " + o_.url.host + ":" + std::to_string(o_.url.port) + " as " + o_.advertised);
    return true;
  }
  Status connect_both() {
    auto cmd = RedisConnection::connect(o_.url, o_.io_timeout);
    if (!cmd) return std::move(cmd).error();
    auto sub = RedisConnection::connect(o_.url, o_.io_timeout);
    if (!sub) return std::move(sub).error();
    auto reply = sub->command({"SUBSCRIBE", kChannel});
    if (!reply) return std::move(reply).error();
    cmd_.emplace(std::move(*cmd));
    sub_.emplace(std::move(*sub));
    return {};
  }

  void disconnect(const std::string& why) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    WZP_LOG(warn, kLog, why + "; reconnecting");
    disconnect_quietly();
  }
  void disconnect_quietly() {
    cmd_.reset();
    sub_.reset();
    counters_.connected.store(false, std::memory_order_relaxed);
  }

  // Sleeps (interruptibly: a stop or a local change wakes it).
  void wait(std::chrono::milliseconds timeout) {
    pollfd p{shared_.wake_fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) > 0) drain_wake();
  }
  void drain_wake() {
    uint64_t n = 0;
    [[maybe_unused]] ssize_t r = ::read(shared_.wake_fd, &n, sizeof n);
  }

  Status wait_and_read(Clock::time_point until) {
    std::vector<RedisReply> replies;
    WZP_TRY(sub_->read_available(replies, false));  // left over from an earlier read
    if (replies.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      pollfd fds[2] = {{shared_.wake_fd, POLLIN, 0}, {sub_->fd(), POLLIN, 0}};
      int n = ::poll(fds, 2, static_cast<int>(std::clamp<int64_t>(left, 0, 60'000)));
      if (n < 0 && errno != EINTR) return make_error(Errc::io, std::string("poll: ") + std::strerror(errno));
      if (n > 0 && fds[0].revents != 0) drain_wake();
      if (n > 0 && fds[1].revents != 0) WZP_TRY(sub_->read_available(replies));
    }
    for (const auto& r : replies) on_message(*r);
    return {};
  }

  // A pipelined batch: the replies are read in order; error replies are counted.
  Status read_replies(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      auto reply = cmd_->read_reply();
      if (!reply) return std::move(reply).error();
      if ((*reply)->type == REDIS_REPLY_ERROR) {
        counters_.errors.fetch_add(1, std::memory_order_relaxed);
        reply_log_.write("Redis refused a presence write: " + std::string(text_of(**reply)));
      }
    }
    return {};
  }

  Status write_dirty() {
    std::vector<std::string> fps;
    {
      std::lock_guard lock(shared_.mu);
      fps.assign(shared_.dirty.begin(), shared_.dirty.end());
      shared_.dirty.clear();
    }
    for (size_t start = 0; start < fps.size(); start += kChunk) {
      size_t end = std::min(fps.size(), start + kChunk), commands = 0;
      bool arrivals = false;
      for (size_t i = start; i < end; ++i) {
        const std::string& fp = fps[i];
        const std::string key = cat(kUserPrefix, fp);
        auto where = registry_.lookup(fp);
        const bool here = where && where->local;
        if (here) {
          cmd_->append({"SET", key, o_.advertised, "PX", ttl_ms_});
          cmd_->append({"SADD", relay_key_, fp});
          commands += 2;
          arrivals = true;
        } else {
          cmd_->append({"EVAL", kDeleteIfOurs, "1", key, o_.advertised});
          cmd_->append({"SREM", relay_key_, fp});
          commands += 2;
        }
        cmd_->append({"PUBLISH", kChannel, message(here ? '+' : '-', fp)});
        ++commands;
      }
      if (arrivals) {  // a set created by SADD has no TTL yet
        cmd_->append({"PEXPIRE", relay_key_, ttl_ms_});
        ++commands;
      }
      if (auto st = read_replies(commands); !st) {
        // Written again after reconnecting (arrivals are also covered by publish_all).
        std::lock_guard lock(shared_.mu);
        shared_.dirty.insert(fps.begin() + static_cast<ptrdiff_t>(start), fps.end());
        return st;
      }
      counters_.writes.fetch_add(end - start, std::memory_order_relaxed);
    }
    return {};
  }

  std::string message(char op, const std::string& fp) const {
    std::string m;
    m.reserve(3 + o_.advertised.size() + fp.size());
    m.push_back(op);
    m.push_back('\t');
    m.append(o_.advertised).push_back('\t');
    m.append(fp);
    return m;
  }

  // Every local user's key, and this relay's set replaced as a whole (a user who
  // left while Redis was away is dropped from it here).
  Status publish_all() {
    const auto fps = registry_.local_fingerprints();
    const std::string tmp = cat(kRelayTmpPrefix, o_.advertised);
    cmd_->append({"DEL", tmp});
    WZP_TRY(read_replies(1));
    for (size_t start = 0; start < fps.size(); start += kChunk) {
      size_t end = std::min(fps.size(), start + kChunk);
      std::vector<std::string_view> sadd{"SADD", tmp};
      for (size_t i = start; i < end; ++i) {
        cmd_->append({"SET", cat(kUserPrefix, fps[i]), o_.advertised, "PX", ttl_ms_});
        sadd.push_back(fps[i]);
      }
      cmd_->append(sadd);
      WZP_TRY(read_replies(end - start + 1));
      counters_.writes.fetch_add(end - start, std::memory_order_relaxed);
    }
    if (fps.empty()) {
      cmd_->append({"DEL", relay_key_});
      return read_replies(1);
    }
    cmd_->append({"PEXPIRE", tmp, ttl_ms_});
    cmd_->append({"RENAME", tmp, relay_key_});
    return read_replies(2);
  }

  // Rereads every relay's set; relays whose set is gone (stopped, or expired
  // after being killed) leave the registry.
  Status resync() {
    std::set<std::string> seen;
    std::string cursor = "0";
    const std::string pattern = cat(kRelayPrefix, "*");
    do {
      auto scan = cmd_->command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
      if (!scan) return std::move(scan).error();
      const redisReply& r = **scan;
      if (r.type != REDIS_REPLY_ARRAY || r.elements != 2 || r.element[1]->type != REDIS_REPLY_ARRAY)
        return make_error(Errc::io, "unexpected SCAN reply");
      cursor = std::string(text_of(*r.element[0]));
      for (size_t i = 0; i < r.element[1]->elements; ++i) {
        std::string key(text_of(*r.element[1]->element[i]));
        std::string addr = key.substr(kRelayPrefix.size());
        if (addr == o_.advertised || addr.empty() || !seen.insert(addr).second) continue;
        auto members = cmd_->command({"SMEMBERS", key});
        if (!members) return std::move(members).error();
        std::vector<std::string> fps;
        if ((*members)->type == REDIS_REPLY_ARRAY)
          for (size_t j = 0; j < (*members)->elements; ++j)
            fps.emplace_back(text_of(*(*members)->element[j]));
        registry_.update_peer(addr, fps);  // a refusal (a bound) is counted by the registry
        fed_.insert(addr);
        counters_.remote_updates.fetch_add(1, std::memory_order_relaxed);
      }
    } while (cursor != "0");
    for (auto it = fed_.begin(); it != fed_.end();) {
      if (seen.count(*it) != 0) {
        ++it;
        continue;
      }
      registry_.remove_peer(*it);
      counters_.remote_updates.fetch_add(1, std::memory_order_relaxed);
      it = fed_.erase(it);
    }
    counters_.resyncs.fetch_add(1, std::memory_order_relaxed);
    return {};
  }

  void on_message(const redisReply& r) {
    if (r.type != REDIS_REPLY_ARRAY || r.elements != 3 || r.element[0]->type != REDIS_REPLY_STRING ||
        text_of(*r.element[0]) != "message")
      return;  // subscription confirmations
    std::string_view m = text_of(*r.element[2]);
    size_t tab = m.size() > 2 ? m.find('\t', 2) : std::string_view::npos;
    if (m.size() < 4 || (m[0] != '+' && m[0] != '-') || m[1] != '\t' || tab == std::string_view::npos ||
        tab == 2 || tab + 1 == m.size()) {
      counters_.malformed.fetch_add(1, std::memory_order_relaxed);
      reply_log_.write("ignored a malformed presence message on " + std::string(kChannel));
      return;
    }
    std::string addr(m.substr(2, tab - 2));
    std::string fp(m.substr(tab + 1));
    if (addr == o_.advertised) return;  // our own
    if (m[0] == '+') {
      registry_.add_peer_fingerprint(addr, fp);
      fed_.insert(std::move(addr));
    } else {
      registry_.remove_peer_fingerprint(addr, fp);
    }
    counters_.remote_updates.fetch_add(1, std::memory_order_relaxed);
  }

  void forget_remote() {
    WZP_LOG(warn, kLog, "Redis unreachable for a whole TTL: forgetting the users of the relays it announced");
    for (const auto& addr : fed_) registry_.remove_peer(addr);
    counters_.remote_updates.fetch_add(fed_.size(), std::memory_order_relaxed);
    fed_.clear();
  }

  // A clean stop: this relay's users leave Redis and the other relays hear it.
  Status withdraw_all() {
    auto members = cmd_->command({"SMEMBERS", relay_key_});
    if (!members) return std::move(members).error();
    size_t commands = 0;
    if ((*members)->type == REDIS_REPLY_ARRAY) {
      for (size_t j = 0; j < (*members)->elements; ++j) {
        std::string fp(text_of(*(*members)->element[j]));
        cmd_->append({"EVAL", kDeleteIfOurs, "1", cat(kUserPrefix, fp), o_.advertised});
        cmd_->append({"PUBLISH", kChannel, message('-', fp)});
        commands += 2;
      }
    }
    cmd_->append({"DEL", relay_key_});
    WZP_TRY(read_replies(commands + 1));
    counters_.writes.fetch_add(commands / 2, std::memory_order_relaxed);
    return {};
  }

  PresenceRegistry& registry_;
  const RedisPresenceOptions& o_;
  RedisPresenceCounters& counters_;
  Shared& shared_;
  const std::string relay_key_;
  const std::chrono::milliseconds refresh_;
  const std::string ttl_ms_;
  std::optional<RedisConnection> cmd_, sub_;
  std::set<std::string> fed_;  // relay addresses whose users this worker put into the registry
  bool ever_connected_ = false;
  ThrottledLog fail_log_{log::Level::warn, kLog, 0.1, 1};
  ThrottledLog reply_log_{log::Level::warn, kLog};
};

Result<std::unique_ptr<RedisPresenceSync>> RedisPresenceSync::start(PresenceRegistry& registry,
                                                                    RedisPresenceOptions options) {
  std::unique_ptr<RedisPresenceSync> sync(new RedisPresenceSync(registry, std::move(options)));
  if (sync->shared_->wake_fd < 0)
    return make_error(Errc::io,
                      std::string("eventfd for the Redis presence worker: ") + std::strerror(errno));
  // The listener shares what it touches, so a call still running after removal is harmless.
  sync->listener_ = registry.add_listener(
      [shared = sync->shared_](const PresenceChange& c) { shared->mark(c.fingerprint); },
      PresenceRegistry::Scope::local);
  RedisPresenceSync* self = sync.get();
  sync->thread_ = std::thread([self] {
    try {
      Worker(self->registry_, self->options_, *self->counters_, *self->shared_).run();
    } catch (const std::exception& e) {
      WZP_LOG(error, kLog, std::string("the Redis presence worker stopped: ") + e.what());
    }
  });
  return sync;
}

RedisPresenceSync::RedisPresenceSync(PresenceRegistry& registry, RedisPresenceOptions options)
    : registry_(registry),
      options_(std::move(options)),
      counters_(std::make_shared<RedisPresenceCounters>()),
      shared_(std::make_shared<Shared>()) {}

RedisPresenceSync::~RedisPresenceSync() { stop(true); }

void RedisPresenceSync::abandon() { stop(false); }

void RedisPresenceSync::stop(bool withdraw) {
  if (listener_ != 0) {
    registry_.remove_listener(listener_);
    listener_ = 0;
  }
  {
    std::lock_guard lock(shared_->mu);
    if (!shared_->stop) shared_->withdraw = withdraw;
    shared_->stop = true;
  }
  shared_->wake();
  if (thread_.joinable()) thread_.join();
}

}  // namespace wzp::relay

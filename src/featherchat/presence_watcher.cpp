#include "featherchat/presence_watcher.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace wzp::featherchat {

struct PresenceWatcher::SourceState {
  PresenceSource source;
  std::map<std::string, std::string> users;  // fp -> relay, from the last good poll
  uint64_t polls = 0;
  uint64_t failures = 0;
  uint32_t consecutive_failures = 0;
  std::string last_error;
  Clock::time_point next_poll{};
  uint32_t delay_ms = 0;
};

namespace {

int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

PresenceSource http_presence_source(PresenceClient client) {
  auto shared = std::make_shared<const PresenceClient>(std::move(client));
  PresenceSource s;
  s.name = shared->config().base_url;
  s.kind = "http";
  s.local_relay = shared->config().relay_addr;
  s.fetch_list = [shared] { return shared->list_json(); };
  s.fetch_lookup = [shared](const std::string& fp) { return shared->lookup_json(fp); };
  return s;
}

PresenceWatcher::PresenceWatcher(PresenceWatcherConfig config)
    : config_([&] {
        if (config.poll_interval_ms == 0) config.poll_interval_ms = 1000;
        config.backoff_max_ms = std::max(config.backoff_max_ms, config.poll_interval_ms);
        if (config.offline_after_failures == 0) config.offline_after_failures = 3;
        if (config.queue_capacity == 0) config.queue_capacity = 1024;
        if (config.max_sources == 0) config.max_sources = 64;
        if (config.max_watched == 0) config.max_watched = 10000;
        return config;
      }()),
      queue_(config_.queue_capacity) {}

PresenceWatcher::~PresenceWatcher() { stop(); }

Result<size_t> PresenceWatcher::add_source(PresenceSource source) {
  if (!source.fetch_list || !source.fetch_lookup)
    return make_error(Errc::invalid_argument, "a presence source needs list and lookup");
  if (source.name.empty()) return make_error(Errc::invalid_argument, "a presence source needs a name");
  std::lock_guard lock(mutex_);
  if (sources_.size() >= config_.max_sources)
    return make_error(Errc::too_large,
                      "already " + std::to_string(config_.max_sources) + " presence sources");
  auto s = std::make_unique<SourceState>();
  s->source = std::move(source);
  s->delay_ms = config_.poll_interval_ms;
  s->next_poll = Clock::now();
  sources_.push_back(std::move(s));
  stats_.sources = sources_.size();
  wake_.notify_all();
  return sources_.size() - 1;
}

Status PresenceWatcher::watch(const std::string& fingerprint) {
  if (fingerprint.empty()) return make_error(Errc::invalid_argument, "the fingerprint is empty");
  std::lock_guard lock(mutex_);
  if (watched_.count(fingerprint) != 0) return {};
  if (watched_.size() >= config_.max_watched)
    return make_error(Errc::too_large, "already " + std::to_string(config_.max_watched) + " watched users");
  watched_.insert(fingerprint);
  stats_.watched = watched_.size();
  apply_locked();  // known from the last polls already
  return {};
}

bool PresenceWatcher::unwatch(const std::string& fingerprint) {
  std::lock_guard lock(mutex_);
  if (watched_.erase(fingerprint) == 0) return false;
  placed_.erase(fingerprint);
  stats_.watched = watched_.size();
  stats_.online = placed_.size();
  return true;
}

Status PresenceWatcher::start() {
  std::lock_guard lock(mutex_);
  if (stopping_) return make_error(Errc::closed, "the presence watcher is stopped");
  if (running_) return {};
  running_ = true;
  worker_ = std::thread([this] { run(); });
  return {};
}

void PresenceWatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
  queue_.close();
}

void PresenceWatcher::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto due = Clock::time_point::max();
    for (const auto& s : sources_) due = std::min(due, s->next_poll);
    if (due > Clock::now()) {
      if (due == Clock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, due);
      }
      continue;
    }
    lock.unlock();
    {
      std::lock_guard round(poll_mutex_);
      std::vector<SourceState*> ready;
      {
        std::lock_guard l(mutex_);
        const auto now = Clock::now();
        for (const auto& s : sources_)
          if (s->next_poll <= now) ready.push_back(s.get());
      }
      for (SourceState* s : ready) {
        {
          std::lock_guard l(mutex_);
          if (stopping_) break;
        }
        poll_source(*s);
      }
    }
    lock.lock();
    apply_locked();  // once per round: a user moving between sources is not seen offline between
  }
}

void PresenceWatcher::poll_now() {
  std::lock_guard round(poll_mutex_);
  std::vector<SourceState*> all;
  {
    std::lock_guard l(mutex_);
    for (const auto& s : sources_) all.push_back(s.get());
  }
  for (SourceState* s : all) poll_source(*s);
  std::lock_guard l(mutex_);
  apply_locked();
}

void PresenceWatcher::poll_source(SourceState& s) {
  // The source's functions and name never change once added: read them unlocked.
  Result<std::vector<Online>> users = make_error(Errc::internal, "not polled");
  auto body = s.source.fetch_list();
  if (body) {
    users = parse_presence_list(*body, s.source.local_relay);
  } else {
    users = std::move(body).error();
  }
  std::lock_guard lock(mutex_);
  ++s.polls;
  ++stats_.polls;
  if (users) {
    s.users.clear();
    for (auto& u : *users) s.users.emplace(std::move(u.fingerprint), std::move(u.relay_addr));
    s.consecutive_failures = 0;
    s.last_error.clear();
    s.delay_ms = config_.poll_interval_ms;
  } else {
    ++s.failures;
    ++stats_.failures;
    ++s.consecutive_failures;
    s.last_error = users.error().message;
    if (s.consecutive_failures >= config_.offline_after_failures) s.users.clear();
    // The first failure retries after one interval, then twice as long each time, up to the bound.
    if (s.consecutive_failures > 1)
      s.delay_ms =
          static_cast<uint32_t>(std::min<uint64_t>(uint64_t{s.delay_ms} * 2, config_.backoff_max_ms));
  }
  s.next_poll = Clock::now() + std::chrono::milliseconds(s.delay_ms);
}

void PresenceWatcher::apply_locked() {
  const int64_t now = unix_ms();
  auto emit = [&](PresenceChange change, const std::string& fp, const std::string& relay,
                  const std::string& source) {
    const uint64_t before = queue_.dropped();
    queue_.push(PresenceEvent{change, fp, relay, source, now});
    ++stats_.events;
    stats_.dropped += queue_.dropped() - before;
  };
  for (const auto& fp : watched_) {
    const std::pair<std::string, std::string>* where = nullptr;
    std::pair<std::string, std::string> found;
    for (const auto& s : sources_) {
      auto it = s->users.find(fp);
      if (it != s->users.end()) {
        found = {it->second, s->source.name};
        where = &found;
        break;
      }
    }
    auto placed = placed_.find(fp);
    if (where != nullptr) {
      if (placed == placed_.end() || placed->second.first != where->first) {
        placed_[fp] = *where;
        emit(PresenceChange::online, fp, where->first, where->second);
      }
    } else if (placed != placed_.end()) {
      emit(PresenceChange::offline, fp, placed->second.first, placed->second.second);
      placed_.erase(placed);
    }
  }
  stats_.online = placed_.size();
}

Result<std::optional<Online>> PresenceWatcher::lookup(const std::string& fingerprint) const {
  std::vector<const PresenceSource*> sources;
  {
    std::lock_guard lock(mutex_);
    for (const auto& s : sources_) sources.push_back(&s->source);
  }
  if (sources.empty()) return make_error(Errc::invalid_state, "no presence source was added");
  std::optional<Error> first_error;
  bool answered = false;
  for (const PresenceSource* s : sources) {
    auto body = s->fetch_lookup(fingerprint);
    Result<std::optional<Online>> found = body ? parse_presence_lookup(*body, fingerprint, s->local_relay)
                                               : Result<std::optional<Online>>(std::move(body).error());
    if (!found) {
      if (!first_error) first_error = make_error(found.error().code, s->name + ": " + found.error().message);
      continue;
    }
    answered = true;
    if (*found) {
      (*found)->source = s->name;
      return found;
    }
  }
  if (!answered) return *first_error;
  return std::optional<Online>{};
}

PresenceWatcherStats PresenceWatcher::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::string PresenceWatcher::sources_json() const {
  using Json = nlohmann::json;
  Json out = Json::array();
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  for (const auto& s : sources_) {
    const auto retry = std::chrono::duration_cast<std::chrono::milliseconds>(s->next_poll - now).count();
    out.push_back({{"name", s->source.name},
                   {"kind", s->source.kind},
                   {"relay_addr", s->source.local_relay},
                   {"up", s->polls > 0 && s->consecutive_failures == 0},
                   {"polls", s->polls},
                   {"failures", s->failures},
                   {"consecutive_failures", s->consecutive_failures},
                   {"retry_in_ms", std::max<int64_t>(0, retry)},
                   {"last_error", s->last_error.empty() ? Json(nullptr) : Json(s->last_error)},
                   {"users", s->users.size()}});
  }
  return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace wzp::featherchat

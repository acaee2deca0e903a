// C ABI: featherChat presence and relay choice (featherchat/relay_config, presence_watcher,
// relay_choice): relay-config parse and fetch, the presence handle and its events.
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "capi/capi_support.hpp"
#include "featherchat/host_port.hpp"
#include "featherchat/http_request.hpp"
#include "featherchat/presence_watcher.hpp"
#include "featherchat/relay_choice.hpp"
#include "featherchat/relay_config.hpp"

using namespace wzp;
namespace fc = wzp::featherchat;
using capi::fail;
using capi::guarded;

struct wzp_fc_presence {
  explicit wzp_fc_presence(const fc::PresenceWatcherConfig& config, uint32_t timeout)
      : watcher(config), http_timeout_ms(timeout) {}
  fc::PresenceWatcher watcher;
  const uint32_t http_timeout_ms;

  // Threads inside next_event, so that free waits for them to leave before the queue goes.
  std::mutex waiters_mutex;
  std::condition_variable no_waiters;
  int waiters = 0;
  bool freeing = false;
};

namespace {

wzp_fc_presence_config presence_defaults() {
  const fc::PresenceWatcherConfig w;
  wzp_fc_presence_config c{};
  c.struct_size = sizeof c;
  c.poll_interval_ms = w.poll_interval_ms;
  c.backoff_max_ms = w.backoff_max_ms;
  c.offline_after_failures = w.offline_after_failures;
  c.http_timeout_ms = 2000;
  c.event_queue_capacity = w.queue_capacity;
  c.max_sources = w.max_sources;
  c.max_watched = w.max_watched;
  return c;
}

// The relay-config's outputs: its normalised JSON and the default relay.
int give_config(const fc::RelayConfig& config, char** out_json, char* out_relay, size_t out_relay_len) {
  if (out_relay != nullptr) {
    if (int rc = capi::copy_c_string(config.relay_addr, out_relay, out_relay_len); rc != WZP_OK) return rc;
  }
  return capi::give_string(fc::relay_config_json(config), out_json);
}

// A C ABI call answering JSON (wzp_relay_presence_json, wzp_presence_lookup, ...) as a Result.
template <class Call>
Result<std::string> json_of(Call&& call) {
  char* out = nullptr;
  const int rc = call(&out);
  if (rc != WZP_OK) return make_error(static_cast<Errc>(rc), wzp_last_error());
  std::string text(out);
  wzp_free(out);
  return text;
}

int add_source(wzp_fc_presence* presence, fc::PresenceSource source) {
  auto added = presence->watcher.add_source(std::move(source));
  return added ? WZP_OK : fail(added.error());
}

int check_relay_addr(const char* relay_addr) {
  auto parsed = fc::parse_host_port(relay_addr, "relay_addr");
  return parsed ? WZP_OK : fail(Errc::invalid_argument, parsed.error().message);
}

// Fills a full-size C event with owned copies of e's strings.
void fill_event(const fc::PresenceEvent& e, wzp_fc_presence_event* out) {
  wzp_fc_presence_event c{};
  c.struct_size = out->struct_size;
  c.type = e.change == fc::PresenceChange::online ? WZP_FC_PRESENCE_ONLINE : WZP_FC_PRESENCE_OFFLINE;
  c.time_ms = e.time_ms;
  char* fp = nullptr;
  char* relay = nullptr;
  char* source = nullptr;
  if (capi::give_string(e.fingerprint, &fp) != WZP_OK || capi::give_string(e.relay_addr, &relay) != WZP_OK ||
      capi::give_string(e.source, &source) != WZP_OK) {
    wzp_free(fp);
    wzp_free(relay);
    wzp_free(source);
    throw std::bad_alloc();
  }
  c.fingerprint = fp;
  c.relay_addr = relay;
  c.source = source;
  *out = c;
}

}  // namespace

extern "C" {

int wzp_fc_relay_config_parse(const char* json, size_t len, char** out_json, char* out_relay,
                              size_t out_relay_len) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(json);
    WZP_CAPI_REQUIRE(out_json);
    auto config = fc::parse_relay_config(std::string_view(json, len));
    if (!config) return fail(config.error());
    return give_config(*config, out_json, out_relay, out_relay_len);
  });
}

int wzp_fc_relay_config_fetch(const char* url, const char* token, uint32_t timeout_ms, char** out_json,
                              char* out_relay, size_t out_relay_len) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(url);
    WZP_CAPI_REQUIRE(out_json);
    fc::HttpGet request;
    request.url = url;
    if (token != nullptr) request.bearer = token;
    request.timeout_ms = timeout_ms;
    request.max_body = fc::kMaxRelayConfigBytes;
    auto body = fc::http_get_body(request, std::string("featherChat's relay-config at ") + url);
    if (!body) return fail(body.error());
    auto config = fc::parse_relay_config(*body);
    if (!config) return fail(config.error().code, config.error().message + " (from " + url + ")");
    return give_config(*config, out_json, out_relay, out_relay_len);
  });
}

void wzp_fc_presence_config_init_sized(wzp_fc_presence_config* config, size_t size) {
  if (config == nullptr || size < sizeof config->struct_size) return;
  capi::write_prefix(config, size, presence_defaults());
}

void wzp_fc_presence_event_init_sized(wzp_fc_presence_event* event, size_t size) {
  if (event == nullptr || size < sizeof event->struct_size) return;
  std::memset(event, 0, size);
  event->struct_size = size;
}

void wzp_fc_presence_event_clear(wzp_fc_presence_event* event) {
  if (event == nullptr) return;
  if (event->struct_size >= sizeof(wzp_fc_presence_event)) {
    // NOLINTBEGIN(cppcoreguidelines-pro-type-const-cast)
    wzp_free(const_cast<char*>(event->fingerprint));
    wzp_free(const_cast<char*>(event->relay_addr));
    wzp_free(const_cast<char*>(event->source));
    // NOLINTEND(cppcoreguidelines-pro-type-const-cast)
  }
  wzp_fc_presence_event_init_sized(event, event->struct_size);
}

void wzp_fc_presence_stats_init_sized(wzp_fc_presence_stats* stats, size_t size) {
  if (stats == nullptr || size < sizeof stats->struct_size) return;
  std::memset(stats, 0, size);
  stats->struct_size = size;
}

const char* wzp_fc_presence_event_type_name(int type) {
  switch (type) {
    case WZP_FC_PRESENCE_NONE: return "NONE";
    case WZP_FC_PRESENCE_ONLINE: return "ONLINE";
    case WZP_FC_PRESENCE_OFFLINE: return "OFFLINE";
    default: return "UNKNOWN";
  }
}

int wzp_fc_presence_new(const wzp_fc_presence_config* config, wzp_fc_presence** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(out);
    const wzp_fc_presence_config defaults = presence_defaults();
    wzp_fc_presence_config c = defaults;
    if (config != nullptr) {
      if (config->struct_size < sizeof config->struct_size)
        return fail(Errc::invalid_argument,
                    "wzp_fc_presence_config.struct_size is not set (use wzp_fc_presence_config_init)");
      c = capi::read_prefix(config, c);
    }
    fc::PresenceWatcherConfig w;
    w.poll_interval_ms = c.poll_interval_ms;
    w.backoff_max_ms = c.backoff_max_ms;
    w.offline_after_failures = c.offline_after_failures;
    w.queue_capacity = c.event_queue_capacity;
    w.max_sources = c.max_sources;
    w.max_watched = c.max_watched;
    const uint32_t timeout = c.http_timeout_ms != 0 ? c.http_timeout_ms : defaults.http_timeout_ms;
    *out = std::make_unique<wzp_fc_presence>(w, timeout).release();
    return WZP_OK;
  });
}

void wzp_fc_presence_free(wzp_fc_presence* presence) {
  if (presence == nullptr) return;
  std::unique_ptr<wzp_fc_presence> owned(presence);
  {
    std::lock_guard lock(presence->waiters_mutex);
    presence->freeing = true;
  }
  presence->watcher.stop();  // closes the queue: waiters wake up
  std::unique_lock lock(presence->waiters_mutex);
  presence->no_waiters.wait(lock, [&] { return presence->waiters == 0; });
}

int wzp_fc_presence_add_http(wzp_fc_presence* presence, const char* base_url, const char* token,
                             const char* relay_addr) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(base_url);
    WZP_CAPI_REQUIRE(relay_addr);
    fc::PresenceClientConfig config;
    config.base_url = base_url;
    if (token != nullptr) config.token = token;
    config.relay_addr = relay_addr;
    config.timeout_ms = presence->http_timeout_ms;
    auto client = fc::PresenceClient::create(std::move(config));
    if (!client) return fail(client.error());
    return add_source(presence, fc::http_presence_source(std::move(client).value()));
  });
}

int wzp_fc_presence_add_relay(wzp_fc_presence* presence, const wzp_relay* relay, const char* relay_addr) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(relay);
    std::string addr;
    if (relay_addr != nullptr) {
      addr = relay_addr;
    } else {
      char buf[64];
      if (wzp_relay_address(relay, buf, sizeof buf) != WZP_OK)
        return fail(Errc::invalid_state, "the relay is not started: give relay_addr");
      addr = buf;
    }
    if (int rc = check_relay_addr(addr.c_str()); rc != WZP_OK) return rc;
    fc::PresenceSource s;
    s.name = "relay:" + addr;
    s.kind = "relay";
    s.local_relay = addr;
    s.fetch_list = [relay] {
      return json_of([&](char** out) { return wzp_relay_presence_json(relay, out); });
    };
    s.fetch_lookup = [relay](const std::string& fp) {
      return json_of([&](char** out) { return wzp_relay_lookup(relay, fp.c_str(), out); });
    };
    return add_source(presence, std::move(s));
  });
}

int wzp_fc_presence_add_registry(wzp_fc_presence* presence, const wzp_presence* registry,
                                 const char* relay_addr) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(registry);
    WZP_CAPI_REQUIRE(relay_addr);
    if (int rc = check_relay_addr(relay_addr); rc != WZP_OK) return rc;
    fc::PresenceSource s;
    s.name = std::string("registry:") + relay_addr;
    s.kind = "registry";
    s.local_relay = relay_addr;
    s.fetch_list = [registry] {
      return json_of([&](char** out) { return wzp_presence_list_json(registry, out); });
    };
    s.fetch_lookup = [registry](const std::string& fp) {
      return json_of([&](char** out) { return wzp_presence_lookup(registry, fp.c_str(), out); });
    };
    return add_source(presence, std::move(s));
  });
}

int wzp_fc_presence_watch(wzp_fc_presence* presence, const char* fingerprint) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(fingerprint);
    auto done = presence->watcher.watch(fingerprint);
    return done ? WZP_OK : fail(done.error());
  });
}

int wzp_fc_presence_unwatch(wzp_fc_presence* presence, const char* fingerprint) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(fingerprint);
    if (!presence->watcher.unwatch(fingerprint))
      return fail(Errc::not_found, std::string(fingerprint) + " is not watched");
    return WZP_OK;
  });
}

int wzp_fc_presence_start(wzp_fc_presence* presence) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    auto started = presence->watcher.start();
    return started ? WZP_OK : fail(started.error());
  });
}

int wzp_fc_presence_lookup(wzp_fc_presence* presence, const char* fingerprint, char* out_relay,
                           size_t out_relay_len, char* out_source, size_t out_source_len) {
  return guarded([&]() -> int {
    if (out_relay != nullptr && out_relay_len > 0) *out_relay = '\0';
    if (out_source != nullptr && out_source_len > 0) *out_source = '\0';
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(fingerprint);
    auto found = presence->watcher.lookup(fingerprint);
    if (!found) return fail(found.error());
    if (!*found) return fail(Errc::not_found, std::string(fingerprint) + " is not online at any source");
    const fc::Online& online = **found;
    if (out_relay != nullptr) {
      if (int rc = capi::copy_c_string(online.relay_addr, out_relay, out_relay_len); rc != WZP_OK) return rc;
    }
    if (out_source != nullptr && out_source_len > 0) {
      // Informational: cut to fit rather than fail.
      std::snprintf(out_source, out_source_len, "%s", online.source.c_str());
    }
    return WZP_OK;
  });
}

int wzp_fc_presence_next_event(wzp_fc_presence* presence, wzp_fc_presence_event* event, int timeout_ms) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(event);
    if (event->struct_size < sizeof(wzp_fc_presence_event))
      return fail(Errc::invalid_argument,
                  "wzp_fc_presence_event.struct_size is not set (use wzp_fc_presence_event_init)");
    wzp_fc_presence_event_clear(event);
    {
      std::lock_guard lock(presence->waiters_mutex);
      if (presence->freeing) return fail(Errc::closed, "the presence handle is being freed");
      ++presence->waiters;
    }
    struct Leave {
      wzp_fc_presence* p;
      ~Leave() {
        std::lock_guard lock(p->waiters_mutex);
        if (--p->waiters == 0) p->no_waiters.notify_all();
      }
    } leave{presence};
    auto& w = presence->watcher;
    auto e = w.next_event(timeout_ms);
    if (!e) {
      if (w.closed()) return fail(Errc::closed, "the presence handle is closed");
      return timeout_ms == 0 ? fail(Errc::would_block, "no event")
                             : fail(Errc::timeout, "no event within the timeout");
    }
    fill_event(*e, event);
    return WZP_OK;
  });
}

int wzp_fc_presence_event_fd(const wzp_fc_presence* presence) {
  return presence == nullptr ? -1 : presence->watcher.event_fd();
}

int wzp_fc_presence_stats_get(const wzp_fc_presence* presence, wzp_fc_presence_stats* out) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(out);
    if (out->struct_size < sizeof out->struct_size)
      return fail(Errc::invalid_argument,
                  "wzp_fc_presence_stats.struct_size is not set (use wzp_fc_presence_stats_init)");
    const auto st = presence->watcher.stats();
    wzp_fc_presence_stats s{};
    s.polls = st.polls;
    s.failures = st.failures;
    s.events = st.events;
    s.dropped = st.dropped;
    s.sources = st.sources;
    s.watched = st.watched;
    s.online = st.online;
    capi::write_prefix(out, out->struct_size, s);
    return WZP_OK;
  });
}

int wzp_fc_presence_sources_json(const wzp_fc_presence* presence, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(out_json);
    return capi::give_string(presence->watcher.sources_json(), out_json);
  });
}

int wzp_fc_choose_relay(wzp_fc_relay_policy policy, const char* my_relay, const char* callee_relay,
                        const char* config_default, char* out_relay, size_t out_relay_len,
                        wzp_fc_relay_reason* out_reason) {
  return guarded([&]() -> int {
    if (out_reason != nullptr) *out_reason = WZP_FC_RELAY_REASON_NONE;
    WZP_CAPI_REQUIRE(out_relay);
    if (out_relay_len > 0) *out_relay = '\0';
    const long long p = capi::raw_enum(policy);
    if (p < WZP_FC_RELAY_CALLER || p > WZP_FC_RELAY_DEFAULT)
      return fail(Errc::invalid_argument, "unknown relay policy " + std::to_string(p));
    fc::RelayCandidates c;
    struct Named {
      const char* value;
      const char* name;
      std::optional<std::string>* slot;
    };
    for (const Named& n :
         {Named{my_relay, "my_relay", &c.my_relay}, Named{callee_relay, "callee_relay", &c.callee_relay},
          Named{config_default, "config_default", &c.config_default}}) {
      if (n.value == nullptr || *n.value == '\0') continue;
      auto parsed = fc::parse_host_port(n.value, n.name);
      if (!parsed) return fail(Errc::invalid_argument, parsed.error().message);
      *n.slot = n.value;
    }
    const auto choice = fc::choose_relay(static_cast<fc::RelayPolicy>(p), c);
    if (out_reason != nullptr) *out_reason = static_cast<wzp_fc_relay_reason>(choice.reason);
    if (choice.reason == fc::RelayReason::none)
      return fail(Errc::not_found, "no relay: every candidate is empty");
    return capi::copy_c_string(choice.relay_addr, out_relay, out_relay_len);
  });
}

const char* wzp_fc_relay_reason_name(int reason) {
  if (reason < WZP_FC_RELAY_REASON_NONE || reason > WZP_FC_RELAY_REASON_CONFIG_DEFAULT) return "UNKNOWN";
  return fc::relay_reason_name(static_cast<fc::RelayReason>(reason)).data();
}

const char* wzp_fc_relay_policy_name(int policy) {
  if (policy < WZP_FC_RELAY_CALLER || policy > WZP_FC_RELAY_DEFAULT) return "UNKNOWN";
  return fc::relay_policy_name(static_cast<fc::RelayPolicy>(policy)).data();
}

}  // extern "C"

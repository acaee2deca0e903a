// C ABI: the standalone presence registry (relay/presence_registry.hpp).
#include <memory>
#include <string>
#include <vector>

#include "capi/capi_support.hpp"
#include "relay/presence_json.hpp"
#include "relay/presence_registry.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;

struct wzp_presence {
  explicit wzp_presence(relay::PresenceLimits limits) : registry(limits) {}
  relay::PresenceRegistry registry;
};

namespace {

wzp_presence_config presence_defaults() {
  const relay::PresenceLimits limits;
  wzp_presence_config c{};
  c.struct_size = sizeof c;
  c.max_local = limits.max_local;
  c.max_remote = limits.max_remote;
  c.max_peers = limits.max_peers;
  return c;
}

// A required, non-empty text argument.
int require_text(const char* text, const char* what) {
  if (text == nullptr) return capi::null_argument(what);
  if (*text == '\0') return fail(Errc::invalid_argument, std::string(what) + " must not be empty");
  return WZP_OK;
}

}  // namespace

extern "C" {

void wzp_presence_config_init_sized(wzp_presence_config* config, size_t size) {
  if (config == nullptr || size < sizeof config->struct_size) return;
  capi::write_prefix(config, size, presence_defaults());
}

int wzp_presence_new(const wzp_presence_config* config, wzp_presence** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(out);
    const wzp_presence_config defaults = presence_defaults();
    wzp_presence_config c = defaults;
    if (config != nullptr) {
      if (config->struct_size < sizeof config->struct_size)
        return fail(Errc::invalid_argument,
                    "wzp_presence_config.struct_size is not set (use wzp_presence_config_init)");
      c = capi::read_prefix(config, c);
    }
    relay::PresenceLimits limits;
    limits.max_local = c.max_local != 0 ? c.max_local : defaults.max_local;
    limits.max_remote = c.max_remote != 0 ? c.max_remote : defaults.max_remote;
    limits.max_peers = c.max_peers != 0 ? c.max_peers : defaults.max_peers;
    *out = std::make_unique<wzp_presence>(limits).release();
    return WZP_OK;
  });
}

void wzp_presence_free(wzp_presence* presence) { std::unique_ptr<wzp_presence> owned(presence); }

int wzp_presence_register_local(wzp_presence* presence, const char* fingerprint, uint64_t connection_id,
                                const char* alias, const char* room) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    if (int rc = require_text(fingerprint, "fingerprint"); rc != WZP_OK) return rc;
    auto opt = [](const char* s) { return s ? std::optional<std::string>(s) : std::nullopt; };
    switch (presence->registry.register_local(fingerprint, connection_id, opt(alias), opt(room))) {
      case relay::PresenceRegistry::Registered::online: return 1;
      case relay::PresenceRegistry::Registered::again: return 0;
      case relay::PresenceRegistry::Registered::full: break;
    }
    return fail(Errc::too_large, "presence registry full: max_local users are already registered");
  });
}

int wzp_presence_unregister_local(wzp_presence* presence, const char* fingerprint, uint64_t connection_id) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(fingerprint);
    return presence->registry.unregister_local(fingerprint, connection_id) ? 1 : 0;
  });
}

int wzp_presence_update_peer(wzp_presence* presence, const char* relay_addr, const char* const* fingerprints,
                             size_t count) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    if (int rc = require_text(relay_addr, "relay_addr"); rc != WZP_OK) return rc;
    if (count > 0) WZP_CAPI_REQUIRE(fingerprints);
    std::vector<std::string> fps;
    fps.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      if (int rc = require_text(fingerprints[i], "fingerprints[i]"); rc != WZP_OK) return rc;
      fps.emplace_back(fingerprints[i]);
    }
    if (!presence->registry.update_peer(relay_addr, fps))
      return fail(Errc::too_large, std::string("presence registry full: the report of ") + relay_addr +
                                       " would exceed max_peers or max_remote; nothing changed");
    return WZP_OK;
  });
}

int wzp_presence_remove_peer(wzp_presence* presence, const char* relay_addr) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(relay_addr);
    presence->registry.remove_peer(relay_addr);
    return WZP_OK;
  });
}

int wzp_presence_lookup(const wzp_presence* presence, const char* fingerprint, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(fingerprint);
    WZP_CAPI_REQUIRE(out_json);
    return capi::give_string(relay::lookup_json(fingerprint, presence->registry.lookup(fingerprint)),
                             out_json);
  });
}

int wzp_presence_list_json(const wzp_presence* presence, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(out_json);
    return capi::give_string(relay::presence_json(presence->registry.all_known()), out_json);
  });
}

int wzp_presence_peers_json(const wzp_presence* presence, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(presence);
    WZP_CAPI_REQUIRE(out_json);
    return capi::give_string(relay::peers_json(presence->registry.peers()), out_json);
  });
}

int wzp_presence_expire(wzp_presence* presence, uint32_t ttl_ms, size_t* out_expired) {
  return guarded([&]() -> int {
    if (out_expired != nullptr) *out_expired = 0;
    WZP_CAPI_REQUIRE(presence);
    size_t n = presence->registry.expire_stale(std::chrono::milliseconds(ttl_ms));
    if (out_expired != nullptr) *out_expired = n;
    return WZP_OK;
  });
}

int wzp_presence_counts(const wzp_presence* presence, size_t* out_local, size_t* out_remote,
                        size_t* out_peers) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(presence);
    if (out_local != nullptr) *out_local = presence->registry.local_count();
    if (out_remote != nullptr) *out_remote = presence->registry.remote_count();
    if (out_peers != nullptr) *out_peers = presence->registry.peer_count();
    return WZP_OK;
  });
}

}  // extern "C"

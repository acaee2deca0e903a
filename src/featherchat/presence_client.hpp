// A client for one relay's presence HTTP API (GET /presence, /presence/{fp}; relay spec
// §12.2-12.3), answering "online at relay X": a user the relay calls "Local" is at that
// relay itself (its client-facing address, which the HTTP API does not know and the caller
// names), one it reports as {"Remote": "ip:port"} is at that peer relay.
//
// The same parsers read what an in-process relay or presence registry answers
// (wzp_relay_presence_json, wzp_presence_lookup), which has the same shapes.
//
// Threading: a PresenceClient is immutable; its calls block for up to timeout_ms and may run on
// any thread, concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace wzp::featherchat {

/// A user online at a relay.
struct Online {
  std::string fingerprint;
  std::string relay_addr;  // "host:port"
  bool local = false;      // true: at the relay that answered; false: at a peer of it
  std::string source;      // who answered (set by PresenceWatcher::lookup; empty otherwise)
  friend bool operator==(const Online&, const Online&) = default;
};

/// GET /presence/{fp}'s answer: the user, or nullopt when the location is null. `local_relay`
/// names the answering relay. Errors: malformed (not the shape, a fingerprint other than the one
/// asked for, a Remote address that is not host:port).
Result<std::optional<Online>> parse_presence_lookup(std::string_view json, std::string_view fingerprint,
                                                    std::string_view local_relay);
/// GET /presence's answer, in its order; a user listed twice is kept once (the first).
/// Errors: malformed (as above).
Result<std::vector<Online>> parse_presence_list(std::string_view json, std::string_view local_relay);

struct PresenceClientConfig {
  std::string base_url;              // "http://127.0.0.1:9090" (a trailing "/" is ignored)
  std::optional<std::string> token;  // the relay's http_token, if it has one
  std::string relay_addr;            // the relay's client-facing "host:port" (for "Local")
  uint32_t timeout_ms = 2000;
  size_t max_body = size_t{4} << 20;
};

class PresenceClient {
 public:
  /// Errors: invalid_argument (base_url not http(s)://, relay_addr not host:port).
  static Result<PresenceClient> create(PresenceClientConfig config);

  /// Where one user is (nullopt: nowhere this relay knows). Errors: those of http_get and
  /// expect_success (io, timeout, too_large, auth_rejected, not_found), malformed.
  Result<std::optional<Online>> lookup(const std::string& fingerprint) const;
  /// Every user the relay knows. Errors: as lookup.
  Result<std::vector<Online>> list() const;
  /// The raw bodies (for sources that parse later). Errors: as lookup, without malformed.
  Result<std::string> list_json() const;
  Result<std::string> lookup_json(const std::string& fingerprint) const;

  const PresenceClientConfig& config() const noexcept { return config_; }

 private:
  explicit PresenceClient(PresenceClientConfig config) : config_(std::move(config)) {}
  Result<std::string> get(const std::string& path) const;
  PresenceClientConfig config_;
};

}  // namespace wzp::featherchat

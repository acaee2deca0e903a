// The reference's JSON shapes for presence (relay spec §12.2–12.4): keys in
// alphabetical order, pretty bodies indented by 2 spaces, a location as "Local"
// or {"Remote": "ip:port"}. Bytes that are not UTF-8 are replaced, never thrown.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "relay/presence_registry.hpp"

namespace wzp::relay {

/// GET /presence: a pretty array of {"fingerprint", "location"}; empty: "[]".
std::string presence_json(const std::vector<PresenceEntry>& entries);
/// GET /presence/{fp}: pretty {"fingerprint", "location"} when found, else the
/// compact {"fingerprint":"<fp>","location":null}.
std::string lookup_json(const std::string& fp, const std::optional<PresenceLocation>& location);
/// GET /peers: a pretty array of {"addr", "fingerprints", "rtt_ms"} (null when unknown).
std::string peers_json(const std::vector<PresencePeer>& peers);

}  // namespace wzp::relay

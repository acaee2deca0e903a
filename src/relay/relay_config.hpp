// Everything a RelayServer needs to start. The C ABI and the daemon resolve
// files (identity seed, certificate, ACL) into these values.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "crypto/identity.hpp"
#include "crypto/seed.hpp"
#include "transport/tls_credentials.hpp"
#include "transport/transport_settings.hpp"

namespace wzp::relay {

struct RelayConfig {
  std::string listen_host = "0.0.0.0";
  uint16_t listen_port = 4433;
  crypto::Identity identity = crypto::Identity::from_seed(crypto::Seed::random());
  /// nullptr: a fresh self-signed certificate.
  std::shared_ptr<const transport::TlsCredentials> credentials;
  transport::TransportSettings transport;

  /// featherChat token validation; no authentication when empty.
  std::optional<std::string> auth_url;
  uint32_t auth_timeout_ms = 5000;
  /// The reference never compares the token's fingerprint with the handshake
  /// identity; we require equality unless this is set.
  bool allow_identity_mismatch = false;
  /// Refuse a CallOffer without the v2 media session (WZP_CLOSE_HANDSHAKE_FAILED)
  /// instead of answering it with the reference session.
  bool require_media_session_v2 = false;

  /// Sessions held at once: connections whose QUIC handshake completed, the
  /// ones still authenticating included. Every connection over it is
  /// refused with WZP_CLOSE_SERVER_FULL once its handshake completes.
  size_t max_sessions = 100;
  /// QUIC handshakes in progress at once (0: max(16, max_sessions / 4)); over
  /// half of it, clients must answer a Retry first (address validation).
  size_t max_handshakes = 0;
  /// Deadline for a QUIC handshake (a client that never finishes it holds a
  /// handshake slot this long).
  uint32_t handshake_timeout_ms = 3'000;
  /// Participants per room; 0 = unlimited.
  size_t max_room_size = 0;
  /// Deadline for each pre-room phase (AuthToken, CallOffer).
  uint32_t phase_timeout_ms = 10'000;

  bool acl_enabled = false;
  std::map<std::string, std::set<std::string>> acl;
};

}  // namespace wzp::relay

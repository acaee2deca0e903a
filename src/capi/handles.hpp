// The structs behind the opaque C handles. Only src/capi includes this.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "crypto/anti_replay.hpp"
#include "crypto/identity.hpp"
#include "crypto/seed.hpp"
#include "handshake/signal_handshake.hpp"
#include "wzp.h"

struct wzp_identity {
  wzp::crypto::Seed seed;
  wzp::crypto::Identity identity;
};

struct wzp_session {
  std::variant<wzp::crypto::MediaSession, wzp::crypto::ReferenceSession> session;
  wzp::crypto::SessionId v2_id{};  // SHA-256 of the v2 session's base key [0..4]
  std::optional<wzp::crypto::Ed25519Public> peer;
  std::optional<wzp::wire::QualityProfile> profile;
};

struct wzp_caller {
  wzp::handshake::Caller caller;
  std::string offer_json;
};

struct wzp_callee {
  wzp::crypto::Identity identity;
  wzp::handshake::Options options;
  bool answered = false;
};

struct wzp_replay_window {
  wzp::crypto::AntiReplayWindow window;
};

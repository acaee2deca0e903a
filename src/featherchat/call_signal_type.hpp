// featherChat's CallSignalType, the coarse tag its server routes and keeps call state by
// (featherChat spec §1.4): featherChat's seven values in its order, then the five libwzp adds
// for signals that have no featherChat tag of their own.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "wire/signal_message.hpp"

namespace wzp::featherchat {

enum class CallSignalType : uint32_t {
  offer,
  answer,
  ice_candidate,
  hangup,
  reject,
  ringing,
  busy,
  hold,
  unhold,
  mute,
  unmute,
  transfer,
};

/// Values a featherChat server knows (offer .. busy); the rest are libwzp's own.
inline constexpr uint32_t kFeatherchatSignalTypes = 7;
inline constexpr uint32_t kCallSignalTypes = 12;

/// The JSON / display name: "Offer", "IceCandidate", ...
std::string_view call_signal_type_name(CallSignalType type) noexcept;
std::optional<CallSignalType> call_signal_type_from_name(std::string_view name) noexcept;
std::optional<CallSignalType> call_signal_type_from_index(uint32_t index) noexcept;

/// The tag for a WZP signal (spec §1.4's mapping): CallOffer -> offer, CallAnswer -> answer,
/// IceCandidate, Hangup, Hold, Unhold, Mute, Unmute and Transfer to their own; every other
/// signal (Rekey, QualityUpdate, Ping, Pong, AuthToken, TransferAck, PresenceUpdate) -> offer.
/// Reject, Ringing and Busy are never derived: they are chosen by the call's state.
CallSignalType call_signal_type_for(const wire::SignalMessage& signal) noexcept;

}  // namespace wzp::featherchat

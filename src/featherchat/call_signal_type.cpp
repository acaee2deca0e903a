#include "featherchat/call_signal_type.hpp"

#include <array>

namespace wzp::featherchat {
namespace {

constexpr std::array<std::string_view, kCallSignalTypes> kNames{
    "Offer", "Answer", "IceCandidate", "Hangup", "Reject", "Ringing",
    "Busy",  "Hold",   "Unhold",       "Mute",   "Unmute", "Transfer",
};

struct TagOf {
  CallSignalType operator()(const wire::CallOffer&) const { return CallSignalType::offer; }
  CallSignalType operator()(const wire::CallAnswer&) const { return CallSignalType::answer; }
  CallSignalType operator()(const wire::IceCandidate&) const { return CallSignalType::ice_candidate; }
  CallSignalType operator()(const wire::Hangup&) const { return CallSignalType::hangup; }
  CallSignalType operator()(const wire::Hold&) const { return CallSignalType::hold; }
  CallSignalType operator()(const wire::Unhold&) const { return CallSignalType::unhold; }
  CallSignalType operator()(const wire::Mute&) const { return CallSignalType::mute; }
  CallSignalType operator()(const wire::Unmute&) const { return CallSignalType::unmute; }
  CallSignalType operator()(const wire::Transfer&) const { return CallSignalType::transfer; }
  // No tag of their own: the generic one, as the reference does.
  template <class Other>
  CallSignalType operator()(const Other&) const {
    return CallSignalType::offer;
  }
};

}  // namespace

std::string_view call_signal_type_name(CallSignalType type) noexcept {
  const auto index = static_cast<uint32_t>(type);
  return index < kNames.size() ? kNames[index] : std::string_view{};
}

std::optional<CallSignalType> call_signal_type_from_name(std::string_view name) noexcept {
  for (uint32_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<CallSignalType>(i);
  }
  return std::nullopt;
}

std::optional<CallSignalType> call_signal_type_from_index(uint32_t index) noexcept {
  if (index >= kCallSignalTypes) return std::nullopt;
  return static_cast<CallSignalType>(index);
}

CallSignalType call_signal_type_for(const wire::SignalMessage& signal) noexcept {
  return std::visit(TagOf{}, signal);
}

}  // namespace wzp::featherchat

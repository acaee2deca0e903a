#include "featherchat/call_record.hpp"

#include <array>

namespace wzp::featherchat {
namespace {

template <size_t N, class E>
std::string_view name_of(const std::array<std::string_view, N>& names, E value) {
  const auto i = static_cast<size_t>(value);
  return i < N ? names[i] : std::string_view{};
}

}  // namespace

std::string_view direction_name(CallDirection direction) noexcept {
  static constexpr std::array<std::string_view, 2> kNames{"outgoing", "incoming"};
  return name_of(kNames, direction);
}

std::string_view state_name(CallState state) noexcept {
  static constexpr std::array<std::string_view, 6> kNames{"idle",       "offering", "ringing",
                                                          "connecting", "active",   "ended"};
  return name_of(kNames, state);
}

std::string_view end_name(CallEnd end) noexcept {
  static constexpr std::array<std::string_view, 8> kNames{"none",      "hangup", "busy",   "rejected",
                                                          "cancelled", "missed", "failed", "glare"};
  return name_of(kNames, end);
}

}  // namespace wzp::featherchat

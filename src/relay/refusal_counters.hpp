// Connections the relay refused, by the close code it gave them
// (wzp_relay_refusals_total{code}); written on the loop thread, read anywhere.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <utility>
#include <vector>

#include "wire/close_codes.hpp"

namespace wzp::relay {

class RefusalCounters {
 public:
  void add(wire::CloseCode code) noexcept;
  /// (code, count) for every code counted at least once, in code order.
  std::vector<std::pair<wire::CloseCode, uint64_t>> snapshot() const;

 private:
  static constexpr std::array kCodes{
      wire::CloseCode::normal,        wire::CloseCode::auth_rejected,     wire::CloseCode::auth_unavailable,
      wire::CloseCode::auth_required, wire::CloseCode::identity_mismatch, wire::CloseCode::handshake_failed,
      wire::CloseCode::timeout,       wire::CloseCode::malformed_signal,  wire::CloseCode::acl_denied,
      wire::CloseCode::room_full,     wire::CloseCode::server_full,       wire::CloseCode::shutdown};
  std::array<std::atomic<uint64_t>, kCodes.size()> counts_{};
};

}  // namespace wzp::relay

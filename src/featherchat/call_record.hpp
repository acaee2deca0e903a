// One featherChat call as the application sees it: its state, how it ended, and the record kept
// for the call history (FC-2, FC-7).
//
//   outgoing: offering ─ Ringing ─► ringing ─ Answer ─► connecting ─ media up ─► active ─► ended
//   incoming: ringing ─ accept ─► connecting ─ media up ─► active ─► ended
//   any live state ─► ended: hangup, busy, rejected, cancelled, missed, failed, or glare (the
//   simultaneous call in the other direction was kept instead of this one)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wire/signal_message.hpp"

namespace wzp::featherchat {

enum class CallDirection : uint8_t { outgoing, incoming };
enum class CallState : uint8_t { idle, offering, ringing, connecting, active, ended };
enum class CallEnd : uint8_t { none, hangup, busy, rejected, cancelled, missed, failed, glare };

/// "outgoing"/"incoming"; "idle", "offering", ...; "none", "hangup", "busy", ...
std::string_view direction_name(CallDirection direction) noexcept;
std::string_view state_name(CallState state) noexcept;
std::string_view end_name(CallEnd end) noexcept;

struct CallRecord {
  std::string call_id;
  CallDirection direction = CallDirection::outgoing;
  std::string peer;  // the other side's fingerprint, "xxxx:xxxx:..." form
  std::optional<std::string> relay_addr;
  std::optional<std::string> room;  // the raw room name: hash it to join
  std::optional<std::string>
      relay_choice;  // why this relay, when the manager chose it ("CALLEE_ONLINE", ...)
  CallState state = CallState::idle;
  CallEnd end = CallEnd::none;
  bool ended_here = false;   // this side ended it (hung up, rejected, timed out, failed)
  std::string detail;        // why it failed, when it did
  int64_t offered_ms = 0;    // placed or received (the manager's clock: Unix ms)
  int64_t answered_ms = -1;  // reached connecting; -1: never
  int64_t active_ms = -1;    // media up; -1: never
  int64_t ended_ms = -1;
  std::optional<wire::CallOffer> remote_offer;    // an incoming call's offer (the caller's keys)
  std::optional<wire::CallAnswer> remote_answer;  // an outgoing call's answer (the callee's keys)
};

/// A transition: the call as it is now, and the state it left.
struct CallEvent {
  CallRecord call;
  CallState from = CallState::idle;
};

}  // namespace wzp::featherchat

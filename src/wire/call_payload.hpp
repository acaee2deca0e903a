// featherChat call payload (wire spec §8.5): a SignalMessage wrapped as
// {"signal":<SignalMessage>,"relay_addr":<string|null>,"room":<string|null>},
// carried as the payload of a featherChat CallSignal. libwzp adds "call_id" (a string, last,
// only when set) so that the signals of one call can be told from another's between the
// same two users (featherChat spec Part 6, note 7); a reference decoder ignores it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "wire/signal_message.hpp"

namespace wzp::wire {

struct CallPayload {
  SignalMessage signal;
  std::optional<std::string> relay_addr;
  std::optional<std::string> room;
  std::optional<std::string> call_id;  // libwzp extension

  friend bool operator==(const CallPayload&, const CallPayload&) = default;
};

/// The exact JSON text (keys in the order signal, relay_addr, room).
std::string encode_json(const CallPayload& payload);

/// Decode. Unknown extra keys are ignored; relay_addr, room and call_id may be
/// missing or null. Errors: Errc::json (as decode_json for the embedded signal).
Result<CallPayload> decode_call_payload(std::string_view text);

}  // namespace wzp::wire

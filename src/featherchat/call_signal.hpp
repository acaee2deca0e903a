// featherChat's CallSignal message (featherChat spec §1.3): how a WZP signal travels through
// featherChat. libwzp builds and opens the message; featherChat's client sends it inside its
// own (end-to-end encrypted) envelope and its server routes it by `target`.
//
//   id                  a fresh random UUID per message: featherChat deduplicates by id, so
//                       Offer, Answer and Hangup of one call must not share one (FC-3)
//   sender_fingerprint  "xxxx:xxxx:...:xxxx", the sender's identity fingerprint
//   signal_type         the coarse tag (call_signal_type.hpp)
//   payload             the CallPayload JSON text {"signal":...,"relay_addr":...,"room":...}
//   target              the recipient's fingerprint
//
// Binary form (featherChat's WireMessage with bincode 1.x defaults): the variant tag as u32 LE,
// then the fields in the order above, each string as a u64 LE length and its UTF-8 bytes,
// signal_type as a u32 LE index. The variant index is not pinned by the spec (7 is its best
// reading), so it is a parameter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "featherchat/call_signal_type.hpp"
#include "wire/call_payload.hpp"
#include "wire/signal_message.hpp"

namespace wzp::featherchat {

struct CallSignal {
  std::string id;
  std::string sender_fingerprint;
  CallSignalType signal_type = CallSignalType::offer;
  std::string payload;
  std::string target;
  friend bool operator==(const CallSignal&, const CallSignal&) = default;
};

/// A random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lowercase.
std::string new_message_id();

/// Which call a signal belongs to and where its media goes: the call id (libwzp's payload
/// extension), the relay ("host:port") and the raw room name (each side hashes it when it
/// joins; a hashed name here would be hashed twice and split the call).
struct CallRoute {
  std::optional<std::string> relay_addr;
  std::optional<std::string> room;
  std::optional<std::string> call_id;
};

/// Wraps a WZP signal: a fresh id, the signal's tag, the payload JSON. With
/// `featherchat_tags_only`, the libwzp-only tags (Hold .. Transfer) become Offer, for a
/// featherChat whose enum has only its seven values. Fingerprints are taken as given.
CallSignal wrap_signal(const wire::SignalMessage& signal, const std::string& sender,
                       const std::string& target, const CallRoute& route = {},
                       bool featherchat_tags_only = false);

/// The featherChat-only tags, each with a payload any WZP peer can decode (spec §1.4's
/// recommendation): Ringing carries Ping{now_ms}, Reject Hangup{Declined}, Busy Hangup{Busy}.
/// Errors: Errc::invalid_argument for any other tag.
Result<CallSignal> state_signal(CallSignalType type, const std::string& sender, const std::string& target,
                                uint64_t now_ms, const CallRoute& route = {});

/// Opens a received CallSignal: checks that both fingerprints parse, decodes the payload and
/// checks that the tag fits the signal (its own tag, the generic Offer, Reject/Busy for a
/// Hangup, Ringing for anything). Errors: Errc::invalid_argument (a fingerprint, an empty id),
/// Errc::json "invalid call payload: ..." (the payload), Errc::malformed (tag and signal disagree).
Result<wire::CallPayload> open_signal(const CallSignal& message);

/// The WireMessage variant index the spec reads for CallSignal (UNCERTAIN there: 7).
inline constexpr uint32_t kCallSignalVariant = 7;
/// A string field longer than this is refused when decoding (featherChat's messages are small).
inline constexpr uint64_t kMaxFieldBytes = 1 << 20;

/// The bincode bytes of the WireMessage::CallSignal.
Bytes encode_bincode(const CallSignal& message, uint32_t variant = kCallSignalVariant);
/// Decodes them. Errors: Errc::malformed naming the field (truncated, another variant, an
/// unknown signal type, a field over kMaxFieldBytes, invalid UTF-8, bytes left over).
Result<CallSignal> decode_bincode(ByteView bytes, uint32_t variant = kCallSignalVariant);

}  // namespace wzp::featherchat

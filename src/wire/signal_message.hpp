// SignalMessage: the JSON messages exchanged on signaling streams (wire spec
// §8). One struct per variant, in the reference's order; the JSON encoding is
// serde_json's externally tagged form, byte-exact with the reference:
//   field-less variants are bare strings ("Hold"), the others an object with
//   one key, {"Ping":{"timestamp_ms":5}}; keys in declaration order; byte
//   arrays as arrays of numbers; absent options as null; binary32 floats in
//   shortest round-trip form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "wire/codec_id.hpp"
#include "wire/json_reader.hpp"
#include "wire/quality_profile.hpp"
#include "wire/quality_report.hpp"

namespace wzp::wire {

enum class HangupReason : uint8_t { normal, busy, declined, timeout, error };

/// "Normal", "Busy", "Declined", "Timeout", "Error".
std::string_view hangup_reason_name(HangupReason reason) noexcept;
std::optional<HangupReason> hangup_reason_from_name(std::string_view name) noexcept;

/// Caller -> callee: identity key, ephemeral X25519 key, Ed25519 signature over
/// ephemeral_pub || "call-offer", offered profiles.
struct CallOffer {
  ByteArray<32> identity_pub{};
  ByteArray<32> ephemeral_pub{};
  Bytes signature;
  std::vector<QualityProfile> supported_profiles;
  /// libwzp extension "wzp_media_session": the media session version the sender
  /// supports (2 = libwzp's v2 session). Emitted last and only when set; a
  /// reference peer ignores the unknown field.
  std::optional<uint32_t> media_session_version;
  /// libwzp extension "wzp_peers": the room extension version the sender
  /// supports (wire/room_message.hpp). Emitted after "wzp_media_session", only when set.
  std::optional<uint32_t> peers_version;
  /// libwzp extension "wzp_trunk": the sender decodes TrunkFrames from a relay
  /// (kTrunkVersion). Emitted after "wzp_peers", only when set.
  std::optional<uint32_t> trunk_version;
  friend bool operator==(const CallOffer&, const CallOffer&) = default;
};
/// Callee -> caller: as CallOffer (label "call-answer") with the chosen profile.
struct CallAnswer {
  ByteArray<32> identity_pub{};
  ByteArray<32> ephemeral_pub{};
  Bytes signature;
  QualityProfile chosen_profile;
  /// libwzp extension "wzp_media_session" (see CallOffer): set when the callee
  /// agrees to the v2 media session.
  std::optional<uint32_t> media_session_version;
  /// libwzp extension "wzp_peers" (see CallOffer): set when the relay agrees.
  std::optional<uint32_t> peers_version;
  /// libwzp extension "wzp_trunk" (see CallOffer): set when the relay will send
  /// this client every media datagram as a TrunkFrame.
  std::optional<uint32_t> trunk_version;
  friend bool operator==(const CallAnswer&, const CallAnswer&) = default;
};
/// The value of the "wzp_trunk" handshake field this version speaks.
inline constexpr uint32_t kTrunkVersion = 1;

struct IceCandidate {
  std::string candidate;
  friend bool operator==(const IceCandidate&, const IceCandidate&) = default;
};
struct Rekey {
  ByteArray<32> new_ephemeral_pub{};
  Bytes signature;
  friend bool operator==(const Rekey&, const Rekey&) = default;
};
struct QualityUpdate {
  QualityReport report;
  QualityProfile recommended_profile;
  friend bool operator==(const QualityUpdate&, const QualityUpdate&) = default;
};
struct Ping {
  uint64_t timestamp_ms = 0;
  friend bool operator==(const Ping&, const Ping&) = default;
};
struct Pong {
  uint64_t timestamp_ms = 0;
  friend bool operator==(const Pong&, const Pong&) = default;
};
struct Hangup {
  HangupReason reason = HangupReason::normal;
  friend bool operator==(const Hangup&, const Hangup&) = default;
};
struct AuthToken {
  std::string token;
  friend bool operator==(const AuthToken&, const AuthToken&) = default;
};
struct Hold {
  friend bool operator==(const Hold&, const Hold&) = default;
};
struct Unhold {
  friend bool operator==(const Unhold&, const Unhold&) = default;
};
struct Mute {
  friend bool operator==(const Mute&, const Mute&) = default;
};
struct Unmute {
  friend bool operator==(const Unmute&, const Unmute&) = default;
};
struct Transfer {
  std::string target_fingerprint;
  std::optional<std::string> relay_addr;
  friend bool operator==(const Transfer&, const Transfer&) = default;
};
struct TransferAck {
  friend bool operator==(const TransferAck&, const TransferAck&) = default;
};
struct PresenceUpdate {
  std::vector<std::string> fingerprints;
  std::string relay_addr;
  friend bool operator==(const PresenceUpdate&, const PresenceUpdate&) = default;
};

/// Alternative index i is variant number i + 1 of the spec's table.
using SignalMessage =
    std::variant<CallOffer, CallAnswer, IceCandidate, Rekey, QualityUpdate, Ping, Pong, Hangup, AuthToken,
                 Hold, Unhold, Mute, Unmute, Transfer, TransferAck, PresenceUpdate>;

/// The variant's JSON tag, e.g. "CallOffer", "Hold".
std::string_view variant_name(const SignalMessage& message) noexcept;

/// Append the exact JSON text of `message` to `out`. Strings that are not
/// valid UTF-8 get U+FFFD in place of each invalid byte; a non-finite
/// fec_ratio prints as null (as the reference), which no decoder accepts.
void append_json(std::string& out, const SignalMessage& message);
/// The exact JSON text of `message` (compact, no trailing newline).
std::string encode_json(const SignalMessage& message);

/// Decode a JSON text. Accepts what the reference accepts (whitespace, unknown
/// fields in a variant's field object and in nested profiles/reports, missing
/// optional fields, {"Hold":null}, fields given as an array, integer or long
/// decimal fec_ratio). Errors: Errc::json with the reason (unknown variant,
/// missing/duplicate field, wrong type, out-of-range number, wrong array
/// length, invalid JSON or UTF-8, trailing characters, nesting too deep).
Result<SignalMessage> decode_json(std::string_view text);
/// Decode from an already parsed value (for wrappers embedding a message).
Result<SignalMessage> decode_json_value(const json::Value& value);

// JSON forms of the nested types, as they appear inside messages. The
// *_from_json decoders follow serde like decode_json (object or array form,
// unknown keys ignored) and fail with Errc::json, naming `where` in the message.
void append_json(std::string& out, const QualityProfile& profile);
void append_json(std::string& out, const QualityReport& report);
std::string encode_json(const QualityProfile& profile);
std::string encode_json(const QualityReport& report);
std::string encode_json(CodecId codec);
Result<QualityProfile> quality_profile_from_json(const json::Value& value, std::string_view where);
Result<QualityReport> quality_report_from_json(const json::Value& value, std::string_view where);

}  // namespace wzp::wire

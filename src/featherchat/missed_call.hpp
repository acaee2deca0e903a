// The missed-call record (FC-7, featherChat spec §1.9): what a callee learns of a call that
// rang out unanswered, small enough for a LoRa frame or a "mule" hop.
//
//   offset size field
//   0      1    version 0x01
//   1      1    type 0x04 (missed call)
//   2      8    caller's fingerprint, first 8 bytes
//   10     8    callee's fingerprint, first 8 bytes
//   18     4    Unix time in seconds, big-endian (the spec leaves the order open; big-endian
//               as the rest of WZP)
//   22     16   call id: a UUID's 16 bytes; any other id text, SHA-256(id)[0..16]
//   38     1    media type: 0x01 audio, 0x02 video
//
// And the same as JSON for an application's call history:
//   {"caller":"<16 hex>","callee":"<16 hex>","time":<unix seconds>,"call_id":"<UUID text>","media":"audio"}
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/fingerprint.hpp"

namespace wzp::featherchat {

enum class MediaType : uint8_t { audio = 1, video = 2 };

struct MissedCall {
  static constexpr size_t kSize = 39;
  static constexpr uint8_t kVersion = 0x01;
  static constexpr uint8_t kType = 0x04;

  ByteArray<8> caller{};  // first 8 bytes of the caller's fingerprint
  ByteArray<8> callee{};
  uint32_t unix_time = 0;
  ByteArray<16> call_id{};
  MediaType media = MediaType::audio;

  friend bool operator==(const MissedCall&, const MissedCall&) = default;
};

/// A call id's 16 bytes: the id parsed as a UUID (36 characters with hyphens, any case), or
/// SHA-256 of the id's text cut to 16 bytes for any other id (both ends compute the same).
ByteArray<16> call_id_bytes(std::string_view call_id);
/// The 16 bytes as UUID text (lowercase).
std::string call_id_text(const ByteArray<16>& bytes);

MissedCall make_missed_call(const crypto::Fingerprint& caller, const crypto::Fingerprint& callee,
                            uint32_t unix_time, std::string_view call_id, MediaType media = MediaType::audio);

ByteArray<MissedCall::kSize> encode(const MissedCall& record);
/// Errors: Errc::malformed naming what is wrong (size, version, type, media type).
Result<MissedCall> decode_missed_call(ByteView bytes);

std::string encode_json(const MissedCall& record);
/// Errors: Errc::json (as the other JSON decoders: missing or mistyped member, bad hex, an
/// unknown media name). Unknown members are ignored.
Result<MissedCall> decode_missed_call_json(std::string_view text);

}  // namespace wzp::featherchat

#include "featherchat/missed_call.hpp"

#include <algorithm>
#include <array>

#include "core/hex.hpp"
#include "crypto/sha256.hpp"
#include "wire/json_reader.hpp"
#include "wire/json_writer.hpp"

namespace wzp::featherchat {
namespace {

constexpr std::array<size_t, 4> kUuidHyphens{8, 13, 18, 23};

std::optional<ByteArray<16>> parse_uuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool hyphen_place = std::find(kUuidHyphens.begin(), kUuidHyphens.end(), i) != kUuidHyphens.end();
    if (hyphen_place != (text[i] == '-')) return std::nullopt;
    if (!hyphen_place) digits += text[i];
  }
  auto bytes = from_hex(digits);
  if (!bytes || bytes->size() != 16) return std::nullopt;
  ByteArray<16> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

template <size_t N>
ByteArray<N> prefix(const ByteArray<16>& bytes) {
  ByteArray<N> out{};
  std::copy_n(bytes.begin(), N, out.begin());
  return out;
}

std::string_view media_name(MediaType media) { return media == MediaType::video ? "video" : "audio"; }

template <size_t N>
Status hex_field(const wire::json::Value& value, std::string_view where, ByteArray<N>& out) {
  auto text = wire::json::to_string(value, where);
  if (!text) return std::move(text).error();
  auto bytes = from_hex(*text);
  if (!bytes || bytes->size() != N) {
    return make_error(Errc::json, std::string(where) + ": expected " + std::to_string(2 * N) + " hex digits");
  }
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return {};
}

}  // namespace

ByteArray<16> call_id_bytes(std::string_view call_id) {
  if (auto uuid = parse_uuid(call_id)) return *uuid;
  const auto digest =
      crypto::sha256(ByteView(reinterpret_cast<const uint8_t*>(call_id.data()), call_id.size()));
  ByteArray<16> out{};
  std::copy_n(digest.begin(), out.size(), out.begin());
  return out;
}

std::string call_id_text(const ByteArray<16>& bytes) {
  const std::string hex = to_hex(bytes);
  std::string out;
  for (size_t i = 0; i < hex.size(); ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
    out += hex[i];
  }
  return out;
}

MissedCall make_missed_call(const crypto::Fingerprint& caller, const crypto::Fingerprint& callee,
                            uint32_t unix_time, std::string_view call_id, MediaType media) {
  MissedCall out;
  out.caller = prefix<8>(caller.bytes());
  out.callee = prefix<8>(callee.bytes());
  out.unix_time = unix_time;
  out.call_id = call_id_bytes(call_id);
  out.media = media;
  return out;
}

ByteArray<MissedCall::kSize> encode(const MissedCall& record) {
  ByteArray<MissedCall::kSize> out{};
  out[0] = MissedCall::kVersion;
  out[1] = MissedCall::kType;
  std::copy(record.caller.begin(), record.caller.end(), out.begin() + 2);
  std::copy(record.callee.begin(), record.callee.end(), out.begin() + 10);
  store_be32(out.data() + 18, record.unix_time);
  std::copy(record.call_id.begin(), record.call_id.end(), out.begin() + 22);
  out[38] = static_cast<uint8_t>(record.media);
  return out;
}

Result<MissedCall> decode_missed_call(ByteView bytes) {
  if (bytes.size() != MissedCall::kSize) {
    return make_error(Errc::malformed,
                      "a missed-call record is 39 bytes, not " + std::to_string(bytes.size()));
  }
  if (bytes[0] != MissedCall::kVersion) {
    return make_error(Errc::malformed,
                      "missed-call record version " + std::to_string(bytes[0]) + " (expected 1)");
  }
  if (bytes[1] != MissedCall::kType) {
    return make_error(Errc::malformed,
                      "record type " + std::to_string(bytes[1]) + " is not a missed call (4)");
  }
  if (bytes[38] != static_cast<uint8_t>(MediaType::audio) &&
      bytes[38] != static_cast<uint8_t>(MediaType::video)) {
    return make_error(Errc::malformed, "missed-call media type " + std::to_string(bytes[38]) + " is unknown");
  }
  MissedCall out;
  std::copy_n(bytes.begin() + 2, 8, out.caller.begin());
  std::copy_n(bytes.begin() + 10, 8, out.callee.begin());
  out.unix_time = load_be32(bytes.data() + 18);
  std::copy_n(bytes.begin() + 22, 16, out.call_id.begin());
  out.media = static_cast<MediaType>(bytes[38]);
  return out;
}

std::string encode_json(const MissedCall& record) {
  std::string out =
      "{\"caller\":\"" + to_hex(record.caller) + "\",\"callee\":\"" + to_hex(record.callee) + "\",\"time\":";
  wire::json::append_u64(out, record.unix_time);
  out += ",\"call_id\":\"" + call_id_text(record.call_id) + "\",\"media\":\"";
  out += media_name(record.media);
  out += "\"}";
  return out;
}

Result<MissedCall> decode_missed_call_json(std::string_view text) {
  auto value = wire::json::parse(text);
  if (!value) return std::move(value).error();
  static constexpr std::array<wire::json::FieldSpec, 5> kFields{
      {{"caller"}, {"callee"}, {"time"}, {"call_id"}, {"media"}}};
  std::array<const wire::json::Value*, 5> f{};
  WZP_TRY(wire::json::struct_fields(*value, "MissedCall", kFields, f));
  MissedCall out;
  WZP_TRY(hex_field(*f[0], "MissedCall.caller", out.caller));
  WZP_TRY(hex_field(*f[1], "MissedCall.callee", out.callee));
  auto time = wire::json::to_u64(*f[2], "MissedCall.time");
  if (!time) return std::move(time).error();
  if (*time > UINT32_MAX) return make_error(Errc::json, "MissedCall.time: beyond 32 bits");
  out.unix_time = static_cast<uint32_t>(*time);
  auto id = wire::json::to_string(*f[3], "MissedCall.call_id");
  if (!id) return std::move(id).error();
  auto uuid = parse_uuid(*id);
  if (!uuid) return make_error(Errc::json, "MissedCall.call_id: not a UUID");
  out.call_id = *uuid;
  auto media = wire::json::to_string(*f[4], "MissedCall.media");
  if (!media) return std::move(media).error();
  if (*media == "audio") {
    out.media = MediaType::audio;
  } else if (*media == "video") {
    out.media = MediaType::video;
  } else {
    return make_error(Errc::json, "MissedCall.media: \"" + *media + "\" is neither audio nor video");
  }
  return out;
}

}  // namespace wzp::featherchat

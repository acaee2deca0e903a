#include "wire/signal_message.hpp"

#include <array>

#include "wire/f32_format.hpp"
#include "wire/json_writer.hpp"

namespace wzp::wire {
namespace {

constexpr std::array<std::string_view, std::variant_size_v<SignalMessage>> kVariantNames{
    "CallOffer", "CallAnswer", "IceCandidate", "Rekey",          "QualityUpdate", "Ping",
    "Pong",      "Hangup",     "AuthToken",    "Hold",           "Unhold",        "Mute",
    "Unmute",    "Transfer",   "TransferAck",  "PresenceUpdate",
};

constexpr std::array<std::string_view, 5> kHangupReasonNames{"Normal", "Busy", "Declined", "Timeout",
                                                             "Error"};

template <class T>
constexpr bool is_unit_variant = std::is_empty_v<T>;

// ---- encoding ----

// Writes `"name":` preceded by a comma unless it is the first key.
void key(std::string& out, std::string_view name, bool first = false) {
  if (!first) out += ',';
  out += '"';
  out += name;
  out += "\":";
}

constexpr std::string_view kMediaSessionKey = "wzp_media_session";
constexpr std::string_view kPeersKey = "wzp_peers";
constexpr std::string_view kTrunkKey = "wzp_trunk";

void append_extension(std::string& out, std::string_view name, const std::optional<uint32_t>& version) {
  if (!version) return;
  key(out, name);
  out += std::to_string(*version);
}

// The key material shared by CallOffer and CallAnswer, in declaration order.
void handshake_keys(std::string& out, const ByteArray<32>& identity_pub, const ByteArray<32>& ephemeral_pub,
                    const Bytes& signature) {
  key(out, "identity_pub", true);
  json::append_byte_array(out, identity_pub);
  key(out, "ephemeral_pub");
  json::append_byte_array(out, ephemeral_pub);
  key(out, "signature");
  json::append_byte_array(out, signature);
}

void fields(std::string& out, const CallOffer& m) {
  handshake_keys(out, m.identity_pub, m.ephemeral_pub, m.signature);
  key(out, "supported_profiles");
  out += '[';
  for (size_t i = 0; i < m.supported_profiles.size(); ++i) {
    if (i) out += ',';
    append_json(out, m.supported_profiles[i]);
  }
  out += ']';
  append_extension(out, kMediaSessionKey, m.media_session_version);
  append_extension(out, kPeersKey, m.peers_version);
  append_extension(out, kTrunkKey, m.trunk_version);
}
void fields(std::string& out, const CallAnswer& m) {
  handshake_keys(out, m.identity_pub, m.ephemeral_pub, m.signature);
  key(out, "chosen_profile");
  append_json(out, m.chosen_profile);
  append_extension(out, kMediaSessionKey, m.media_session_version);
  append_extension(out, kPeersKey, m.peers_version);
  append_extension(out, kTrunkKey, m.trunk_version);
}
void fields(std::string& out, const IceCandidate& m) {
  key(out, "candidate", true);
  json::append_string(out, m.candidate);
}
void fields(std::string& out, const Rekey& m) {
  key(out, "new_ephemeral_pub", true);
  json::append_byte_array(out, m.new_ephemeral_pub);
  key(out, "signature");
  json::append_byte_array(out, m.signature);
}
void fields(std::string& out, const QualityUpdate& m) {
  key(out, "report", true);
  append_json(out, m.report);
  key(out, "recommended_profile");
  append_json(out, m.recommended_profile);
}
void fields(std::string& out, const Ping& m) {
  key(out, "timestamp_ms", true);
  json::append_u64(out, m.timestamp_ms);
}
void fields(std::string& out, const Pong& m) {
  key(out, "timestamp_ms", true);
  json::append_u64(out, m.timestamp_ms);
}
void fields(std::string& out, const Hangup& m) {
  key(out, "reason", true);
  json::append_string(out, hangup_reason_name(m.reason));
}
void fields(std::string& out, const AuthToken& m) {
  key(out, "token", true);
  json::append_string(out, m.token);
}
void fields(std::string& out, const Transfer& m) {
  key(out, "target_fingerprint", true);
  json::append_string(out, m.target_fingerprint);
  key(out, "relay_addr");
  if (m.relay_addr) {
    json::append_string(out, *m.relay_addr);
  } else {
    out += "null";
  }
}
void fields(std::string& out, const PresenceUpdate& m) {
  key(out, "fingerprints", true);
  out += '[';
  for (size_t i = 0; i < m.fingerprints.size(); ++i) {
    if (i) out += ',';
    json::append_string(out, m.fingerprints[i]);
  }
  out += ']';
  key(out, "relay_addr");
  json::append_string(out, m.relay_addr);
}

// ---- decoding ----

Error json_error(std::string message) { return make_error(Errc::json, std::move(message)); }

template <size_t N>
Status lookup(const json::Value& v, std::string_view name, const std::array<json::FieldSpec, N>& specs,
              std::array<const json::Value*, N>& out) {
  return json::struct_fields(v, name, specs, out);
}

// CallOffer and CallAnswer: three key fields, then the profile field, which
// `decode_profiles` turns into the message.
// A libwzp extension field, read only from the object form; a malformed value
// is ignored like any unknown field would be by a reference peer.
std::optional<uint32_t> extension_field(const json::Value& v, std::string_view name) {
  const auto* object = std::get_if<json::Object>(&v.data);
  if (object == nullptr) return std::nullopt;
  for (const auto& member : *object) {
    if (member.key != name) continue;
    const auto* n = std::get_if<uint64_t>(&member.value.data);
    if (n != nullptr && *n <= UINT32_MAX) return static_cast<uint32_t>(*n);
    return std::nullopt;
  }
  return std::nullopt;
}

template <class T, class DecodeProfiles>
Result<SignalMessage> decode_handshake_message(const json::Value& v, std::string_view variant,
                                               std::string_view profile_field,
                                               DecodeProfiles decode_profiles) {
  const std::array<json::FieldSpec, 4> specs{
      {{"identity_pub"}, {"ephemeral_pub"}, {"signature"}, {profile_field}}};
  std::array<const json::Value*, 4> f{};
  WZP_TRY(lookup(v, variant, specs, f));
  const std::string name(variant);
  T m;
  WZP_TRY(json::to_byte_array(*f[0], name + ".identity_pub", m.identity_pub));
  WZP_TRY(json::to_byte_array(*f[1], name + ".ephemeral_pub", m.ephemeral_pub));
  auto signature = json::to_bytes(*f[2], name + ".signature");
  if (!signature) return std::move(signature).error();
  m.signature = std::move(*signature);
  WZP_TRY(decode_profiles(*f[3], name + "." + std::string(profile_field), m));
  m.media_session_version = extension_field(v, kMediaSessionKey);
  m.peers_version = extension_field(v, kPeersKey);
  m.trunk_version = extension_field(v, kTrunkKey);
  return SignalMessage{std::move(m)};
}

Result<SignalMessage> decode_call_offer(const json::Value& v) {
  return decode_handshake_message<CallOffer>(
      v, "CallOffer", "supported_profiles",
      [](const json::Value& list, const std::string& where, CallOffer& m) {
        const auto* profiles = std::get_if<json::Array>(&list.data);
        if (!profiles) {
          return Status(json_error(where + ": invalid type: " + std::string(json::type_name(list)) +
                                   ", expected a sequence"));
        }
        m.supported_profiles.reserve(profiles->size());
        for (const auto& item : *profiles) {
          auto profile = quality_profile_from_json(item, where + "[]");
          if (!profile) return Status(std::move(profile).error());
          m.supported_profiles.push_back(*profile);
        }
        return Status{};
      });
}

Result<SignalMessage> decode_call_answer(const json::Value& v) {
  return decode_handshake_message<CallAnswer>(
      v, "CallAnswer", "chosen_profile",
      [](const json::Value& value, const std::string& where, CallAnswer& m) {
        auto profile = quality_profile_from_json(value, where);
        if (!profile) return Status(std::move(profile).error());
        m.chosen_profile = *profile;
        return Status{};
      });
}

// A variant with a single string field.
template <class T, std::string T::*Field>
Result<SignalMessage> decode_string_variant(const json::Value& v, std::string_view variant,
                                            std::string_view field) {
  const std::array<json::FieldSpec, 1> specs{{{field}}};
  std::array<const json::Value*, 1> f{};
  WZP_TRY(lookup(v, variant, specs, f));
  auto s = json::to_string(*f[0], std::string(variant) + "." + std::string(field));
  if (!s) return std::move(s).error();
  T m;
  m.*Field = std::move(*s);
  return SignalMessage{std::move(m)};
}

Result<SignalMessage> decode_rekey(const json::Value& v) {
  static constexpr std::array<json::FieldSpec, 2> kFields{{{"new_ephemeral_pub"}, {"signature"}}};
  std::array<const json::Value*, 2> f{};
  WZP_TRY(lookup(v, "Rekey", kFields, f));
  Rekey m;
  WZP_TRY(json::to_byte_array(*f[0], "Rekey.new_ephemeral_pub", m.new_ephemeral_pub));
  auto signature = json::to_bytes(*f[1], "Rekey.signature");
  if (!signature) return std::move(signature).error();
  m.signature = std::move(*signature);
  return SignalMessage{std::move(m)};
}

Result<SignalMessage> decode_quality_update(const json::Value& v) {
  static constexpr std::array<json::FieldSpec, 2> kFields{{{"report"}, {"recommended_profile"}}};
  std::array<const json::Value*, 2> f{};
  WZP_TRY(lookup(v, "QualityUpdate", kFields, f));
  auto report = quality_report_from_json(*f[0], "QualityUpdate.report");
  if (!report) return std::move(report).error();
  auto profile = quality_profile_from_json(*f[1], "QualityUpdate.recommended_profile");
  if (!profile) return std::move(profile).error();
  return SignalMessage{QualityUpdate{*report, *profile}};
}

template <class T>
Result<SignalMessage> decode_timestamp_variant(const json::Value& v, std::string_view variant) {
  static constexpr std::array<json::FieldSpec, 1> kFields{{{"timestamp_ms"}}};
  std::array<const json::Value*, 1> f{};
  WZP_TRY(lookup(v, variant, kFields, f));
  auto ts = json::to_u64(*f[0], std::string(variant) + ".timestamp_ms");
  if (!ts) return std::move(ts).error();
  return SignalMessage{T{*ts}};
}

Result<SignalMessage> decode_hangup(const json::Value& v) {
  static constexpr std::array<json::FieldSpec, 1> kFields{{{"reason"}}};
  std::array<const json::Value*, 1> f{};
  WZP_TRY(lookup(v, "Hangup", kFields, f));
  auto name = json::unit_enum_name(*f[0], "Hangup.reason");
  if (!name) return std::move(name).error();
  const auto reason = hangup_reason_from_name(*name);
  if (!reason) {
    return json_error("Hangup.reason: unknown variant `" + std::string(*name) +
                      "`, expected one of Normal, Busy, Declined, Timeout, Error");
  }
  return SignalMessage{Hangup{*reason}};
}

Result<SignalMessage> decode_transfer(const json::Value& v) {
  static constexpr std::array<json::FieldSpec, 2> kFields{{{"target_fingerprint"}, {"relay_addr", true}}};
  std::array<const json::Value*, 2> f{};
  WZP_TRY(lookup(v, "Transfer", kFields, f));
  auto target = json::to_string(*f[0], "Transfer.target_fingerprint");
  if (!target) return std::move(target).error();
  auto relay = json::to_optional_string(f[1], "Transfer.relay_addr");
  if (!relay) return std::move(relay).error();
  return SignalMessage{Transfer{std::move(*target), std::move(*relay)}};
}

Result<SignalMessage> decode_presence_update(const json::Value& v) {
  static constexpr std::array<json::FieldSpec, 2> kFields{{{"fingerprints"}, {"relay_addr"}}};
  std::array<const json::Value*, 2> f{};
  WZP_TRY(lookup(v, "PresenceUpdate", kFields, f));
  auto fingerprints = json::to_string_list(*f[0], "PresenceUpdate.fingerprints");
  if (!fingerprints) return std::move(fingerprints).error();
  auto relay = json::to_string(*f[1], "PresenceUpdate.relay_addr");
  if (!relay) return std::move(relay).error();
  return SignalMessage{PresenceUpdate{std::move(*fingerprints), std::move(*relay)}};
}

Result<SignalMessage> decode_struct_variant(size_t index, const json::Value& v) {
  switch (index) {
    case 0: return decode_call_offer(v);
    case 1: return decode_call_answer(v);
    case 2:
      return decode_string_variant<IceCandidate, &IceCandidate::candidate>(v, "IceCandidate", "candidate");
    case 3: return decode_rekey(v);
    case 4: return decode_quality_update(v);
    case 5: return decode_timestamp_variant<Ping>(v, "Ping");
    case 6: return decode_timestamp_variant<Pong>(v, "Pong");
    case 7: return decode_hangup(v);
    case 8: return decode_string_variant<AuthToken, &AuthToken::token>(v, "AuthToken", "token");
    case 13: return decode_transfer(v);
    case 15: return decode_presence_update(v);
    default: return json_error("internal: not a struct variant");
  }
}

Result<SignalMessage> unit_variant(size_t index) {
  switch (index) {
    case 9: return SignalMessage{Hold{}};
    case 10: return SignalMessage{Unhold{}};
    case 11: return SignalMessage{Mute{}};
    case 12: return SignalMessage{Unmute{}};
    case 14: return SignalMessage{TransferAck{}};
    default: return json_error("internal: not a unit variant");
  }
}

bool is_unit_index(size_t index) {
  return index == 9 || index == 10 || index == 11 || index == 12 || index == 14;
}

std::optional<size_t> variant_index(std::string_view name) {
  for (size_t i = 0; i < kVariantNames.size(); ++i) {
    if (kVariantNames[i] == name) return i;
  }
  return std::nullopt;
}

Error unknown_variant(std::string_view name) {
  return json_error("unknown variant `" + std::string(name) + "`");
}

}  // namespace

std::string_view hangup_reason_name(HangupReason reason) noexcept {
  return kHangupReasonNames[static_cast<size_t>(reason) % kHangupReasonNames.size()];
}

std::optional<HangupReason> hangup_reason_from_name(std::string_view name) noexcept {
  for (size_t i = 0; i < kHangupReasonNames.size(); ++i) {
    if (kHangupReasonNames[i] == name) return static_cast<HangupReason>(i);
  }
  return std::nullopt;
}

std::string_view variant_name(const SignalMessage& message) noexcept {
  return kVariantNames[message.index()];
}

void append_json(std::string& out, const SignalMessage& message) {
  std::visit(
      [&out, &message](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (is_unit_variant<T>) {
          out += '"';
          out += variant_name(message);
          out += '"';
        } else {
          out += "{\"";
          out += variant_name(message);
          out += "\":{";
          fields(out, m);
          out += "}}";
        }
      },
      message);
}

std::string encode_json(const SignalMessage& message) {
  std::string out;
  out.reserve(std::holds_alternative<CallOffer>(message) ? 800 : 64);
  append_json(out, message);
  return out;
}

Result<SignalMessage> decode_json_value(const json::Value& value) {
  if (const auto* name = std::get_if<std::string>(&value.data)) {
    const auto index = variant_index(*name);
    if (!index) return unknown_variant(*name);
    if (!is_unit_index(*index)) {
      return json_error("invalid type: unit variant `" + *name + "`, expected struct variant (object)");
    }
    return unit_variant(*index);
  }
  const auto* object = std::get_if<json::Object>(&value.data);
  if (!object) {
    return json_error("invalid type: " + std::string(json::type_name(value)) +
                      ", expected a SignalMessage (string or single-key object)");
  }
  if (object->size() != 1) {
    return json_error("a SignalMessage object must have exactly one key (the variant), found " +
                      std::to_string(object->size()));
  }
  const json::Member& only = object->front();
  const auto index = variant_index(only.key);
  if (!index) return unknown_variant(only.key);
  if (is_unit_index(*index)) {
    if (!std::holds_alternative<std::nullptr_t>(only.value.data)) {
      return json_error(only.key + ": invalid type: " + std::string(json::type_name(only.value)) +
                        ", expected unit variant (null)");
    }
    return unit_variant(*index);
  }
  return decode_struct_variant(*index, only.value);
}

Result<SignalMessage> decode_json(std::string_view text) {
  auto value = json::parse(text);
  if (!value) return std::move(value).error();
  return decode_json_value(*value);
}

void append_json(std::string& out, const QualityProfile& profile) {
  out += "{\"codec\":";
  json::append_string(out, codec_name(profile.codec));
  key(out, "fec_ratio");
  append_f32_json(out, profile.fec_ratio);
  key(out, "frame_duration_ms");
  json::append_u64(out, profile.frame_duration_ms);
  key(out, "frames_per_block");
  json::append_u64(out, profile.frames_per_block);
  out += '}';
}

void append_json(std::string& out, const QualityReport& report) {
  out += "{\"loss_pct\":";
  json::append_u64(out, report.loss_pct);
  key(out, "rtt_4ms");
  json::append_u64(out, report.rtt_4ms);
  key(out, "jitter_ms");
  json::append_u64(out, report.jitter_ms);
  key(out, "bitrate_cap_kbps");
  json::append_u64(out, report.bitrate_cap_kbps);
  out += '}';
}

std::string encode_json(const QualityProfile& profile) {
  std::string out;
  append_json(out, profile);
  return out;
}

std::string encode_json(const QualityReport& report) {
  std::string out;
  append_json(out, report);
  return out;
}

std::string encode_json(CodecId codec) {
  std::string out;
  json::append_string(out, codec_name(codec));
  return out;
}

Result<QualityProfile> quality_profile_from_json(const json::Value& value, std::string_view where) {
  static constexpr std::array<json::FieldSpec, 4> kFields{
      {{"codec"}, {"fec_ratio"}, {"frame_duration_ms"}, {"frames_per_block"}}};
  std::array<const json::Value*, 4> f{};
  WZP_TRY(lookup(value, where, kFields, f));
  const std::string w(where);
  auto name = json::unit_enum_name(*f[0], w + ".codec");
  if (!name) return std::move(name).error();
  const auto codec = codec_from_name(*name);
  if (!codec) return json_error(w + ".codec: unknown variant `" + std::string(*name) + "`");
  auto fec = json::to_f32(*f[1], w + ".fec_ratio");
  if (!fec) return std::move(fec).error();
  auto duration = json::to_u8(*f[2], w + ".frame_duration_ms");
  if (!duration) return std::move(duration).error();
  auto per_block = json::to_u8(*f[3], w + ".frames_per_block");
  if (!per_block) return std::move(per_block).error();
  return QualityProfile{*codec, *fec, *duration, *per_block};
}

Result<QualityReport> quality_report_from_json(const json::Value& value, std::string_view where) {
  static constexpr std::array<json::FieldSpec, 4> kFields{
      {{"loss_pct"}, {"rtt_4ms"}, {"jitter_ms"}, {"bitrate_cap_kbps"}}};
  std::array<const json::Value*, 4> f{};
  WZP_TRY(lookup(value, where, kFields, f));
  const std::string w(where);
  QualityReport report;
  uint8_t* targets[] = {&report.loss_pct, &report.rtt_4ms, &report.jitter_ms, &report.bitrate_cap_kbps};
  for (size_t i = 0; i < kFields.size(); ++i) {
    auto v = json::to_u8(*f[i], w + "." + std::string(kFields[i].name));
    if (!v) return std::move(v).error();
    *targets[i] = *v;
  }
  return report;
}

}  // namespace wzp::wire

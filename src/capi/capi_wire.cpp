// C ABI: signal JSON and framing, media headers and packets, trunk frames.
#include <cstring>

#include "capi/capi_support.hpp"
#include "wire/fec_ratio.hpp"
#include "wire/framing.hpp"
#include "wire/media_packet.hpp"
#include "wire/signal_message.hpp"
#include "wire/trunk_frame.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;

namespace {

wire::MediaHeader from_c(const wzp_media_header& h) {
  wire::MediaHeader out;
  out.version = h.version;
  out.is_repair = h.is_repair != 0;
  out.codec = static_cast<wire::CodecId>(h.codec);
  out.has_quality_report = h.has_quality_report != 0;
  out.fec_ratio_encoded = h.fec_ratio_code;
  out.seq = h.seq;
  out.timestamp = h.timestamp;
  out.fec_block = h.fec_block;
  out.fec_symbol = h.fec_symbol;
  out.reserved = h.reserved;
  out.csrc_count = h.csrc_count;
  return out;
}

wzp_media_header to_c(const wire::MediaHeader& h) {
  wzp_media_header out{};
  out.version = h.version;
  out.is_repair = h.is_repair ? 1 : 0;
  out.codec = static_cast<uint8_t>(h.codec);
  out.has_quality_report = h.has_quality_report ? 1 : 0;
  out.fec_ratio_code = h.fec_ratio_encoded;
  out.seq = h.seq;
  out.timestamp = h.timestamp;
  out.fec_block = h.fec_block;
  out.fec_symbol = h.fec_symbol;
  out.reserved = h.reserved;
  out.csrc_count = h.csrc_count;
  return out;
}

int check_codec(uint8_t codec) {
  if (codec > WZP_CODEC_COMFORT_NOISE) {
    return fail(Errc::invalid_argument, "codec " + std::to_string(codec) + " is not a codec id (0..5)");
  }
  return WZP_OK;
}

Result<wire::SignalMessage> decode(const char* json, size_t json_len) {
  if (json == nullptr) return make_error(Errc::invalid_argument, "json must not be NULL");
  return wire::decode_json(std::string_view(json, json_len));
}

}  // namespace

extern "C" {

int wzp_signal_validate(const char* json, size_t json_len, const char** out_variant) {
  return guarded([&]() -> int {
    capi::clear_outs(out_variant);
    auto message = decode(json, json_len);
    if (!message) return fail(message.error());
    if (out_variant != nullptr) *out_variant = wire::variant_name(*message).data();
    return WZP_OK;
  });
}

int wzp_signal_canonical(const char* json, size_t json_len, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    auto message = decode(json, json_len);
    if (!message) return fail(message.error());
    return capi::give_string(wire::encode_json(*message), out_json);
  });
}

int wzp_signal_frame(const char* json, size_t json_len, uint8_t** out, size_t* out_len) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    if (json == nullptr && json_len != 0) return capi::null_argument("json");
    auto frame = wire::frame_signal(std::string_view(json ? json : "", json_len));
    if (!frame) return fail(frame.error());
    return capi::give_bytes(*frame, out, out_len);
  });
}

int wzp_signal_unframe(const uint8_t* frame, size_t frame_len, char** out_json, size_t* out_len) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    if (frame == nullptr && frame_len != 0) return capi::null_argument("frame");
    WZP_CAPI_REQUIRE(out_json);
    WZP_CAPI_REQUIRE(out_len);
    wire::FrameReader reader;
    if (auto fed = reader.feed(ByteView(frame, frame_len)); !fed) return fail(fed.error());
    auto json = reader.finish();
    if (!json) return fail(json.error());
    if (int rc = capi::give_string(*json, out_json); rc != WZP_OK) return rc;
    *out_len = json->size();
    return WZP_OK;
  });
}

int wzp_media_header_encode(const wzp_media_header* header, uint8_t out[WZP_MEDIA_HEADER_BYTES]) {
  WZP_CAPI_REQUIRE(header);
  WZP_CAPI_REQUIRE(out);
  if (int rc = check_codec(header->codec); rc != WZP_OK) return rc;
  wire::write_media_header(from_c(*header), out);
  return WZP_OK;
}

int wzp_media_header_decode(const uint8_t* data, size_t len, wzp_media_header* out) {
  return guarded([&]() -> int {
    if (data == nullptr && len != 0) return capi::null_argument("data");
    WZP_CAPI_REQUIRE(out);
    auto header = wire::decode_media_header(ByteView(data, len));
    if (!header) return fail(header.error());
    *out = to_c(*header);
    return WZP_OK;
  });
}

uint8_t wzp_fec_ratio_encode(float ratio) { return wire::encode_fec_ratio(ratio); }
float wzp_fec_ratio_decode(uint8_t code) { return wire::decode_fec_ratio(code); }

int wzp_media_packet_parse(const uint8_t* data, size_t len, wzp_media_header* out_header,
                           const uint8_t** out_payload, size_t* out_payload_len,
                           wzp_quality_report* out_report, int* out_has_report) {
  return guarded([&]() -> int {
    capi::clear_outs(out_payload);
    if (data == nullptr && len != 0) return capi::null_argument("data");
    auto packet = wire::parse_media_packet(ByteView(data, len));
    if (!packet) return fail(packet.error());
    if (out_header) *out_header = to_c(packet->header);
    if (out_payload) *out_payload = packet->payload.data();
    if (out_payload_len) *out_payload_len = packet->payload.size();
    if (out_has_report) *out_has_report = packet->quality_report ? 1 : 0;
    if (out_report && packet->quality_report) {
      const auto& q = *packet->quality_report;
      *out_report = wzp_quality_report{q.loss_pct, q.rtt_4ms, q.jitter_ms, q.bitrate_cap_kbps};
    }
    return WZP_OK;
  });
}

int wzp_media_packet_build(const wzp_media_header* header, const uint8_t* payload, size_t payload_len,
                           const wzp_quality_report* report, uint8_t* out, size_t out_cap, size_t* out_len) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(header);
    if (payload == nullptr && payload_len != 0) return capi::null_argument("payload");
    if (int rc = check_codec(header->codec); rc != WZP_OK) return rc;
    if (header->has_quality_report && report == nullptr) {
      return fail(Errc::invalid_argument, "has_quality_report is set but report is NULL");
    }
    std::optional<wire::QualityReport> qr;
    if (header->has_quality_report) {
      qr =
          wire::QualityReport{report->loss_pct, report->rtt_4ms, report->jitter_ms, report->bitrate_cap_kbps};
    }
    Bytes bytes;
    bytes.reserve(wire::media_packet_size(payload_len, qr.has_value()));
    wire::append_media_packet(bytes, from_c(*header), ByteView(payload, payload_len), qr);
    return capi::copy_out(bytes, out, out_cap, out_len);
  });
}

int wzp_trunk_frame_build(const wzp_trunk_entry* entries, size_t count, uint8_t* out, size_t out_cap,
                          size_t* out_len) {
  return guarded([&]() -> int {
    if (entries == nullptr && count != 0) return capi::null_argument("entries");
    if (count > 0xFFFF) return fail(Errc::invalid_argument, "a trunk frame holds at most 65535 entries");
    wire::TrunkFrame frame;
    frame.entries.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      const auto& e = entries[i];
      if (e.payload == nullptr && e.payload_len != 0) return capi::null_argument("entries[i].payload");
      if (e.payload_len > 0xFFFF)
        return fail(Errc::invalid_argument, "a trunk entry holds at most 65535 bytes");
      frame.entries.push_back(wire::TrunkEntry{{e.session_tag[0], e.session_tag[1]},
                                               Bytes(e.payload, e.payload + e.payload_len)});
    }
    return capi::copy_out(wire::encode_trunk_frame(frame), out, out_cap, out_len);
  });
}

int wzp_trunk_frame_parse(const uint8_t* data, size_t len, wzp_trunk_entry* entries, size_t cap,
                          size_t* out_count) {
  return guarded([&]() -> int {
    if (data == nullptr && len != 0) return capi::null_argument("data");
    if (entries == nullptr && cap != 0) return capi::null_argument("entries");
    WZP_CAPI_REQUIRE(out_count);
    auto frame = wire::decode_trunk_frame(ByteView(data, len));
    if (!frame) return fail(frame.error());
    *out_count = frame->entries.size();
    if (cap < frame->entries.size()) {
      return fail(Errc::buffer_too_small,
                  "the frame holds " + std::to_string(frame->entries.size()) + " entries");
    }
    // Point payloads into the caller's data: entry i starts after the 2-byte count and
    // the previous entries' 4-byte headers and payloads.
    size_t offset = wire::kTrunkFrameHeaderSize;
    for (size_t i = 0; i < frame->entries.size(); ++i) {
      const auto& e = frame->entries[i];
      entries[i].session_tag[0] = e.session_id[0];
      entries[i].session_tag[1] = e.session_id[1];
      entries[i].payload = data + offset + wire::kTrunkEntryOverhead;
      entries[i].payload_len = e.payload.size();
      offset += wire::kTrunkEntryOverhead + e.payload.size();
    }
    return WZP_OK;
  });
}

}  // extern "C"

// C ABI: the featherChat signalling bridge (featherchat/call_signal*.hpp, missed_call.hpp).
#include <string>

#include "capi/capi_support.hpp"
#include "featherchat/call_signal.hpp"
#include "featherchat/call_signal_json.hpp"
#include "featherchat/missed_call.hpp"
#include "wire/signal_message.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;

namespace {

std::optional<std::string> optional_text(const char* text) {
  return text != nullptr ? std::optional<std::string>(text) : std::nullopt;
}

}  // namespace

extern "C" {

int wzp_fc_wrap_signal(const char* signal_json, size_t signal_len, const char* sender, const char* target,
                       const char* relay_addr, const char* room, const char* call_id, int featherchat_tags_only,
                       char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(signal_json);
    WZP_CAPI_REQUIRE(sender);
    WZP_CAPI_REQUIRE(target);
    WZP_CAPI_REQUIRE(out_json);
    for (const char* fp : {sender, target}) {
      if (!crypto::Fingerprint::parse(fp))
        return fail(Errc::invalid_argument, std::string("not a fingerprint: \"") + fp + "\"");
    }
    auto signal = wire::decode_json(std::string_view(signal_json, signal_len));
    if (!signal) return fail(signal.error());
    featherchat::CallRoute route{optional_text(relay_addr), optional_text(room), optional_text(call_id)};
    auto message = featherchat::wrap_signal(*signal, sender, target, route, featherchat_tags_only != 0);
    return capi::give_string(featherchat::encode_call_signal_json(message), out_json);
  });
}

int wzp_fc_open_signal(const char* call_signal_json, size_t len, char** out_payload_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_payload_json);
    WZP_CAPI_REQUIRE(call_signal_json);
    WZP_CAPI_REQUIRE(out_payload_json);
    auto message = featherchat::decode_call_signal_json(std::string_view(call_signal_json, len));
    if (!message) return fail(message.error());
    auto payload = featherchat::open_signal(*message);
    if (!payload) return fail(payload.error());
    return capi::give_string(wire::encode_json(*payload), out_payload_json);
  });
}

int wzp_fc_signal_encode(const char* call_signal_json, size_t len, uint32_t variant, uint8_t** out,
                         size_t* out_len) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(call_signal_json);
    WZP_CAPI_REQUIRE(out);
    WZP_CAPI_REQUIRE(out_len);
    *out_len = 0;
    auto message = featherchat::decode_call_signal_json(std::string_view(call_signal_json, len));
    if (!message) return fail(message.error());
    return capi::give_bytes(featherchat::encode_bincode(*message, variant), out, out_len);
  });
}

int wzp_fc_signal_decode(const uint8_t* data, size_t len, uint32_t variant, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    if (data == nullptr && len > 0) return capi::null_argument("data");
    WZP_CAPI_REQUIRE(out_json);
    auto message = featherchat::decode_bincode(ByteView(data, len), variant);
    if (!message) return fail(message.error());
    return capi::give_string(featherchat::encode_call_signal_json(*message), out_json);
  });
}

int wzp_fc_missed_call_encode(const char* json, size_t len, uint8_t out[WZP_FC_MISSED_CALL_BYTES]) {
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(json);
    WZP_CAPI_REQUIRE(out);
    auto record = featherchat::decode_missed_call_json(std::string_view(json, len));
    if (!record) return fail(record.error());
    const auto bytes = featherchat::encode(*record);
    std::memcpy(out, bytes.data(), bytes.size());
    return WZP_OK;
  });
}

int wzp_fc_missed_call_decode(const uint8_t* data, size_t len, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    if (data == nullptr && len > 0) return capi::null_argument("data");
    WZP_CAPI_REQUIRE(out_json);
    auto record = featherchat::decode_missed_call(ByteView(data, len));
    if (!record) return fail(record.error());
    return capi::give_string(featherchat::encode_json(*record), out_json);
  });
}

}  // extern "C"

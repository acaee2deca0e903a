// C ABI: the handshake objects (caller and callee) that make sessions.
#include <cstring>
#include <memory>

#include "capi/abi_history.hpp"
#include "capi/capi_support.hpp"
#include "capi/crypto_args.hpp"
#include "capi/handles.hpp"
#include "capi/struct_prefix.hpp"
#include "wire/signal_message.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;
using capi::secret_of;
using capi::valid_mode;

namespace {

handshake::Options options_from(const wzp_handshake_config* config) {
  handshake::Options options;
  if (config == nullptr) return options;
  if (capi::config_has(config, offsetof(wzp_handshake_config, ephemeral_secret),
                       sizeof(config->ephemeral_secret)) &&
      config->ephemeral_secret != nullptr) {
    options.ephemeral_secret = secret_of<32>(config->ephemeral_secret);
  }
  if (capi::config_has(config, offsetof(wzp_handshake_config, session_mode), sizeof(config->session_mode))) {
    options.preferred = capi::raw_enum(config->session_mode) == WZP_SESSION_REFERENCE
                            ? handshake::SessionMode::reference
                            : handshake::SessionMode::v2;
  }
  if (capi::config_has(config, offsetof(wzp_handshake_config, require_session_v2),
                       sizeof(config->require_session_v2))) {
    options.require_v2 = config->require_session_v2 != 0;
  }
  return options;
}

int check_handshake_config(const wzp_handshake_config* config) {
  if (config == nullptr ||
      !capi::config_has(config, offsetof(wzp_handshake_config, session_mode), sizeof(config->session_mode))) {
    return WZP_OK;
  }
  const long long mode = capi::raw_enum(config->session_mode);
  if (!valid_mode(mode)) return fail(Errc::invalid_argument, "unknown session mode " + std::to_string(mode));
  if (mode == WZP_SESSION_REFERENCE && options_from(config).require_v2) {
    return fail(Errc::invalid_argument, "require_session_v2 needs session_mode WZP_SESSION_V2");
  }
  return WZP_OK;
}

wzp_session* session_from(handshake::CallSession&& call) {
  return std::make_unique<wzp_session>(
             wzp_session{std::move(call.session()), call.session_id(), call.peer_identity(), call.profile()})
      .release();
}

Result<wire::SignalMessage> decode_signal(const char* json, size_t json_len) {
  if (json == nullptr) return make_error(Errc::invalid_argument, "json must not be NULL");
  return wire::decode_json(std::string_view(json, json_len));
}

}  // namespace

extern "C" {

void wzp_handshake_config_init_sized(wzp_handshake_config* config, size_t size) {
  if (config == nullptr || size < sizeof config->struct_size) return;
  wzp_handshake_config defaults{};
  defaults.ephemeral_secret = nullptr;
  defaults.session_mode = WZP_SESSION_V2;
  capi::write_prefix(config, size, defaults);
}

void(wzp_handshake_config_init)(wzp_handshake_config* config) {
  wzp_handshake_config_init_sized(config, sizeof(capi::abi_v0_1::handshake_config));
}

int wzp_caller_new(const wzp_identity* identity, const wzp_handshake_config* config, wzp_caller** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(identity);
    WZP_CAPI_REQUIRE(out);
    if (int rc = check_handshake_config(config); rc != WZP_OK) return rc;
    handshake::Caller caller(identity->identity, options_from(config));
    std::string json = wire::encode_json(wire::SignalMessage(caller.offer()));
    *out = std::make_unique<wzp_caller>(wzp_caller{std::move(caller), std::move(json)}).release();
    return WZP_OK;
  });
}

void wzp_caller_free(wzp_caller* caller) { std::unique_ptr<wzp_caller> owned(caller); }

int wzp_caller_offer_json(wzp_caller* caller, char** out_json) {
  return guarded([&]() -> int {
    capi::clear_outs(out_json);
    WZP_CAPI_REQUIRE(caller);
    return capi::give_string(caller->offer_json, out_json);
  });
}

int wzp_caller_accept_answer(wzp_caller* caller, const char* json, size_t json_len, wzp_session** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(caller);
    WZP_CAPI_REQUIRE(out);
    auto message = decode_signal(json, json_len);
    if (!message) return fail(message.error());
    auto session = caller->caller.accept(*message);
    if (!session) return fail(session.error());
    *out = session_from(std::move(*session));
    return WZP_OK;
  });
}

int wzp_callee_new(const wzp_identity* identity, const wzp_handshake_config* config, wzp_callee** out) {
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(identity);
    WZP_CAPI_REQUIRE(out);
    if (int rc = check_handshake_config(config); rc != WZP_OK) return rc;
    *out =
        std::make_unique<wzp_callee>(wzp_callee{identity->identity, options_from(config), false}).release();
    return WZP_OK;
  });
}

void wzp_callee_free(wzp_callee* callee) { std::unique_ptr<wzp_callee> owned(callee); }

int wzp_callee_accept_offer(wzp_callee* callee, const char* json, size_t json_len, char** out_answer_json,
                            wzp_session** out_session) {
  return guarded([&]() -> int {
    capi::clear_outs(out_answer_json, out_session);
    WZP_CAPI_REQUIRE(callee);
    WZP_CAPI_REQUIRE(out_answer_json);
    WZP_CAPI_REQUIRE(out_session);
    if (callee->answered) return fail(Errc::invalid_state, "this callee already answered an offer");
    auto message = decode_signal(json, json_len);
    if (!message) return fail(message.error());
    auto answered = handshake::answer_offer(callee->identity, *message, callee->options);
    if (!answered) return fail(answered.error());
    std::string answer = wire::encode_json(wire::SignalMessage(answered->answer));
    if (int rc = capi::give_string(answer, out_answer_json); rc != WZP_OK) return rc;
    callee->answered = true;
    *out_session = session_from(std::move(answered->session));
    return WZP_OK;
  });
}

}  // extern "C"

// C ABI: calls (stub: the engine is being wired in; every call but the inits fails).
#include "capi/capi_support.hpp"
#include "capi/struct_prefix.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;

namespace {

wzp_call_config call_defaults() {
  wzp_call_config c{};
  c.struct_size = sizeof c;
  c.profile = wzp_call_profile{WZP_CODEC_OPUS24K, 0.2f, 20, 5};
  c.adapt = 1;
  c.silence_suppression = 1;
  c.silence_threshold_rms = 100.0;
  c.jitter_min_delay_ms = 40;
  c.jitter_max_delay_ms = 1000;
  c.clock = WZP_CALL_CLOCK_INTERNAL;
  c.source_timeout_ms = 30'000;
  return c;
}

int not_yet() { return fail(Errc::invalid_state, "calls are not available in this build yet"); }

}  // namespace

extern "C" {

int wzp_call_profile_preset(int preset, wzp_call_profile* out) {
  if (out == nullptr) return capi::null_argument("out");
  switch (preset) {
    case WZP_CALL_PRESET_GOOD: *out = {WZP_CODEC_OPUS24K, 0.2f, 20, 5}; return WZP_OK;
    case WZP_CALL_PRESET_DEGRADED: *out = {WZP_CODEC_OPUS6K, 0.5f, 40, 10}; return WZP_OK;
    case WZP_CALL_PRESET_CATASTROPHIC: *out = {WZP_CODEC_CODEC2_1200, 1.0f, 40, 8}; return WZP_OK;
    default: return fail(Errc::invalid_argument, "unknown preset " + std::to_string(preset));
  }
}

void wzp_call_config_init_sized(wzp_call_config* config, size_t size) {
  if (config == nullptr || size < sizeof config->struct_size) return;
  capi::write_prefix(config, size, call_defaults());
}

void wzp_call_stats_init_sized(wzp_call_stats* stats, size_t size) {
  if (stats == nullptr || size < sizeof stats->struct_size) return;
  capi::write_prefix(stats, size, wzp_call_stats{});
}

int wzp_call_new(wzp_client* client, const wzp_call_config* config, wzp_call** out) {
  capi::clear_outs(out);
  if (client == nullptr) return capi::null_argument("client");
  if (out == nullptr) return capi::null_argument("out");
  (void)config;
  return not_yet();
}

void wzp_call_free(wzp_call* call) { (void)call; }

int wzp_call_send_pcm(wzp_call* call, const int16_t* pcm, size_t samples) {
  (void)pcm, (void)samples;
  return call == nullptr ? capi::null_argument("call") : not_yet();
}

int wzp_call_read_pcm(wzp_call* call, int32_t source, int16_t* out, size_t samples, int timeout_ms) {
  (void)source, (void)out, (void)samples, (void)timeout_ms;
  return call == nullptr ? capi::null_argument("call") : not_yet();
}

int wzp_call_sources(wzp_call* call, uint16_t* out, size_t cap, size_t* out_count) {
  (void)out, (void)cap, (void)out_count;
  return call == nullptr ? capi::null_argument("call") : not_yet();
}

int wzp_call_stats_get(wzp_call* call, int32_t source, wzp_call_stats* out) {
  (void)source, (void)out;
  return call == nullptr ? capi::null_argument("call") : not_yet();
}

int wzp_call_set_profile(wzp_call* call, const wzp_call_profile* profile) {
  (void)profile;
  return call == nullptr ? capi::null_argument("call") : not_yet();
}

int wzp_call_set_adaptive(wzp_call* call) {
  return call == nullptr ? capi::null_argument("call") : not_yet();
}

int wzp_call_get_profile(wzp_call* call, wzp_call_profile* out) {
  (void)out;
  return call == nullptr ? capi::null_argument("call") : not_yet();
}

}  // extern "C"

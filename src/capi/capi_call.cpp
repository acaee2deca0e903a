// C ABI: calls (a media::LiveCall attached to a client handle).
#include <cmath>
#include <cstring>
#include <memory>
#include <set>
#include <string>

#include "capi/capi_support.hpp"
#include "capi/client_handle.hpp"
#include "capi/struct_prefix.hpp"
#include "core/c_boundary.hpp"
#include "crypto/fingerprint.hpp"
#include "wire/fec_ratio.hpp"
#include "wire/signal_message.hpp"

using namespace wzp;
using capi::fail;
using capi::guarded;

namespace {

constexpr wzp_call_profile kGood{WZP_CODEC_OPUS24K, 0.2f, 20, 5};

wzp_call_config call_defaults() {
  wzp_call_config c{};
  c.struct_size = sizeof c;
  c.profile = kGood;
  c.adapt = 1;
  c.silence_suppression = 1;
  c.silence_threshold_rms = 100.0;
  c.jitter_min_delay_ms = 40;
  c.jitter_max_delay_ms = 1000;
  c.clock = WZP_CALL_CLOCK_INTERNAL;
  c.source_timeout_ms = 30'000;
  return c;
}

int from_status(const Status& status) { return status ? WZP_OK : fail(status.error()); }

Result<wire::QualityProfile> to_profile(const wzp_call_profile& p) {
  const long long codec = capi::raw_enum(p.codec);
  if (codec < 0 || codec > WZP_CODEC_CODEC2_1200) {
    return make_error(Errc::invalid_argument, "profile codec must be OPUS24K .. CODEC2_1200");
  }
  if (p.frame_ms != 20 && p.frame_ms != 40)
    return make_error(Errc::invalid_argument, "frame_ms must be 20 or 40");
  if (!(p.fec_ratio >= 0.0f && p.fec_ratio <= 2.0f)) {
    return make_error(Errc::invalid_argument, "fec_ratio must be within 0 .. 2");
  }
  if (p.frames_per_block < 1 || p.frames_per_block > 64) {
    return make_error(Errc::invalid_argument, "frames_per_block must be within 1 .. 64");
  }
  wire::QualityProfile q;
  q.codec = static_cast<wire::CodecId>(codec);
  q.fec_ratio = p.fec_ratio;
  q.frame_duration_ms = static_cast<uint8_t>(p.frame_ms);
  q.frames_per_block = static_cast<uint8_t>(p.frames_per_block);
  return q;
}

wzp_call_profile from_profile(const wire::QualityProfile& p) {
  return wzp_call_profile{static_cast<wzp_codec>(p.codec), p.fec_ratio, p.frame_duration_ms,
                          p.frames_per_block};
}

capi::LiveEvent profile_event(const media::ProfileChange& change) {
  capi::LiveEvent e;
  e.type = WZP_EVENT_CALL_PROFILE;
  e.state = WZP_CLIENT_JOINED;
  e.source = change.reporter ? int32_t{*change.reporter} : -1;
  e.call_profile = from_profile(change.profile);
  auto json = wire::encode_json(wire::SignalMessage{change.update});
  e.data.assign(json.begin(), json.end());
  e.data_is_text = true;
  return e;
}

capi::LiveEvent e2e_event(const e2e::E2eChange& change) {
  capi::LiveEvent e;
  e.type = WZP_EVENT_CALL_E2E;
  e.state = WZP_CLIENT_JOINED;
  if (!change.fingerprint.empty()) e.fingerprint = change.fingerprint;
  e.e2e_state = static_cast<int>(change.state);
  e.data.assign(change.detail.begin(), change.detail.end());
  e.data_is_text = true;
  return e;
}

// Fingerprints from C strings in display form (nullopt for a NULL list: everyone).
Result<std::optional<std::set<std::string>>> member_set(const char* const* members, size_t count) {
  if (members == nullptr) {
    if (count != 0) return make_error(Errc::invalid_argument, "members is NULL but count is not 0");
    return std::optional<std::set<std::string>>();
  }
  std::set<std::string> out;
  for (size_t i = 0; i < count; ++i) {
    if (members[i] == nullptr)
      return make_error(Errc::invalid_argument, "members[" + std::to_string(i) + "] is NULL");
    auto fp = crypto::Fingerprint::parse(members[i]);
    if (!fp) {
      return make_error(Errc::invalid_argument,
                        "members[" + std::to_string(i) + "] is not a fingerprint: " + fp.error().message);
    }
    out.insert(fp->to_display());
  }
  return std::optional<std::set<std::string>>(std::move(out));
}

// The call, or CLOSED when its client was freed (wzp_client_free detached it).
#define WZP_CALL_REQUIRE(call) \
  WZP_CAPI_REQUIRE(call);      \
  if (!(call)->call) return fail(Errc::closed, "the call was released");

void add_source(wzp_call_stats& s, const media::CallEngine::SourceStats& src) {
  const auto& j = src.jitter;
  s.received += j.received;
  s.played += j.played;
  s.recovered += src.fec.frames_recovered;
  s.fec_next += j.fec_next;
  s.concealed += j.concealed;
  s.late += j.late;
  s.duplicate += j.duplicate;
  s.underruns += j.underruns;
  s.dropped += j.dropped_to_catch_up + j.overflows;
  s.malformed += src.malformed;
  s.depth += j.depth_packets;
  s.target_delay_ms = std::max(s.target_delay_ms, j.target_delay_ms);
  s.current_delay_ms = std::max(s.current_delay_ms, j.current_delay_ms);
  s.jitter_ms = std::max(s.jitter_ms, j.jitter_ms);
  s.loss_pct = std::max(s.loss_pct, src.loss_pct);
}

}  // namespace

int wzp::capi::attach_pair_encryption(wzp_client* client, wzp_call* call, int policy, e2e::PairKeys keys,
                                      const std::string& peer) {
  if (client == nullptr || call == nullptr || !call->call) return fail(Errc::invalid_argument, "no call");
  std::lock_guard lock(client->call_link->mutex);
  capi::EventChannel* events = client->events.get();
  auto encryption = e2e::CallEncryption::attach_pair(
      *client->client, *call->call, static_cast<e2e::Policy>(policy), std::move(keys), peer,
      [events](const e2e::E2eChange& change) { events->deliver(e2e_event(change)); });
  if (!encryption) return fail(encryption.error());
  call->e2e = std::move(*encryption);
  client->call_link->e2e = call->e2e.get();
  return WZP_OK;
}

extern "C" {

int wzp_call_profile_preset(int preset, wzp_call_profile* out) {
  if (out == nullptr) return capi::null_argument("out");
  switch (preset) {
    case WZP_CALL_PRESET_GOOD: *out = from_profile(wire::kProfileGood); return WZP_OK;
    case WZP_CALL_PRESET_DEGRADED: *out = from_profile(wire::kProfileDegraded); return WZP_OK;
    case WZP_CALL_PRESET_CATASTROPHIC: *out = from_profile(wire::kProfileCatastrophic); return WZP_OK;
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
  return guarded([&]() -> int {
    capi::clear_outs(out);
    WZP_CAPI_REQUIRE(client);
    WZP_CAPI_REQUIRE(out);
    wzp_call_config c = call_defaults();
    if (config != nullptr) {
      if (config->struct_size < sizeof config->struct_size) {
        return fail(Errc::invalid_argument,
                    "wzp_call_config.struct_size is not set (use wzp_call_config_init)");
      }
      c = capi::read_prefix(config, call_defaults());
    }
    auto profile = to_profile(c.profile);
    if (!profile) return fail(profile.error());
    if (c.jitter_min_delay_ms > c.jitter_max_delay_ms || c.jitter_max_delay_ms == 0) {
      return fail(Errc::invalid_argument, "jitter_min_delay_ms must not exceed jitter_max_delay_ms (> 0)");
    }
    const long long clock = capi::raw_enum(c.clock);
    if (clock != WZP_CALL_CLOCK_INTERNAL && clock != WZP_CALL_CLOCK_CALLER) {
      return fail(Errc::invalid_argument, "clock must be WZP_CALL_CLOCK_INTERNAL or WZP_CALL_CLOCK_CALLER");
    }
    if (!(c.silence_threshold_rms >= 0.0))
      return fail(Errc::invalid_argument, "silence_threshold_rms must be >= 0");
    media::LiveCallConfig lc;
    lc.engine.profile = *profile;
    lc.engine.adapt = c.adapt != 0;
    lc.engine.silence_suppression = c.silence_suppression != 0;
    lc.engine.silence_threshold_rms = c.silence_threshold_rms;
    lc.engine.jitter.min_delay_ms = c.jitter_min_delay_ms;
    lc.engine.jitter.max_delay_ms = c.jitter_max_delay_ms;
    lc.engine.source_timeout_ms = c.source_timeout_ms == 0 ? 30'000 : c.source_timeout_ms;
    lc.internal_clock = clock == WZP_CALL_CLOCK_INTERNAL;
    if (!(c.impair_loss_pct >= 0.0 && c.impair_loss_pct <= 100.0)) {
      return fail(Errc::invalid_argument, "impair_loss_pct must be within 0 .. 100");
    }
    lc.impair_send =
        media::ImpairmentConfig{c.impair_loss_pct, c.impair_burst, c.impair_jitter_ms, c.impair_seed};
    lc.impair_receive = lc.impair_send;
    lc.impair_receive.seed = c.impair_seed + 1;
    const int policy = c.e2e;
    if (policy < WZP_E2E_OFF || policy > WZP_E2E_REQUIRED) {
      return fail(Errc::invalid_argument, "e2e must be WZP_E2E_OFF, WZP_E2E_PREFERRED or WZP_E2E_REQUIRED");
    }
    auto members = member_set(c.e2e_members, c.e2e_member_count);
    if (!members) return fail(members.error());

    std::lock_guard lock(client->call_link->mutex);
    if (client->call_link->call != nullptr) return fail(Errc::invalid_state, "the client already has a call");
    capi::EventChannel* events = client->events.get();
    auto live = media::LiveCall::attach(
        *client->client, lc,
        [events](const media::ProfileChange& change) { events->deliver(profile_event(change)); });
    if (!live) return fail(live.error());
    auto handle = std::make_unique<wzp_call>();
    if (policy != WZP_E2E_OFF) {
      auto encryption = e2e::CallEncryption::attach(
          *client->client, **live,
          e2e::CallEncryptionConfig{static_cast<e2e::Policy>(policy), std::move(*members), 3000},
          [events](const e2e::E2eChange& change) { events->deliver(e2e_event(change)); });
      if (!encryption) {
        (*live)->detach();
        return fail(encryption.error());
      }
      handle->e2e = std::move(*encryption);
      client->call_link->e2e = handle->e2e.get();
    }
    handle->link = client->call_link;
    handle->call = std::move(*live);
    client->call_link->call = handle->call.get();
    *out = handle.release();
    return WZP_OK;
  });
}

void wzp_call_free(wzp_call* call) {
  if (call == nullptr) return;
  wzp::c_boundary_void("wzp_call_free", [&] {
    std::unique_ptr<wzp_call> owned(call);
    {
      std::lock_guard lock(owned->link->mutex);
      if (owned->link->call == owned->call.get()) owned->link->call = nullptr;
      if (owned->e2e && owned->link->e2e == owned->e2e.get()) owned->link->e2e = nullptr;
    }
    if (owned->e2e) owned->e2e->detach();
    owned->call->detach();
  });
}

int wzp_call_send_pcm(wzp_call* call, const int16_t* pcm, size_t samples) {
  return guarded([&]() -> int {
    WZP_CALL_REQUIRE(call);
    if (pcm == nullptr && samples != 0) return capi::null_argument("pcm");
    return from_status(call->call->send_pcm(media::PcmView(pcm, samples)));
  });
}

int wzp_call_read_pcm(wzp_call* call, int32_t source, int16_t* out, size_t samples, int timeout_ms) {
  return guarded([&]() -> int {
    WZP_CALL_REQUIRE(call);
    WZP_CAPI_REQUIRE(out);
    if (source != WZP_CALL_MIXED && (source < 0 || source > 0xFFFF)) {
      return fail(Errc::invalid_argument, "source must be 0..65535 or WZP_CALL_MIXED");
    }
    std::optional<uint16_t> which;
    if (source != WZP_CALL_MIXED) which = static_cast<uint16_t>(source);
    return from_status(call->call->read_pcm(which, media::PcmSpan(out, samples), timeout_ms));
  });
}

int wzp_call_sources(wzp_call* call, uint16_t* out, size_t cap, size_t* out_count) {
  return guarded([&]() -> int {
    WZP_CALL_REQUIRE(call);
    WZP_CAPI_REQUIRE(out_count);
    if (out == nullptr && cap != 0) return capi::null_argument("out");
    auto ids = call->call->sources();
    *out_count = ids.size();
    if (ids.size() > cap) {
      return fail(Errc::buffer_too_small,
                  std::to_string(ids.size()) + " sources, room for " + std::to_string(cap));
    }
    if (!ids.empty()) std::memcpy(out, ids.data(), ids.size() * sizeof(uint16_t));
    return WZP_OK;
  });
}

int wzp_call_stats_get(wzp_call* call, int32_t source, wzp_call_stats* out) {
  return guarded([&]() -> int {
    WZP_CALL_REQUIRE(call);
    WZP_CAPI_REQUIRE(out);
    if (out->struct_size < sizeof out->struct_size) {
      return fail(Errc::invalid_argument, "wzp_call_stats.struct_size is not set (use wzp_call_stats_init)");
    }
    wzp_call_stats s{};
    const auto sender = call->call->sender_stats();
    if (source == WZP_CALL_MIXED) {
      for (const auto& src : call->call->all_source_stats()) add_source(s, src);
      s.malformed = sender.malformed;
      s.profile = from_profile(sender.profile);
    } else {
      if (source < 0 || source > 0xFFFF) {
        return fail(Errc::invalid_argument, "source must be 0..65535 or WZP_CALL_MIXED");
      }
      auto src = call->call->source_stats(static_cast<uint16_t>(source));
      if (!src) return fail(Errc::not_found, "no source " + std::to_string(source));
      add_source(s, *src);
      s.profile =
          wzp_call_profile{static_cast<wzp_codec>(src->codec), wire::decode_fec_ratio(src->fec_ratio_encoded),
                           wire::codec_frame_duration_ms(src->codec), 0};
    }
    s.packets_sent = sender.packetizer.source_packets;
    s.repair_packets_sent = sender.packetizer.repair_packets;
    s.comfort_noise_sent = sender.packetizer.cn_packets;
    s.frames_suppressed = sender.frames_suppressed;
    s.bytes_sent = sender.packetizer.bytes;
    s.reports_received = sender.reports_received;
    s.profile_changes = sender.profile_changes;
    if (call->e2e) {
      const auto c = call->e2e->counters();
      s.e2e_encrypted = c.encrypted;
      s.e2e_decrypted = c.decrypted;
      s.e2e_decrypt_failed = c.decrypt_failed + c.malformed;
      s.e2e_replayed = c.replayed;
      s.e2e_missing_key = c.missing_key;
      s.e2e_clear_refused = c.clear_refused;
    }
    capi::write_prefix(out, out->struct_size, s);
    return WZP_OK;
  });
}

int wzp_call_set_profile(wzp_call* call, const wzp_call_profile* profile) {
  return guarded([&]() -> int {
    WZP_CALL_REQUIRE(call);
    WZP_CAPI_REQUIRE(profile);
    auto p = to_profile(*profile);
    if (!p) return fail(p.error());
    return from_status(call->call->force_profile(*p));
  });
}

int wzp_call_set_adaptive(wzp_call* call) {
  return guarded([&]() -> int {
    WZP_CALL_REQUIRE(call);
    call->call->set_adaptive();
    return WZP_OK;
  });
}

int wzp_call_get_profile(wzp_call* call, wzp_call_profile* out) {
  return guarded([&]() -> int {
    WZP_CALL_REQUIRE(call);
    WZP_CAPI_REQUIRE(out);
    *out = from_profile(call->call->profile());
    return WZP_OK;
  });
}

int wzp_call_e2e_state_json(wzp_call* call, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(call);
    WZP_CAPI_REQUIRE(out_json);
    if (!call->e2e) return fail(Errc::invalid_state, "the call is not end-to-end encrypted");
    return capi::give_string(call->e2e->state_json(), out_json);
  });
}

int wzp_call_e2e_set_members(wzp_call* call, const char* const* members, size_t count) {
  return guarded([&]() -> int {
    WZP_CALL_REQUIRE(call);
    if (!call->e2e) return fail(Errc::invalid_state, "the call is not end-to-end encrypted");
    auto set = member_set(members, count);
    if (!set) return fail(set.error());
    return from_status(call->e2e->set_members(std::move(*set)));
  });
}

int wzp_call_safety_words(wzp_call* call, char** out_words) {
  if (out_words != nullptr) *out_words = nullptr;
  return guarded([&]() -> int {
    WZP_CAPI_REQUIRE(call);
    WZP_CAPI_REQUIRE(out_words);
    if (!call->e2e) return fail(Errc::invalid_state, "the call is not end-to-end encrypted");
    auto words = call->e2e->safety_words();
    if (words.empty()) return fail(Errc::invalid_state, "no keys are exchanged through this relay");
    std::string text;
    for (const auto& w : words) text += (text.empty() ? "" : " ") + w;
    return capi::give_string(text, out_words);
  });
}

}  // extern "C"

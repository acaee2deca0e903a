#include "call_report.hpp"

#include <cstring>
#include <memory>

namespace call_tool {

const char* codec_name(wzp_codec codec) {
  switch (codec) {
    case WZP_CODEC_OPUS24K: return "opus24k";
    case WZP_CODEC_OPUS16K: return "opus16k";
    case WZP_CODEC_OPUS6K: return "opus6k";
    case WZP_CODEC_CODEC2_3200: return "codec2_3200";
    case WZP_CODEC_CODEC2_1200: return "codec2_1200";
    case WZP_CODEC_COMFORT_NOISE: return "comfort_noise";
  }
  return "unknown";
}

namespace {

struct Preset {
  const char* name;
  wzp_call_preset preset;
};
constexpr Preset kPresets[] = {{"good", WZP_CALL_PRESET_GOOD},
                               {"degraded", WZP_CALL_PRESET_DEGRADED},
                               {"catastrophic", WZP_CALL_PRESET_CATASTROPHIC}};

bool same_profile(const wzp_call_profile& a, const wzp_call_profile& b) {
  return a.codec == b.codec && a.fec_ratio == b.fec_ratio && a.frame_ms == b.frame_ms &&
         a.frames_per_block == b.frames_per_block;
}

void put_profile(FILE* f, const wzp_call_profile& p) {
  std::fprintf(f,
               "{\"name\": \"%s\", \"codec\": \"%s\", \"fec_ratio\": %.3f, \"frame_ms\": %u, "
               "\"frames_per_block\": %u}",
               profile_name(p), codec_name(p.codec), static_cast<double>(p.fec_ratio), p.frame_ms,
               p.frames_per_block);
}

void put_stats(FILE* f, const wzp_call_stats& s, const char* indent) {
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  std::fprintf(f,
               "{\n%s  \"received\": %llu, \"played\": %llu, \"recovered\": %llu, \"fec_next\": %llu, "
               "\"concealed\": %llu, \"dropped\": %llu,\n%s  \"late\": %llu, \"duplicate\": %llu, "
               "\"underruns\": %llu, \"malformed\": %llu,\n%s  \"depth\": %u, \"target_delay_ms\": %u, "
               "\"current_delay_ms\": %u, "
               "\"jitter_ms\": %u, \"loss_pct\": %.2f,\n%s  \"packets_sent\": %llu, "
               "\"repair_packets_sent\": %llu, \"comfort_noise_sent\": %llu, \"frames_suppressed\": %llu, "
               "\"bytes_sent\": %llu,\n%s  \"reports_received\": %llu, \"profile_changes\": %llu,\n%s  "
               "\"profile\": ",
               indent, u(s.received), u(s.played), u(s.recovered), u(s.fec_next), u(s.concealed),
               u(s.dropped), indent, u(s.late), u(s.duplicate), u(s.underruns), u(s.malformed), indent,
               s.depth, s.target_delay_ms, s.current_delay_ms, s.jitter_ms, static_cast<double>(s.loss_pct),
               indent, u(s.packets_sent), u(s.repair_packets_sent), u(s.comfort_noise_sent),
               u(s.frames_suppressed), u(s.bytes_sent), indent, u(s.reports_received), u(s.profile_changes),
               indent);
  put_profile(f, s.profile);
  std::fprintf(f, "\n%s}", indent);
}

void put_json_string(FILE* f, const std::string& text) {
  std::fputc('"', f);
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\')
      std::fprintf(f, "\\%c", ch);
    else if (c < 0x20)
      std::fprintf(f, "\\u%04x", c);
    else
      std::fputc(ch, f);
  }
  std::fputc('"', f);
}

void put_e2e(FILE* f, const Summary& sum) {
  auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
  const wzp_call_stats& s = sum.mixed;
  std::fprintf(f, ",\n  \"e2e\": {\"policy\": \"%s\", \"members\": ", e2e_policy_name(sum.e2e_policy));
  if (!sum.e2e_members_given) {
    std::fprintf(f, "null");
  } else {
    std::fprintf(f, "[");
    for (size_t i = 0; i < sum.e2e_members.size(); ++i) {
      if (i) std::fprintf(f, ", ");
      put_json_string(f, sum.e2e_members[i]);
    }
    std::fprintf(f, "]");
  }
  std::fprintf(f, ", \"safety_words\": ");
  if (sum.safety_words.empty())
    std::fprintf(f, "null");
  else
    put_json_string(f, sum.safety_words);
  std::fprintf(f, ",\n");
  std::fprintf(f,
               "    \"e2e_encrypted\": %llu, \"e2e_decrypted\": %llu, \"e2e_decrypt_failed\": %llu, "
               "\"e2e_replayed\": %llu, \"e2e_missing_key\": %llu, \"e2e_clear_refused\": %llu}",
               u(s.e2e_encrypted), u(s.e2e_decrypted), u(s.e2e_decrypt_failed), u(s.e2e_replayed),
               u(s.e2e_missing_key), u(s.e2e_clear_refused));
}

}  // namespace

const char* profile_name(const wzp_call_profile& profile) {
  for (const auto& p : kPresets) {
    wzp_call_profile preset{};
    if (wzp_call_profile_preset(p.preset, &preset) == WZP_OK && same_profile(preset, profile)) return p.name;
  }
  return "custom";
}

bool profile_from_name(const std::string& name, wzp_call_profile& out) {
  for (const auto& p : kPresets) {
    if (name == p.name) return wzp_call_profile_preset(p.preset, &out) == WZP_OK;
  }
  return false;
}

const char* e2e_policy_name(int policy) {
  switch (policy) {
    case WZP_E2E_OFF: return "off";
    case WZP_E2E_PREFERRED: return "preferred";
    case WZP_E2E_REQUIRED: return "required";
  }
  return "unknown";
}

const char* e2e_state_name(int state) {
  switch (state) {
    case WZP_E2E_NO_KEY: return "no_key";
    case WZP_E2E_OK: return "ok";
    case WZP_E2E_MISSING_KEY: return "missing_key";
    case WZP_E2E_DECRYPT_FAILED: return "decrypt_failed";
    case WZP_E2E_CLEAR: return "clear";
    case WZP_E2E_UNAUTHORISED: return "unauthorised";
  }
  return "unknown";
}

std::string live_line(double elapsed_s, const wzp_call_stats& s) {
  char line[320];
  std::snprintf(
      line, sizeof line,
      "%6.1fs  loss %5.1f%%  played %llu  recovered %llu  fec-next %llu  concealed %llu  jitter %u ms  "
      "delay %u ms (target %u)  profile %s (%s)",
      elapsed_s, static_cast<double>(s.loss_pct), static_cast<unsigned long long>(s.played),
      static_cast<unsigned long long>(s.recovered), static_cast<unsigned long long>(s.fec_next),
      static_cast<unsigned long long>(s.concealed), s.jitter_ms, s.current_delay_ms, s.target_delay_ms,
      profile_name(s.profile), codec_name(s.profile.codec));
  return line;
}

bool write_stats_json(const std::string& path, const Summary& sum) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "w"), &std::fclose);
  if (!f) return false;
  FILE* out = f.get();
  const wzp_call_config& c = sum.config;
  std::fprintf(
      out,
      "{\n  \"duration_s\": %.3f,\n  \"send\": \"%s\",\n  \"recorded_samples\": %llu,\n  "
      "\"recorded_rms\": %.1f,\n  \"impairment\": {\"loss_pct\": %.2f, \"burst\": %u, \"jitter_ms\": %u, "
      "\"seed\": %llu},\n  \"adapt\": %s,\n  \"start_profile\": ",
      sum.duration_s, sum.send_mode.c_str(), static_cast<unsigned long long>(sum.recorded_samples),
      sum.recorded_rms, c.impair_loss_pct, c.impair_burst, c.impair_jitter_ms,
      static_cast<unsigned long long>(c.impair_seed), c.adapt ? "true" : "false");
  put_profile(out, c.profile);
  put_e2e(out, sum);
  std::fprintf(out, ",\n  \"mixed\": ");
  put_stats(out, sum.mixed, "  ");
  std::fprintf(out, ",\n  \"sources\": [");
  for (size_t i = 0; i < sum.sources.size(); ++i) {
    std::fprintf(out, "%s\n    {\"source\": %d, \"stats\": ", i ? "," : "", sum.sources[i].source);
    put_stats(out, sum.sources[i].stats, "    ");
    std::fprintf(out, "}");
  }
  std::fprintf(out, "%s]\n}\n", sum.sources.empty() ? "" : "\n  ");
  return std::ferror(out) == 0;
}

}  // namespace call_tool

// What wzp-call says about a call: the live line once a second and the final JSON.
#pragma once

#include <wzp.h>

#include <cstdio>
#include <string>
#include <vector>

namespace call_tool {

const char* codec_name(wzp_codec codec);
/// "good", "degraded", "catastrophic" for the presets, else "custom".
const char* profile_name(const wzp_call_profile& profile);
/// The profile from a preset name; false for an unknown name.
bool profile_from_name(const std::string& name, wzp_call_profile& out);
/// "off", "preferred", "required" (a wzp_e2e_policy).
const char* e2e_policy_name(int policy);
/// "no_key", "ok", "missing_key", "decrypt_failed", "clear", "unauthorised" (a wzp_e2e_state),
/// as wzp_call_e2e_state_json names them.
const char* e2e_state_name(int state);

/// One line: loss, recovered, concealed, jitter, delay, profile (mixed stats of the call).
std::string live_line(double elapsed_s, const wzp_call_stats& mixed);

struct SourceStats {
  int source;
  wzp_call_stats stats;
};

struct Summary {
  double duration_s = 0;
  std::string send_mode;  // tone, wav, silence
  uint64_t recorded_samples = 0;
  double recorded_rms = 0;
  wzp_call_config config{};
  wzp_call_stats mixed{};
  std::vector<SourceStats> sources;
  int e2e_policy = WZP_E2E_OFF;
  bool e2e_members_given = false;  // false: every member of the room got the key
  std::vector<std::string> e2e_members;
  std::string safety_words;  // the last ones printed; empty: none (off, clear, or nobody keyed)
};

/// The final stats as a JSON object (with "e2e": the policy, members, safety words and the
/// e2e_* counters). False when the file cannot be written.
bool write_stats_json(const std::string& path, const Summary& summary);

}  // namespace call_tool

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
};

/// The final stats as a JSON object. False when the file cannot be written.
bool write_stats_json(const std::string& path, const Summary& summary);

}  // namespace call_tool

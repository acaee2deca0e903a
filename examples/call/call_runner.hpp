// wzp-call's call mode: a wzp_call on the joined client, fed with a tone, a WAV file or
// silence at the real-time pace, recorded, reported once a second and at the end.
#pragma once

#include <wzp.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "wav_file.hpp"

namespace call_tool {

struct AudioOptions {
  bool call = false;  // any audio flag given: make a real call
  double tone_hz = 0;
  std::string wav_path;
  bool silence = false;
  std::string record_path;
  std::string stats_json_path;
  std::string profile;  // empty: start GOOD and adapt
  double loss_pct = 0;
  unsigned burst = 1;
  unsigned jitter_ms = 0;
  uint64_t network_seed = 1;
  std::vector<int16_t> wav;  // --send-wav, read before joining
};

class CallRunner {
 public:
  using Clock = std::chrono::steady_clock;

  CallRunner(const AudioOptions& options, WavWriter& recorder) : options_(options), recorder_(recorder) {}
  ~CallRunner();
  CallRunner(const CallRunner&) = delete;
  CallRunner& operator=(const CallRunner&) = delete;

  /// Attaches the call to a joined client. A wzp status; wzp_last_error() says why.
  int start(wzp_client* client);
  bool started() const { return call_ != nullptr; }
  /// Sends the frames due by `now`, records what is ready, prints the live line once a second.
  /// Returns how long (ms) until the next frame is due.
  int tick(Clock::time_point now);
  /// A CALL_PROFILE event of the client.
  void on_profile_event(const wzp_event& event);
  /// Records what is left, prints the summary, writes --stats-json. False when that failed.
  bool finish();

 private:
  void next_frame(int16_t* out);
  void drain_recording();
  const char* send_mode() const;

  const AudioOptions& options_;
  WavWriter& recorder_;
  wzp_call* call_ = nullptr;
  wzp_call_config config_{};
  Clock::time_point started_at_{};
  Clock::time_point next_send_{};
  Clock::time_point next_stats_{};
  uint64_t frames_sent_ = 0;
  size_t wav_pos_ = 0;
  double phase_ = 0;
  uint64_t recorded_samples_ = 0;
  double recorded_energy_ = 0;
};

}  // namespace call_tool

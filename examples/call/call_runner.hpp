// wzp-call's call mode: a wzp_call on the joined client, fed with a tone, a WAV file or
// silence at the real-time pace, recorded, reported once a second and at the end; with
// --e2e/--e2e-preferred end-to-end encrypted, its key events and safety words printed.
#pragma once

#include <wzp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
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
  int e2e = WZP_E2E_OFF;     // a wzp_e2e_policy
  bool members_given = false;
  std::vector<std::string> members;  // --members, in display form (validated before joining)
  std::string self_fingerprint;      // this side's, in display form
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
  /// A CALL_E2E event: one line on stderr, then the safety words when they are due.
  void on_e2e_event(const wzp_event& event);
  /// A PEER_JOINED / PEER_LEFT event: without --members they are the members expected.
  void on_peer_event(const wzp_event& event);
  /// Records what is left, prints the summary, writes --stats-json. False when that failed.
  bool finish();

 private:
  void next_frame(int16_t* out);
  void drain_recording();
  const char* send_mode() const;
  bool expected_members_keyed() const;
  bool keyed_member_present() const;
  /// Prints "safety words: ..." once every expected member is keyed (or 2 s into the call),
  /// then again whenever they change: only while a member here holds keys to compare them
  /// with, and never while the call sends clear media.
  void update_safety_words(Clock::time_point now);

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
  std::vector<const char*> member_ptrs_;   // config_.e2e_members
  std::map<std::string, int> e2e_states_;  // member (display form) -> its last wzp_e2e_state
  std::set<std::string> peers_;            // the room's members now (display form)
  std::string safety_words_;               // the last ones printed
  bool sending_clear_ = false;             // PREFERRED (or no room signals): media go clear
};

}  // namespace call_tool

#include "call_runner.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "call_report.hpp"

namespace call_tool {
namespace {

constexpr size_t kFrame = WZP_CALL_FRAME_SAMPLES;  // 20 ms at 48 kHz
constexpr auto kFramePeriod = std::chrono::milliseconds(20);
// Safety words are printed once every expected member is keyed, or this long into the call.
constexpr auto kSafetyWordsAfter = std::chrono::seconds(2);

// A fingerprint the library reports, in display form ("" when it is none).
std::string display_fingerprint(const char* text) {
  uint8_t fp[WZP_FINGERPRINT_BYTES];
  char out[WZP_FINGERPRINT_STR_LEN + 1];
  if (text == nullptr || wzp_fingerprint_parse(text, fp) != WZP_OK ||
      wzp_fingerprint_format(fp, out, sizeof out) != WZP_OK)
    return {};
  return out;
}

}  // namespace

CallRunner::~CallRunner() { wzp_call_free(call_); }

const char* CallRunner::send_mode() const {
  if (!options_.wav_path.empty()) return "wav";
  if (options_.tone_hz > 0) return "tone";
  return "silence";
}

int CallRunner::start(wzp_client* client) {
  wzp_call_config_init(&config_);
  if (!options_.profile.empty()) {
    profile_from_name(options_.profile, config_.profile);
    config_.adapt = 0;
  }
  config_.impair_loss_pct = options_.loss_pct;
  config_.impair_burst = options_.burst;
  config_.impair_jitter_ms = options_.jitter_ms;
  config_.impair_seed = options_.network_seed;
  config_.e2e = options_.e2e;
  if (options_.e2e != WZP_E2E_OFF && options_.members_given) {
    member_ptrs_.clear();
    for (const auto& m : options_.members) member_ptrs_.push_back(m.c_str());
    config_.e2e_members = member_ptrs_.data();
    config_.e2e_member_count = member_ptrs_.size();
  }
  const int rc = wzp_call_new(client, &config_, &call_);
  if (rc != WZP_OK) return rc;
  started_at_ = Clock::now();
  next_send_ = started_at_;
  next_stats_ = started_at_ + std::chrono::seconds(1);
  std::printf("call: sending %s%s, profile %s%s\n", send_mode(),
              options_.wav_path.empty() ? "" : (" " + options_.wav_path).c_str(),
              profile_name(config_.profile), config_.adapt ? " (adapting)" : " (fixed)");
  if (options_.e2e != WZP_E2E_OFF)
    std::printf("call: end-to-end encrypted (%s), key for %s\n", e2e_policy_name(options_.e2e),
                options_.members_given ? (std::to_string(options_.members.size()) + " member(s)").c_str()
                                       : "every member of the room");
  return WZP_OK;
}

void CallRunner::next_frame(int16_t* out) {
  std::fill(out, out + kFrame, int16_t{0});
  if (!options_.wav.empty()) {
    const size_t n = std::min(kFrame, options_.wav.size() - std::min(wav_pos_, options_.wav.size()));
    std::copy_n(options_.wav.begin() + static_cast<std::ptrdiff_t>(wav_pos_), n, out);
    wav_pos_ += n;  // after the file: silence
  } else if (options_.tone_hz > 0) {
    const double step = 2 * std::numbers::pi * options_.tone_hz / WZP_CALL_SAMPLE_RATE;
    for (size_t i = 0; i < kFrame; ++i, phase_ += step)
      out[i] = static_cast<int16_t>(8000 * std::sin(phase_));
    phase_ = std::fmod(phase_, 2 * std::numbers::pi);
  }
}

void CallRunner::drain_recording() {
  int16_t pcm[kFrame];
  while (wzp_call_read_pcm(call_, WZP_CALL_MIXED, pcm, kFrame, 0) == WZP_OK) {
    recorder_.write(pcm, kFrame);
    recorded_samples_ += kFrame;
    for (int16_t v : pcm) recorded_energy_ += static_cast<double>(v) * v;
  }
}

int CallRunner::tick(Clock::time_point now) {
  if (call_ == nullptr) return 10;
  // Frames on an absolute 20 ms schedule; after a long stall, resume from now.
  if (now - next_send_ > std::chrono::milliseconds(200)) next_send_ = now;
  int16_t pcm[kFrame];
  while (now >= next_send_) {
    next_frame(pcm);
    if (wzp_call_send_pcm(call_, pcm, kFrame) != WZP_OK)
      std::fprintf(stderr, "wzp-call: send_pcm: %s\n", wzp_last_error());
    ++frames_sent_;
    next_send_ += kFramePeriod;
  }
  drain_recording();
  if (now >= next_stats_) {
    wzp_call_stats stats;
    wzp_call_stats_init(&stats);
    if (wzp_call_stats_get(call_, WZP_CALL_MIXED, &stats) == WZP_OK) {
      const double elapsed = std::chrono::duration<double>(now - started_at_).count();
      std::fprintf(stderr, "%s\n", live_line(elapsed, stats).c_str());
    }
    next_stats_ += std::chrono::seconds(1);
    update_safety_words(now);  // they change when a key does
  }
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_send_ - now).count();
  return static_cast<int>(std::clamp<long long>(wait, 0, 20));
}

void CallRunner::on_profile_event(const wzp_event& event) {
  std::printf("profile: now %s (%s, FEC %.2f, %u ms, K %u)%s\n", profile_name(event.call_profile),
              codec_name(event.call_profile.codec), static_cast<double>(event.call_profile.fec_ratio),
              event.call_profile.frame_ms, event.call_profile.frames_per_block,
              event.source < 0 ? ", forced" : "");
}

void CallRunner::on_e2e_event(const wzp_event& event) {
  const char* why = event.data != nullptr ? reinterpret_cast<const char*>(event.data) : "";
  if (event.fingerprint == nullptr) {
    // The call's own media: clear ("sending clear media: ...") or encrypted again.
    sending_clear_ = event.e2e_state == WZP_E2E_CLEAR;
    std::fprintf(stderr, "e2e: %s\n", *why ? why : e2e_state_name(event.e2e_state));
  } else {
    const std::string name = e2e_state_name(event.e2e_state);
    const std::string fp = display_fingerprint(event.fingerprint);
    e2e_states_[fp.empty() ? event.fingerprint : fp] = event.e2e_state;
    const bool say_why = *why && name != why;  // the detail, when it says more than the state
    std::fprintf(stderr, "e2e: %s %s%s%s%s\n", event.fingerprint, name.c_str(), say_why ? " (" : "",
                 say_why ? why : "", say_why ? ")" : "");
  }
  std::fflush(stderr);
  update_safety_words(Clock::now());
}

void CallRunner::on_peer_event(const wzp_event& event) {
  const std::string fp = display_fingerprint(event.fingerprint);
  if (fp.empty()) return;
  if (event.type == WZP_EVENT_PEER_JOINED)
    peers_.insert(fp);
  else if (event.type == WZP_EVENT_PEER_LEFT)
    peers_.erase(fp);
}

bool CallRunner::expected_members_keyed() const {
  const auto keyed = [this](const std::string& fp) {
    if (fp == options_.self_fingerprint) return true;
    const auto it = e2e_states_.find(fp);
    return it != e2e_states_.end() && it->second == WZP_E2E_OK;
  };
  if (options_.members_given) return std::all_of(options_.members.begin(), options_.members.end(), keyed);
  return !peers_.empty() && std::all_of(peers_.begin(), peers_.end(), keyed);
}

bool CallRunner::keyed_member_present() const {
  return std::any_of(peers_.begin(), peers_.end(), [this](const std::string& fp) {
    const auto it = e2e_states_.find(fp);
    return fp != options_.self_fingerprint && it != e2e_states_.end() && it->second == WZP_E2E_OK;
  });
}

void CallRunner::update_safety_words(Clock::time_point now) {
  if (call_ == nullptr || options_.e2e == WZP_E2E_OFF || sending_clear_) return;
  // Words from this side's key alone (nobody keyed here) match nobody's: not worth reading out.
  if (!keyed_member_present()) return;
  if (safety_words_.empty() && now - started_at_ < kSafetyWordsAfter && !expected_members_keyed()) return;
  char* words = nullptr;
  if (wzp_call_safety_words(call_, &words) != WZP_OK) return;  // no keys exchanged (yet)
  const std::string now_words = words;
  wzp_free(words);
  if (now_words == safety_words_) return;
  safety_words_ = now_words;
  std::printf("safety words: %s\n", safety_words_.c_str());
  std::fflush(stdout);
}

bool CallRunner::finish() {
  if (call_ == nullptr) return true;
  drain_recording();
  Summary summary;
  summary.duration_s = std::chrono::duration<double>(Clock::now() - started_at_).count();
  summary.send_mode = send_mode();
  summary.recorded_samples = recorded_samples_;
  summary.config = config_;
  wzp_call_stats_init(&summary.mixed);
  wzp_call_stats_get(call_, WZP_CALL_MIXED, &summary.mixed);
  summary.e2e_policy = options_.e2e;
  if (options_.members_given) summary.e2e_members = options_.members;
  summary.e2e_members_given = options_.members_given;
  // The final words: the last ones read out to the members (none when the call ended clear).
  update_safety_words(Clock::now());
  if (!sending_clear_) summary.safety_words = safety_words_;
  uint16_t ids[64];
  size_t count = 0;
  if (wzp_call_sources(call_, ids, 64, &count) == WZP_OK || count > 0) {
    for (size_t i = 0; i < std::min<size_t>(count, 64); ++i) {
      SourceStats s{ids[i], {}};
      wzp_call_stats_init(&s.stats);
      if (wzp_call_stats_get(call_, ids[i], &s.stats) == WZP_OK) summary.sources.push_back(s);
    }
  }
  // RMS of everything recorded (whether or not it went to a file).
  const double read = static_cast<double>(recorded_samples_);
  summary.recorded_rms = read > 0 ? std::sqrt(recorded_energy_ / read) : 0.0;
  const auto& m = summary.mixed;
  std::printf(
      "wzp-call: call of %.1f s: %llu frames sent (%llu source + %llu repair packets), heard %zu source(s): "
      "%llu played, %llu recovered by FEC, %llu by in-band FEC, %llu concealed\n",
      summary.duration_s, static_cast<unsigned long long>(frames_sent_),
      static_cast<unsigned long long>(m.packets_sent), static_cast<unsigned long long>(m.repair_packets_sent),
      summary.sources.size(), static_cast<unsigned long long>(m.played),
      static_cast<unsigned long long>(m.recovered), static_cast<unsigned long long>(m.fec_next),
      static_cast<unsigned long long>(m.concealed));
  if (options_.e2e != WZP_E2E_OFF)
    std::printf(
        "wzp-call: end-to-end %s: %llu sealed, %llu opened, %llu failed to authenticate, %llu replayed, "
        "%llu missing key, %llu clear refused; safety words: %s\n",
        e2e_policy_name(options_.e2e), static_cast<unsigned long long>(m.e2e_encrypted),
        static_cast<unsigned long long>(m.e2e_decrypted),
        static_cast<unsigned long long>(m.e2e_decrypt_failed),
        static_cast<unsigned long long>(m.e2e_replayed), static_cast<unsigned long long>(m.e2e_missing_key),
        static_cast<unsigned long long>(m.e2e_clear_refused),
        summary.safety_words.empty() ? "none (no member holds keys)" : summary.safety_words.c_str());
  if (!options_.record_path.empty())
    std::printf("wzp-call: recorded %.2f s to %s\n", read / WZP_CALL_SAMPLE_RATE,
                options_.record_path.c_str());
  bool ok = true;
  if (!options_.stats_json_path.empty()) {
    ok = write_stats_json(options_.stats_json_path, summary);
    if (!ok) std::fprintf(stderr, "wzp-call: cannot write %s\n", options_.stats_json_path.c_str());
  }
  wzp_call_free(call_);
  call_ = nullptr;
  return ok;
}

}  // namespace call_tool

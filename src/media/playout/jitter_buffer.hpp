// JitterBuffer: one remote sender's frames, ordered by sequence number, played out one frame
// per call of pop() by the receiver's audio clock (never by packet arrival).
//
// Time model. Each arrival gives a transit (arrival - media timestamp); the fastest recent
// one is the base. A frame with timestamp ts is played at ts + base + delay; the delay is
// steered towards the estimator's target (delay_estimator.hpp):
//   - playout starts, and resumes after an underrun or a silence, when the next frame's
//     delay reaches the target (so every wait re-anchors the delay to the target);
//   - while frames play, the delay is raised by inserting a concealed frame when it is below
//     the target, and lowered by dropping one frame when it exceeds the target by more than
//     a frame (at most one adjustment every `adjust_interval_frames` frames);
//   - a delay beyond max_delay_ms skips at once to the target.
// The seq tells loss and the timestamp tells time: a missing seq whose neighbours leave no
// gap in media time carried no audio (a repair or comfort-noise packet, learned or lost) and
// is skipped; contiguous seqs with a timestamp jump mean the sender suppressed silence.
// When the FEC layer can tell (note_repair_seq, note_missing_frame), repair seqs and missing
// frames are known with their media times, so a missing frame is concealed exactly when it is
// due, a silence after it is still a silence, and a frame rebuilt just in time is played.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>

#include "core/bytes.hpp"
#include "media/playout/delay_estimator.hpp"
#include "wire/codec_id.hpp"

namespace wzp::media {

struct JitterEntry {
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  wire::CodecId codec = wire::CodecId::opus24k;
  Bytes frame;
  bool recovered = false;  // rebuilt by FEC
  // The frame's duration when the caller knows it (e.g. from the Opus TOC); 0: learned from
  // consecutive frames' timestamps, at first the codec's preferred frame (20 or 40 ms).
  uint32_t frame_ms = 0;
};

struct JitterConfig {
  uint32_t min_delay_ms = 40, max_delay_ms = 1000, max_packets = 250;
  uint32_t margin_ms = 10;               // target = lateness peak + margin
  uint32_t half_life_ms = 2000;          // how slowly the target decays after a spike
  uint32_t fec_half_life_ms = 20000;     // ... after FEC recoveries stop
  bool wait_for_fec = true;              // raise the delay so FEC-recovered frames are in time
  uint32_t adjust_interval_frames = 5;   // at most one drop/insert per this many frames
  uint32_t underrun_conceal_frames = 5;  // an underrun conceals this long, then plays silence
};

class JitterBuffer {
 public:
  explicit JitterBuffer(JitterConfig config = {});

  enum class PushResult { stored, late, duplicate, overflow };
  /// A received or FEC-recovered frame, or a comfort-noise packet (codec 5: it carries no
  /// audio; its payload byte is the noise level handed back with Kind::comfort_noise).
  PushResult push(JitterEntry entry, int64_t arrival_ms);
  /// Repair (and comfort-noise) seqs carry no audio: they are skipped, never "missing".
  void note_repair_seq(uint16_t seq);
  /// A source frame known to be missing (FecReceiver's hints), with its media time: it is
  /// concealed when its time comes, unless the frame (received late or rebuilt) comes first.
  /// Without it, a lost frame's time is only guessed from the seqs around it.
  void note_missing_frame(uint16_t seq, uint32_t timestamp, wire::CodecId codec, uint32_t frame_ms);

  struct Playout {
    enum class Kind { frame, fec_next, conceal, comfort_noise, silence, not_ready } kind = Kind::not_ready;
    // frame: decode `entry`. fec_next: `entry` is the NEXT frame (still to be played
    // next): decode its in-band FEC for the missing one. conceal: PLC. comfort_noise: the
    // sender suppresses silence, `entry` is its last CN packet (payload = level).
    // silence / not_ready: play silence.
    JitterEntry entry;
    wire::CodecId codec = wire::CodecId::opus24k;  // the codec to decode / conceal with
    uint32_t frame_ms = 20;                        // the audio this tick produces
  };
  /// Once per frame period: call again when the returned frame_ms have been played.
  Playout pop(int64_t now_ms);

  struct Stats {
    uint64_t received = 0;  // push() calls
    uint64_t played = 0;    // Kind::frame
    uint64_t late = 0, duplicate = 0;
    uint64_t recovered_late = 0;    // FEC-recovered frames that came after their playout
    uint64_t recovered_played = 0;  // played frames that FEC rebuilt
    uint64_t fec_next = 0;          // missing frames handed to Opus in-band FEC
    uint64_t concealed = 0;         // missing frames of the sender's timeline not played
    uint64_t underruns = 0;         // times the buffer ran dry while frames were due
    uint64_t overflows = 0;         // frames evicted by the max_packets bound
    uint64_t dropped_to_catch_up = 0;
    uint64_t stretched = 0;      // ticks of audio inserted: underrun waits, delay raises
    uint64_t comfort_noise = 0;  // ticks of comfort noise / silence in suppressed periods
    uint64_t resyncs = 0;        // restarts on a far sequence jump (sender restarted)
    uint32_t depth_packets = 0, target_delay_ms = 0, current_delay_ms = 0, jitter_ms = 0;
  };
  Stats stats() const;

 private:
  struct Slot {
    JitterEntry entry;
    int64_t ts = 0;         // unwrapped timestamp
    bool marker = false;    // a repair or CN seq: no audio
    bool cn = false;        // a comfort-noise packet (a marker with a level)
    bool expected = false;  // a missing frame's place: its time is known, its audio is not
    bool holds_audio() const noexcept { return !marker && !expected; }
  };
  using Slots = std::map<int64_t, Slot>;  // unwrapped seq -> slot: serial order, wrap-safe
  enum class Mode { starting, playing, waiting };
  enum class Wait { underrun, silence };

  PushResult store(JitterEntry entry, int64_t arrival_ms);
  Slot* fresh_slot(uint16_t seq);
  void reset_stream();
  void enforce_bound();
  void learn_duration(Slots::iterator it);
  uint32_t duration_of(const Slot& slot) const;
  Slots::iterator first_audio_from(int64_t seq);
  int64_t unknown_seqs_before(Slots::iterator audio);
  void pass_markers();
  void enter_wait(Wait why);
  int64_t delay_of(const Slot& slot, int64_t now_ms) const;
  std::optional<Playout> step_playing(int64_t now_ms, uint32_t target);
  Playout step_waiting(int64_t now_ms, uint32_t target);
  Playout wait_output();
  Playout emit(Slots::iterator it, int64_t now_ms);
  Playout emit_missing(Slots::iterator it, int64_t now_ms);
  Playout replace_missing(int64_t ts, uint32_t dur, wire::CodecId codec, Slots::const_iterator next);
  Slots::iterator skip_to_target(Slots::iterator it, int64_t now_ms, uint32_t target);

  JitterConfig config_;
  DelayEstimator estimator_;
  Slots slots_;
  size_t audio_count_ = 0;
  bool have_ref_ = false;
  int64_t high_seq_ = 0;  // the highest unwrapped seq seen
  bool have_ts_ref_ = false;
  int64_t ts_ref_ = 0;  // the last unwrapped timestamp seen
  uint32_t far_count_ = 0;
  int64_t last_now_ms_ = 0;  // the latest time seen (arrival or tick), for stats()

  Mode mode_ = Mode::starting;
  Wait wait_ = Wait::underrun;
  int64_t next_seq_ = 0;  // the playout point: next seq and its media time
  int64_t play_ts_ = 0;
  uint32_t last_frame_ms_ = 20;
  wire::CodecId last_codec_ = wire::CodecId::opus24k;
  bool cn_seen_ = false;
  JitterEntry last_cn_;
  uint32_t wait_ticks_ = 0;
  uint32_t ticks_since_adjust_ = 0;
  std::array<uint32_t, wire::kCodecCount> learned_ms_{};
  std::array<uint32_t, wire::kCodecCount> candidate_ms_{};  // a new duration seen once
  Stats stats_;
};

}  // namespace wzp::media

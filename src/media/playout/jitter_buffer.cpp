#include "media/playout/jitter_buffer.hpp"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "media/serial.hpp"

namespace wzp::media {
namespace {

// A seq this far from the newest one is not a straggler: after kFarRestart of them in a row
// the sender is taken to have restarted and the stream starts again.
constexpr int64_t kFarSeqs = 1000;
constexpr uint32_t kFarRestart = 3;

bool is_opus(wire::CodecId codec) {
  return codec == wire::CodecId::opus24k || codec == wire::CodecId::opus16k || codec == wire::CodecId::opus6k;
}

DelayEstimatorConfig estimator_config(const JitterConfig& c) {
  DelayEstimatorConfig e;
  e.min_delay_ms = c.min_delay_ms;
  e.max_delay_ms = c.max_delay_ms;
  e.margin_ms = c.margin_ms;
  e.half_life_ms = c.half_life_ms;
  e.fec_half_life_ms = c.fec_half_life_ms;
  e.wait_for_fec = c.wait_for_fec;
  return e;
}

}  // namespace

JitterBuffer::JitterBuffer(JitterConfig config) : config_(config), estimator_(estimator_config(config)) {
  config_.max_packets = std::max<uint32_t>(config_.max_packets, 1);
  config_.adjust_interval_frames = std::max<uint32_t>(config_.adjust_interval_frames, 1);
  for (uint8_t i = 0; i < wire::kCodecCount; ++i) {
    learned_ms_[i] = wire::codec_frame_duration_ms(static_cast<wire::CodecId>(i));
  }
}

JitterBuffer::PushResult JitterBuffer::push(JitterEntry entry, int64_t arrival_ms) {
  ++stats_.received;
  last_now_ms_ = std::max(last_now_ms_, arrival_ms);
  if (have_ref_) {
    const int64_t seq = unwrap_seq(entry.seq, high_seq_);
    if (std::abs(seq - high_seq_) > kFarSeqs) {
      if (++far_count_ < kFarRestart) {
        ++stats_.late;
        return PushResult::late;
      }
      reset_stream();
      ++stats_.resyncs;
    } else {
      far_count_ = 0;
    }
  }
  return store(std::move(entry), arrival_ms);
}

JitterBuffer::PushResult JitterBuffer::store(JitterEntry entry, int64_t arrival_ms) {
  if (!have_ref_) {
    have_ref_ = true;
    high_seq_ = entry.seq;
  }
  if (!have_ts_ref_) {
    have_ts_ref_ = true;
    ts_ref_ = entry.timestamp;
  }
  const int64_t seq = unwrap_seq(entry.seq, high_seq_);
  const int64_t ts = unwrap_timestamp(entry.timestamp, ts_ref_);
  const bool cn = entry.codec == wire::CodecId::comfort_noise;

  auto existing = slots_.find(seq);
  const bool fills_place = existing != slots_.end() && existing->second.expected;
  if (existing != slots_.end() && !fills_place) {
    if (cn && existing->second.marker && !existing->second.cn) {  // a noted CN seq gets its level
      existing->second.cn = true;
      existing->second.entry = std::move(entry);
      return PushResult::stored;
    }
    ++stats_.duplicate;
    return PushResult::duplicate;
  }
  // Late packets still teach the estimator: they are what a too-short delay loses.
  if (!cn) estimator_.on_arrival(ts, arrival_ms, entry.recovered);
  ts_ref_ = ts;
  if (mode_ != Mode::starting && seq < next_seq_) {
    ++stats_.late;
    if (entry.recovered) ++stats_.recovered_late;
    return PushResult::late;
  }
  Slot slot{std::move(entry), ts, cn, cn};
  auto it = existing;
  if (fills_place) {
    it->second = std::move(slot);  // the frame came (late or rebuilt) before its time
  } else {
    it = slots_.emplace(seq, std::move(slot)).first;
  }
  high_seq_ = std::max(high_seq_, seq);
  if (!cn) {
    ++audio_count_;
    learn_duration(it);
  }
  enforce_bound();
  return slots_.count(seq) != 0 ? PushResult::stored : PushResult::overflow;
}

// A new slot for a seq nothing is known of yet; null for a far, passed or known seq.
JitterBuffer::Slot* JitterBuffer::fresh_slot(uint16_t seq16) {
  const int64_t seq = unwrap_seq(seq16, high_seq_);
  if (std::abs(seq - high_seq_) > kFarSeqs) return nullptr;
  if (mode_ != Mode::starting && seq < next_seq_) return nullptr;
  auto [it, inserted] = slots_.try_emplace(seq);
  if (!inserted) return nullptr;
  high_seq_ = std::max(high_seq_, seq);
  return &it->second;
}

void JitterBuffer::note_repair_seq(uint16_t seq16) {
  if (!have_ref_) {
    have_ref_ = true;
    high_seq_ = seq16;
  }
  Slot* slot = fresh_slot(seq16);
  if (slot == nullptr) return;
  slot->marker = true;
  enforce_bound();
}

void JitterBuffer::note_missing_frame(uint16_t seq16, uint32_t timestamp, wire::CodecId codec,
                                      uint32_t frame_ms) {
  if (!have_ref_ || !have_ts_ref_ || codec == wire::CodecId::comfort_noise) return;
  Slot* slot = fresh_slot(seq16);
  if (slot == nullptr) return;
  slot->expected = true;
  slot->ts = unwrap_timestamp(timestamp, ts_ref_);
  slot->entry.seq = seq16;
  slot->entry.timestamp = timestamp;
  slot->entry.codec = codec;
  slot->entry.frame_ms = frame_ms == 20 || frame_ms == 40 ? frame_ms : 0;
  enforce_bound();
}

void JitterBuffer::reset_stream() {
  slots_.clear();
  audio_count_ = 0;
  have_ref_ = have_ts_ref_ = false;
  far_count_ = 0;
  mode_ = Mode::starting;
  cn_seen_ = false;
  estimator_ = DelayEstimator(estimator_.config());
}

// Evicts the oldest slots (serial order, so across a wrap the oldest really go first).
void JitterBuffer::enforce_bound() {
  while (audio_count_ > config_.max_packets || slots_.size() > 2 * size_t{config_.max_packets}) {
    auto it = slots_.begin();
    const bool unplayed = mode_ == Mode::starting || it->first >= next_seq_;
    if (it->second.holds_audio()) {
      --audio_count_;
      if (unplayed) ++stats_.overflows;
    }
    if (mode_ != Mode::starting && unplayed) {
      next_seq_ = it->first + 1;
      if (!it->second.marker) play_ts_ = std::max(play_ts_, it->second.ts + duration_of(it->second));
    }
    slots_.erase(it);
  }
}

// Learns a codec's frame duration from two frames with consecutive seqs; a new value must be
// seen twice in a row, since a short suppressed silence also makes one timestamp step longer.
void JitterBuffer::learn_duration(Slots::iterator it) {
  const auto learn_pair = [this](const Slot& a, const Slot& b) {
    if (!a.holds_audio() || !b.holds_audio() || a.entry.codec != b.entry.codec) return;
    const int64_t step = b.ts - a.ts;
    if (step != 20 && step != 40) return;
    const auto c = wire::codec_wire(a.entry.codec);
    if (static_cast<uint32_t>(step) == learned_ms_[c]) {
      candidate_ms_[c] = 0;
    } else if (candidate_ms_[c] == static_cast<uint32_t>(step)) {
      learned_ms_[c] = static_cast<uint32_t>(step);
      candidate_ms_[c] = 0;
    } else {
      candidate_ms_[c] = static_cast<uint32_t>(step);
    }
  };
  if (it != slots_.begin()) {
    auto prev = std::prev(it);
    if (prev->first == it->first - 1) learn_pair(prev->second, it->second);
  }
  auto next = std::next(it);
  if (next != slots_.end() && next->first == it->first + 1) learn_pair(it->second, next->second);
}

uint32_t JitterBuffer::duration_of(const Slot& slot) const {
  if (slot.entry.frame_ms != 0) return slot.entry.frame_ms;
  return learned_ms_[wire::codec_wire(slot.entry.codec) % wire::kCodecCount];
}

JitterBuffer::Slots::iterator JitterBuffer::first_audio_from(int64_t seq) {
  auto it = slots_.lower_bound(seq);
  while (it != slots_.end() && it->second.marker) ++it;
  return it;
}

// Seqs between the playout point and `audio` that nothing has told us about.
int64_t JitterBuffer::unknown_seqs_before(Slots::iterator audio) {
  int64_t known = 0;
  for (auto it = slots_.lower_bound(next_seq_); it != audio; ++it) ++known;
  return audio->first - next_seq_ - known;
}

void JitterBuffer::enter_wait(Wait why) {
  if (mode_ == Mode::waiting && wait_ == why) return;
  if (mode_ == Mode::playing) wait_ticks_ = 0;
  mode_ = Mode::waiting;
  wait_ = why;
}

// Drops slots already behind the playout point and passes the repair/CN markers at it. A CN
// packet means the sender is suppressing silence.
void JitterBuffer::pass_markers() {
  auto it = slots_.begin();
  while (it != slots_.end() && it->first < next_seq_) {
    if (it->second.holds_audio()) --audio_count_;
    it = slots_.erase(it);
  }
  while (it != slots_.end() && it->first == next_seq_ && it->second.marker) {
    if (it->second.cn) {
      cn_seen_ = true;
      last_cn_ = std::move(it->second.entry);
      enter_wait(Wait::silence);
    }
    ++next_seq_;
    it = slots_.erase(it);
  }
}

int64_t JitterBuffer::delay_of(const Slot& slot, int64_t now_ms) const {
  return now_ms - slot.ts - estimator_.base();
}

JitterBuffer::Playout JitterBuffer::pop(int64_t now_ms) {
  ++ticks_since_adjust_;
  last_now_ms_ = std::max(last_now_ms_, now_ms);
  const uint32_t target = estimator_.target_ms(now_ms);
  if (mode_ == Mode::starting) {
    // Playout starts when the first frame has waited the target delay.
    auto first = first_audio_from(slots_.empty() ? 0 : slots_.begin()->first);
    if (first == slots_.end() || delay_of(first->second, now_ms) < target) {
      Playout out;
      out.kind = Playout::Kind::not_ready;
      out.frame_ms = first == slots_.end() ? last_frame_ms_ : duration_of(first->second);
      return out;
    }
    slots_.erase(slots_.begin(), first);
    next_seq_ = first->first;
    play_ts_ = first->second.ts;
    mode_ = Mode::playing;
    ticks_since_adjust_ = 0;
    return emit(skip_to_target(first, now_ms, target), now_ms);
  }
  if (mode_ == Mode::playing) {
    if (auto out = step_playing(now_ms, target)) return std::move(*out);
  }
  return step_waiting(now_ms, target);
}

std::optional<JitterBuffer::Playout> JitterBuffer::step_playing(int64_t now_ms, uint32_t target) {
  pass_markers();
  if (mode_ != Mode::playing) return std::nullopt;  // a CN packet: silence
  auto it = first_audio_from(next_seq_);
  if (it == slots_.end()) {
    ++stats_.underruns;
    enter_wait(Wait::underrun);
    return std::nullopt;
  }
  const int64_t unknown = unknown_seqs_before(it);
  const int64_t gap = it->second.ts - play_ts_;
  if (gap > 0 && unknown == 0) {  // contiguous seqs, later timestamp: the sender was silent
    enter_wait(Wait::silence);
    return std::nullopt;
  }
  if (gap > 0) {
    // An audio frame is missing at the playout point (FEC did not rebuild it in time).
    const auto dur = static_cast<uint32_t>(std::min<int64_t>(gap, last_frame_ms_));
    Playout out = replace_missing(play_ts_, dur, last_codec_, it);
    ++next_seq_;
    play_ts_ += dur;
    return out;
  }
  // The next frame is due now (missing seqs before it carried no audio).
  next_seq_ = it->first;
  const int64_t delay = delay_of(it->second, now_ms);
  if (delay > config_.max_delay_ms) return emit(skip_to_target(it, now_ms, target), now_ms);
  if (it->second.expected) return emit_missing(it, now_ms);  // its time has come, its audio has not
  if (ticks_since_adjust_ >= config_.adjust_interval_frames) {
    const uint32_t dur = duration_of(it->second);
    if (delay + config_.margin_ms < target) {
      // Below the lateness peak: play one concealed frame to raise the delay.
      ticks_since_adjust_ = 0;
      ++stats_.stretched;
      Playout out;
      out.kind = Playout::Kind::conceal;
      out.codec = last_codec_;
      out.frame_ms = last_frame_ms_;
      return out;
    }
    if (delay > int64_t{target} + dur + config_.margin_ms) {
      // Over the target by more than a frame: drop this frame if the next one follows it.
      auto next = first_audio_from(it->first + 1);
      if (next != slots_.end() && next->second.holds_audio() && next->second.ts == it->second.ts + dur) {
        ticks_since_adjust_ = 0;
        ++stats_.dropped_to_catch_up;
        --audio_count_;
        slots_.erase(it);
        it = next;
        next_seq_ = it->first;
      }
    }
  }
  return emit(it, now_ms);
}

JitterBuffer::Playout JitterBuffer::step_waiting(int64_t now_ms, uint32_t target) {
  pass_markers();
  auto it = first_audio_from(next_seq_);
  if (it == slots_.end() || delay_of(it->second, now_ms) < target) return wait_output();
  // Resume at the target delay. After an underrun, the seqs missing before this frame were
  // lost audio, already covered by the concealment played while waiting.
  if (wait_ == Wait::underrun && it->second.ts > play_ts_) {
    const int64_t frames = (it->second.ts - play_ts_) / std::max<uint32_t>(last_frame_ms_, 1);
    stats_.concealed += static_cast<uint64_t>(std::clamp<int64_t>(unknown_seqs_before(it), 0, frames));
  }
  mode_ = Mode::playing;
  ticks_since_adjust_ = 0;
  next_seq_ = it->first;
  play_ts_ = it->second.ts;
  return emit(skip_to_target(it, now_ms, target), now_ms);
}

JitterBuffer::Playout JitterBuffer::wait_output() {
  ++wait_ticks_;
  Playout out;
  out.codec = last_codec_;
  out.frame_ms = last_frame_ms_;
  if (wait_ == Wait::silence) {
    ++stats_.comfort_noise;
    if (cn_seen_) {
      out.kind = Playout::Kind::comfort_noise;
      out.entry = last_cn_;
    } else {
      out.kind = Playout::Kind::silence;
    }
    return out;
  }
  ++stats_.stretched;
  out.kind = wait_ticks_ <= config_.underrun_conceal_frames ? Playout::Kind::conceal : Playout::Kind::silence;
  return out;
}

// Beyond max_delay_ms (a long stall of the caller, a burst after an outage), skips the
// frames that are older than the target at once.
JitterBuffer::Slots::iterator JitterBuffer::skip_to_target(Slots::iterator it, int64_t now_ms,
                                                           uint32_t target) {
  if (delay_of(it->second, now_ms) <= config_.max_delay_ms) return it;
  while (delay_of(it->second, now_ms) > target) {
    auto next = first_audio_from(it->first + 1);
    if (next == slots_.end()) break;
    ++stats_.dropped_to_catch_up;
    if (it->second.holds_audio()) --audio_count_;
    slots_.erase(it);
    it = next;
  }
  return it;
}

JitterBuffer::Playout JitterBuffer::emit(Slots::iterator it, int64_t now_ms) {
  if (it->second.expected) return emit_missing(it, now_ms);
  Slot& slot = it->second;
  const uint32_t dur = duration_of(slot);
  stats_.current_delay_ms = static_cast<uint32_t>(std::max<int64_t>(0, delay_of(slot, now_ms)));
  Playout out;
  out.kind = Playout::Kind::frame;
  out.codec = slot.entry.codec;
  out.frame_ms = dur;
  ++stats_.played;
  if (slot.entry.recovered) ++stats_.recovered_played;
  next_seq_ = it->first + 1;
  play_ts_ = slot.ts + dur;
  last_frame_ms_ = dur;
  last_codec_ = slot.entry.codec;
  out.entry = std::move(slot.entry);
  slots_.erase(it);
  --audio_count_;
  wait_ticks_ = 0;
  return out;
}

// The playout of a missing frame (media time `ts`, `dur` long): Opus in-band FEC when `next`
// is the received Opus frame right after it, PLC with `codec` otherwise.
JitterBuffer::Playout JitterBuffer::replace_missing(int64_t ts, uint32_t dur, wire::CodecId codec,
                                                    Slots::const_iterator next) {
  Playout out;
  out.frame_ms = dur;
  out.codec = codec;
  if (next != slots_.end() && next->second.holds_audio() && is_opus(next->second.entry.codec) &&
      next->second.ts == ts + dur) {
    out.kind = Playout::Kind::fec_next;
    out.entry = next->second.entry;
    out.codec = next->second.entry.codec;
    ++stats_.fec_next;
  } else {
    out.kind = Playout::Kind::conceal;
    ++stats_.concealed;
  }
  return out;
}

// A known missing frame at the playout point: Opus in-band FEC from the frame right after
// it when that one is here, PLC otherwise.
JitterBuffer::Playout JitterBuffer::emit_missing(Slots::iterator it, int64_t now_ms) {
  const Slot& slot = it->second;
  const uint32_t dur = duration_of(slot);
  stats_.current_delay_ms = static_cast<uint32_t>(std::max<int64_t>(0, delay_of(slot, now_ms)));
  auto next = std::next(it);
  while (next != slots_.end() && next->second.marker) ++next;
  Playout out = replace_missing(slot.ts, dur, slot.entry.codec, next);
  next_seq_ = it->first + 1;
  play_ts_ = slot.ts + dur;
  last_frame_ms_ = dur;
  slots_.erase(it);
  wait_ticks_ = 0;
  return out;
}

JitterBuffer::Stats JitterBuffer::stats() const {
  Stats s = stats_;
  s.depth_packets = static_cast<uint32_t>(audio_count_);
  s.jitter_ms = estimator_.jitter_ms();
  s.target_delay_ms = estimator_.target_ms(last_now_ms_);
  return s;
}

}  // namespace wzp::media

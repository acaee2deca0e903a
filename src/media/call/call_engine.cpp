#include "media/call/call_engine.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "wire/media_packet.hpp"

namespace wzp::media {
namespace {

// The floor of the expected loss given to Opus: its in-band FEC is off at 0.
constexpr int kMinExpectedLossPct = 1;

bool valid_profile(const wire::QualityProfile& p) {
  const bool codec_ok = p.codec != wire::CodecId::comfort_noise;
  const bool frame_ok = p.frame_duration_ms == 20 || p.frame_duration_ms == 40;
  const bool fec_ok = p.fec_ratio >= 0.0f && p.fec_ratio <= 2.0f;  // NaN fails both
  const bool k_ok = p.frames_per_block >= 1 && p.frames_per_block <= 64;
  return codec_ok && frame_ok && fec_ok && k_ok;
}

int16_t saturate(int32_t v) {
  return static_cast<int16_t>(
      std::clamp<int32_t>(v, std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()));
}

}  // namespace

struct CallEngine::Source {
  Source(AudioDecoder dec, const JitterConfig& jc) : decoder(std::move(dec)), jitter(jc) {}
  AudioDecoder decoder;
  JitterBuffer jitter;
  FecReceiver fec;
  ComfortNoise comfort{1};
  ReceptionMonitor monitor;
  std::vector<int16_t> pending;  // decoded samples not played yet (second half of a 40 ms frame)
  std::vector<RecoveredFrame> recovered;
  SeqHints hints;
  SourceStats stats;
};

Result<std::unique_ptr<CallEngine>> CallEngine::create(CallEngineConfig config, Sinks sinks) {
  if (!sinks.datagram) return make_error(Errc::invalid_argument, "a call needs a datagram sink");
  if (!valid_profile(config.profile)) {
    return make_error(Errc::invalid_argument,
                      "invalid call profile (codec, 20/40 ms, FEC ratio 0..2, K 1..64)");
  }
  auto encoder = AudioEncoder::create(config.profile);
  if (!encoder) return std::move(encoder).error();
  MediaPacketizer packetizer(config.profile);
  return std::unique_ptr<CallEngine>(
      new CallEngine(std::move(config), std::move(sinks), std::move(*encoder), std::move(packetizer)));
}

CallEngine::CallEngine(CallEngineConfig config, Sinks sinks, AudioEncoder encoder, MediaPacketizer packetizer)
    : config_(std::move(config)),
      sinks_(std::move(sinks)),
      encoder_(std::move(encoder)),
      packetizer_(std::move(packetizer)),
      silence_(config_.silence_threshold_rms, config_.silence_hangover_frames),
      controller_(config_.reference_tiers ? reference_quality_tiers() : libwzp_quality_tiers(),
                  config_.profile),
      adaptive_(config_.adapt),
      protection_(std::make_shared<IdentityProtection>()) {
  sender_.profile = config_.profile;
  if (!adaptive_) controller_.force_profile(config_.profile);
  // Opus in-band FEC needs a non-zero expected loss from the start.
  encoder_.set_expected_loss_pct(kMinExpectedLossPct);
  sender_.expected_loss_pct = kMinExpectedLossPct;
}

CallEngine::~CallEngine() = default;

void CallEngine::set_protection(std::shared_ptr<PayloadProtection> protection) {
  protection_ = protection ? std::move(protection) : std::make_shared<IdentityProtection>();
}

void CallEngine::set_audio_processing(std::shared_ptr<AudioProcessing> processing) {
  processing_ = std::move(processing);
}

const wire::QualityProfile& CallEngine::profile() const { return packetizer_.profile(); }

// ---------------------------------------------------------------- send side

void CallEngine::emit(std::vector<Bytes>& packets) {
  for (auto& packet : packets) {
    if (!protection_->protect(packet)) continue;
    sinks_.datagram(packet);
  }
  packets.clear();
}

void CallEngine::maybe_attach_report(int64_t now_ms) {
  if (last_report_ms_ && now_ms - *last_report_ms_ < config_.report_interval_ms) return;
  if (sources_.empty()) return;  // nothing heard: nothing to report
  last_report_ms_ = now_ms;
  // One trailer reaches every receiver, so it carries the worst reception: in a room
  // the relay's downlink to us is shared by every stream we hear (docs/MEDIA.md).
  std::optional<wire::QualityReport> worst;
  for (auto& [id, src] : sources_) {
    auto r = src->monitor.report(config_.rtt_ms, now_ms);
    src->stats.loss_pct = wire::loss_percent(r);
    ++src->stats.reports;
    if (!worst || r.loss_pct > worst->loss_pct) {
      const uint8_t jitter = worst ? std::max(worst->jitter_ms, r.jitter_ms) : r.jitter_ms;
      worst = r;
      worst->jitter_ms = jitter;
    } else {
      worst->jitter_ms = std::max(worst->jitter_ms, r.jitter_ms);
    }
  }
  packetizer_.attach_report(*worst);
  ++sender_.reports_sent;
}

Status CallEngine::send_pcm(PcmView pcm, int64_t now_ms) {
  capture_.insert(capture_.end(), pcm.begin(), pcm.end());
  size_t used = 0;
  Status status;
  while (true) {
    const size_t frame = samples_per_frame(packetizer_.profile().frame_duration_ms);
    if (capture_.size() - used < frame) break;
    PcmSpan samples(capture_.data() + used, frame);
    used += frame;
    if (processing_) processing_->process_capture(samples);
    maybe_attach_report(now_ms);  // rides on the next source or comfort-noise packet
    if (config_.silence_suppression && silence_.suppress(samples)) {
      ++sender_.frames_suppressed;
      packetizer_.push_silent_frame(out_, config_.cn_level);
      emit(out_);
      continue;
    }
    auto encoded = encoder_.encode(samples);
    if (!encoded) {
      ++sender_.encode_errors;
      status = std::move(encoded).error();
      continue;
    }
    ++sender_.frames_encoded;
    packetizer_.push_frame(*encoded, out_);
    emit(out_);
  }
  capture_.erase(capture_.begin(), capture_.begin() + static_cast<std::ptrdiff_t>(used));
  return status;
}

void CallEngine::apply_profile(const wire::QualityProfile& profile, std::optional<uint16_t> reporter,
                               const wire::QualityReport& report) {
  if (profile == packetizer_.profile()) return;
  packetizer_.set_profile(profile, out_);  // closes the open block: its repairs go out now
  emit(out_);
  if (auto st = encoder_.set_profile(profile); !st) ++sender_.encode_errors;
  ++sender_.profile_changes;
  sender_.profile = profile;
  ProfileChange change{profile, reporter, wire::QualityUpdate{report, profile}};
  if (sinks_.signal) sinks_.signal(wire::SignalMessage{change.update});
  if (sinks_.profile) sinks_.profile(change);
}

Status CallEngine::force_profile(const wire::QualityProfile& profile, int64_t) {
  if (!valid_profile(profile)) {
    return make_error(Errc::invalid_argument,
                      "invalid call profile (codec, 20/40 ms, FEC ratio 0..2, K 1..64)");
  }
  adaptive_ = false;
  controller_.force_profile(profile);
  apply_profile(profile, std::nullopt, wire::QualityReport{});
  return {};
}

void CallEngine::set_adaptive(int64_t) {
  adaptive_ = true;
  controller_.force_profile(std::nullopt);
  // Back to what the reports call for (the controller kept following them while pinned).
  apply_profile(controller_.profile(), std::nullopt, wire::QualityReport{});
}

void CallEngine::update_expected_loss() {
  const int pct = std::clamp(controller_.expected_loss_pct(), kMinExpectedLossPct, 100);
  if (pct != sender_.expected_loss_pct) {
    encoder_.set_expected_loss_pct(pct);
    sender_.expected_loss_pct = pct;
  }
}

// ---------------------------------------------------------------- receive side

Result<CallEngine::Source*> CallEngine::source_for(uint16_t id, int64_t now_ms) {
  auto it = sources_.find(id);
  if (it == sources_.end()) {
    auto decoder = AudioDecoder::create();
    if (!decoder) return std::move(decoder).error();
    it = sources_.emplace(id, std::make_unique<Source>(std::move(*decoder), config_.jitter)).first;
    it->second->comfort = ComfortNoise(0x5EED0000ULL + id);
  }
  it->second->stats.last_packet_ms = now_ms;
  return it->second.get();
}

void CallEngine::on_datagram(uint16_t source, ByteView datagram, int64_t now_ms) {
  auto plain = protection_->unprotect(source, datagram, unprotect_scratch_);
  if (!plain && plain.error().code == Errc::would_block) return;  // held by the protection
  on_plain_datagram(source, plain, now_ms);
}

void CallEngine::release_held(int64_t now_ms) {
  for (auto& [source, plain] : protection_->take_ready()) {
    on_plain_datagram(source, Result<ByteView>(ByteView(plain)), now_ms);
  }
}

void CallEngine::on_plain_datagram(uint16_t source, const Result<ByteView>& plain, int64_t now_ms) {
  auto packet = plain ? wire::parse_media_packet(*plain) : Result<wire::MediaPacketView>(plain.error());
  if (!packet) {
    // Dropped and counted; reception goes on (N-22). A garbage datagram creates no source.
    ++sender_.malformed;
    if (auto it = sources_.find(source); it != sources_.end()) ++it->second->stats.malformed;
    return;
  }
  auto found = source_for(source, now_ms);
  if (!found) return;
  Source& src = **found;
  const auto& h = packet->header;
  const bool is_cn = h.codec == wire::CodecId::comfort_noise;
  src.monitor.on_packet(h.seq, h.timestamp, now_ms, h.is_repair || is_cn);
  ++src.stats.packets;

  src.fec.on_packet(*packet, src.recovered, &src.hints);
  // What the block structure tells first (the seqs' places), then the frames it rebuilt.
  for (const uint16_t seq : src.hints.no_audio) src.jitter.note_repair_seq(seq);
  for (const auto& m : src.hints.missing)
    src.jitter.note_missing_frame(m.seq, m.timestamp, m.codec, m.frame_ms);
  src.hints.clear();
  for (auto& r : src.recovered) {
    src.jitter.push(JitterEntry{r.seq, r.timestamp, r.codec, std::move(r.frame), true}, now_ms);
  }
  src.recovered.clear();

  if (h.is_repair) {
    // No audio of its own: its seq must not look like a loss (N-3).
    src.jitter.note_repair_seq(h.seq);
    ++src.stats.repair_packets;
  } else {
    // Source frames and comfort-noise packets (the buffer plays CN for suppressed periods).
    if (is_cn) {
      ++src.stats.cn_packets;
    } else {
      ++src.stats.source_packets;
      src.stats.codec = h.codec;
      src.stats.fec_ratio_encoded = h.fec_ratio_encoded;
    }
    src.jitter.push(
        JitterEntry{h.seq, h.timestamp, h.codec, Bytes(packet->payload.begin(), packet->payload.end())},
        now_ms);
  }

  if (packet->quality_report) {
    ++sender_.reports_received;
    auto next = controller_.on_report(source, *packet->quality_report, now_ms);
    update_expected_loss();
    if (next && adaptive_) apply_profile(*next, source, *packet->quality_report);
  }
}

// ---------------------------------------------------------------- playout

void CallEngine::play_one(Source& src, int64_t now_ms) {
  auto p = src.jitter.pop(now_ms);
  const uint32_t frame_ms = p.frame_ms == 20 || p.frame_ms == 40 ? p.frame_ms : 20;
  const size_t n = samples_per_frame(frame_ms);
  std::array<int16_t, kMaxFrameSamples> buf{};
  PcmSpan out(buf.data(), buf.size());
  size_t got = 0;
  auto conceal = [&] {
    auto r = src.decoder.conceal(p.codec, n, out);
    got = r ? *r : 0;
  };
  using Kind = JitterBuffer::Playout::Kind;
  switch (p.kind) {
    case Kind::frame: {
      auto r = src.decoder.decode(p.entry.codec, p.entry.frame, out);
      if (r) {
        got = *r;
        ++src.stats.decoded;
      } else {
        ++src.stats.decode_errors;
        conceal();
      }
      break;
    }
    case Kind::fec_next: {
      auto r = src.decoder.decode_fec(p.entry.codec, p.entry.frame, n, out);
      if (r) {
        got = *r;
      } else {
        conceal();
      }
      break;
    }
    case Kind::conceal: conceal(); break;
    case Kind::comfort_noise:
      if (!p.entry.frame.empty()) src.comfort.set_level(p.entry.frame[0]);
      src.comfort.generate(PcmSpan(buf.data(), n));
      got = n;
      break;
    case Kind::silence:
    case Kind::not_ready: got = n; break;  // zeros
  }
  if (got == 0) got = n;  // a failed concealment plays silence
  src.pending.insert(src.pending.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(got));
}

bool CallEngine::pull(uint16_t source, PcmSpan out, int64_t now_ms) {
  const size_t n = std::min(out.size(), kPlayoutSamples);
  auto it = sources_.find(source);
  if (it == sources_.end()) {
    std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), int16_t{0});
    return false;
  }
  Source& src = *it->second;
  // A 40 ms frame is decoded on one tick and its second half played on the next.
  while (src.pending.size() < n) play_one(src, now_ms);
  std::copy_n(src.pending.begin(), n, out.begin());
  src.pending.erase(src.pending.begin(), src.pending.begin() + static_cast<std::ptrdiff_t>(n));
  return true;
}

void CallEngine::pull_mixed(PcmSpan out, int64_t now_ms) {
  expire(now_ms);
  const size_t n = std::min(out.size(), kPlayoutSamples);
  std::array<int32_t, kPlayoutSamples> sum{};
  std::array<int16_t, kPlayoutSamples> one{};
  for (const auto& entry : sources_) {
    pull(entry.first, PcmSpan(one.data(), n), now_ms);
    for (size_t i = 0; i < n; ++i) sum[i] += one[i];
  }
  for (size_t i = 0; i < n; ++i) out[i] = saturate(sum[i]);
  if (processing_) processing_->process_render(PcmView(out.data(), n));
}

std::vector<uint16_t> CallEngine::sources() const {
  std::vector<uint16_t> ids;
  ids.reserve(sources_.size());
  for (const auto& entry : sources_) ids.push_back(entry.first);
  return ids;
}

void CallEngine::forget(uint16_t source) {
  sources_.erase(source);
  controller_.forget(source);
}

void CallEngine::expire(int64_t now_ms) {
  for (auto it = sources_.begin(); it != sources_.end();) {
    if (now_ms - it->second->stats.last_packet_ms > config_.source_timeout_ms) {
      controller_.forget(it->first);
      it = sources_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<CallEngine::SourceStats> CallEngine::source_stats(uint16_t source) const {
  auto it = sources_.find(source);
  if (it == sources_.end()) return std::nullopt;
  SourceStats s = it->second->stats;
  s.jitter = it->second->jitter.stats();
  s.fec = it->second->fec.stats();
  return s;
}

CallEngine::SenderStats CallEngine::sender_stats() const {
  SenderStats s = sender_;
  s.packetizer = packetizer_.stats();
  s.profile = packetizer_.profile();
  return s;
}

}  // namespace wzp::media

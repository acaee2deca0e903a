// CallEngine: one side of a voice call, transport-agnostic and clock-driven.
//
//   send:    PCM -> [AudioProcessing::capture] -> SilenceDetector -> AudioEncoder
//                -> MediaPacketizer (source + RS repair + CN packets)
//                -> PayloadProtection::protect -> datagram sink
//   receive: datagram -> PayloadProtection::unprotect -> parse (malformed: counted, dropped)
//                -> per source: ReceptionMonitor, FecReceiver (recovered frames),
//                   JitterBuffer -> AudioDecoder / in-band FEC / PLC / ComfortNoise
//                -> PCM per source, and mixed -> [AudioProcessing::render]
//
// Every time is passed in (now_ms), so a test drives a whole call on a virtual
// clock. Not thread-safe: LiveCall wraps it for threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "media/call/call_hooks.hpp"
#include "media/codec/audio_decoder.hpp"
#include "media/codec/audio_encoder.hpp"
#include "media/codec/comfort_noise.hpp"
#include "media/codec/silence_detector.hpp"
#include "media/fec/fec_receiver.hpp"
#include "media/fec/media_packetizer.hpp"
#include "media/pcm.hpp"
#include "media/playout/jitter_buffer.hpp"
#include "media/quality/quality_controller.hpp"
#include "media/quality/reception_monitor.hpp"
#include "wire/quality_profile.hpp"
#include "wire/signal_message.hpp"

namespace wzp::media {

/// One playout period: what pull() and pull_mixed() give per call (20 ms).
inline constexpr size_t kPlayoutSamples = 960;

struct CallEngineConfig {
  wire::QualityProfile profile = wire::kProfileGood;
  bool adapt = true;  // follow the receivers' reports (false: keep `profile`)
  bool silence_suppression = true;
  double silence_threshold_rms = 100.0;
  uint32_t silence_hangover_frames = 5;
  uint8_t cn_level = 50;
  JitterConfig jitter;
  int64_t source_timeout_ms = 30'000;  // forget a source silent this long
  int64_t report_interval_ms = 1'000;  // a QualityReport rides on a source packet this often
  uint32_t rtt_ms = 0;                 // put in reports (the transport's RTT, if known)
  // The controller's tiers: libwzp's (RESILIENT profiles between GOOD and CATASTROPHIC, which
  // reach the loss targets with Reed–Solomon FEC) or the reference's three (media spec §12.2).
  bool reference_tiers = false;
};

/// Why the send profile changed.
struct ProfileChange {
  wire::QualityProfile profile;
  std::optional<uint16_t> reporter;  // the receiver whose report caused it; nullopt: forced
  wire::QualityUpdate update;        // the signal that announced it
};

class CallEngine {
 public:
  using DatagramSink = std::function<void(ByteView datagram)>;
  using SignalSink = std::function<void(const wire::SignalMessage& signal)>;
  using ProfileSink = std::function<void(const ProfileChange& change)>;

  struct Sinks {
    DatagramSink datagram;  // required
    SignalSink signal;      // optional: QualityUpdate on a profile change
    ProfileSink profile;    // optional
  };

  /// Errors: invalid_argument (no datagram sink, bad profile), codec creation errors.
  static Result<std::unique_ptr<CallEngine>> create(CallEngineConfig config, Sinks sinks);
  ~CallEngine();
  CallEngine(const CallEngine&) = delete;
  CallEngine& operator=(const CallEngine&) = delete;

  // ---- send side
  /// Any number of 48 kHz samples: whole frames of the current profile are sent now,
  /// the rest waits for the next call. Errors: the encoder's.
  Status send_pcm(PcmView pcm, int64_t now_ms);
  /// Force a profile (adaptation stops until set_adaptive()). Errors: invalid_argument.
  Status force_profile(const wire::QualityProfile& profile, int64_t now_ms);
  void set_adaptive(int64_t now_ms = 0);
  const wire::QualityProfile& profile() const;
  bool adaptive() const noexcept { return adaptive_; }

  // ---- receive side
  /// One datagram from remote sender `source` (0 when the transport cannot tell).
  void on_datagram(uint16_t source, ByteView datagram, int64_t now_ms);
  /// Datagrams the protection held (their keys arrived since): received now.
  void release_held(int64_t now_ms);

  // ---- playout: one 20 ms period (kPlayoutSamples) per call
  /// `out` holds at least kPlayoutSamples; an unknown source plays silence. Returns false
  /// for an unknown source.
  bool pull(uint16_t source, PcmSpan out, int64_t now_ms);
  /// Every source's period, summed with saturation.
  void pull_mixed(PcmSpan out, int64_t now_ms);

  std::vector<uint16_t> sources() const;
  /// Forget a source now (e.g. the room said it left).
  void forget(uint16_t source);
  /// Forget sources silent for longer than source_timeout_ms.
  void expire(int64_t now_ms);

  struct SourceStats {
    JitterBuffer::Stats jitter{};
    FecReceiver::Stats fec{};
    uint64_t packets = 0, source_packets = 0, repair_packets = 0, cn_packets = 0;
    uint64_t malformed = 0, decoded = 0, decode_errors = 0, reports = 0;
    float loss_pct = 0;  // of the last report built for this source
    wire::CodecId codec = wire::CodecId::opus24k;
    uint8_t fec_ratio_encoded = 0;
    int64_t last_packet_ms = 0;
  };
  struct SenderStats {
    MediaPacketizer::Stats packetizer{};
    uint64_t frames_encoded = 0, frames_suppressed = 0, encode_errors = 0;
    uint64_t reports_sent = 0, reports_received = 0, profile_changes = 0;
    uint64_t malformed = 0;  // datagrams that did not parse, all sources
    int expected_loss_pct = 0;
    wire::QualityProfile profile;
  };
  std::optional<SourceStats> source_stats(uint16_t source) const;
  SenderStats sender_stats() const;

  /// Hooks (both optional; see call_hooks.hpp). Set before use.
  void set_protection(std::shared_ptr<PayloadProtection> protection);
  void set_audio_processing(std::shared_ptr<AudioProcessing> processing);

 private:
  struct Source;
  CallEngine(CallEngineConfig config, Sinks sinks, AudioEncoder encoder, MediaPacketizer packetizer);
  Result<Source*> source_for(uint16_t id, int64_t now_ms);
  void on_plain_datagram(uint16_t source, const Result<ByteView>& plain, int64_t now_ms);
  void emit(std::vector<Bytes>& packets);
  void apply_profile(const wire::QualityProfile& profile, std::optional<uint16_t> reporter,
                     const wire::QualityReport& report);
  void maybe_attach_report(int64_t now_ms);
  void update_expected_loss();
  void play_one(Source& src, int64_t now_ms);

  CallEngineConfig config_;
  Sinks sinks_;
  AudioEncoder encoder_;
  MediaPacketizer packetizer_;
  SilenceDetector silence_;
  QualityController controller_;
  bool adaptive_;
  std::shared_ptr<PayloadProtection> protection_;
  std::shared_ptr<AudioProcessing> processing_;
  std::vector<int16_t> capture_;  // samples waiting for a whole frame
  std::vector<Bytes> out_;        // reused per frame
  Bytes unprotect_scratch_;
  std::map<uint16_t, std::unique_ptr<Source>> sources_;
  std::optional<int64_t> last_report_ms_;
  SenderStats sender_;
};

}  // namespace wzp::media

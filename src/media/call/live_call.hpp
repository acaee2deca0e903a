// LiveCall: a CallEngine on a joined client, for threads. One mutex around the
// engine; readers wait on a condition variable without holding it; signals and
// events a profile change causes are sent after the lock is released (the
// client's loop may be waiting for that lock to hand over a datagram).
//
// Playout: with the internal clock a thread plays one 20 ms period of every
// source and of the mix into bounded buffers (absolute deadlines: no drift);
// with the caller's clock each read of 960 samples is itself one tick.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "client/client.hpp"
#include "media/call/call_engine.hpp"
#include "media/call/network_impairment.hpp"

namespace wzp::media {

struct LiveCallConfig {
  CallEngineConfig engine;
  bool internal_clock = true;
  size_t max_buffered_samples = 48'000;  // per source and for the mix (1 s): oldest dropped
  // An emulated bad network on what the call sends and, separately, on what it receives
  // (inactive by default). Held datagrams go out on the next tick, send or read.
  ImpairmentConfig impair_send;
  ImpairmentConfig impair_receive;
};

class LiveCall {
 public:
  using ProfileEvent = std::function<void(const ProfileChange&)>;

  /// Attach to a joined client: its media datagrams go to the call from now on.
  /// Errors: invalid_state (not joined, or a call already attached), closed, the engine's.
  static Result<std::unique_ptr<LiveCall>> attach(client::Client& client, LiveCallConfig config,
                                                  ProfileEvent on_profile);
  ~LiveCall();  // detach()es
  LiveCall(const LiveCall&) = delete;
  LiveCall& operator=(const LiveCall&) = delete;

  /// Stop: the client's media go back to its event sink, the playout thread ends,
  /// waiting readers return closed, and every later call fails with closed.
  void detach();

  /// Errors: closed (detached, or the client closed), the encoder's.
  Status send_pcm(PcmView pcm);
  /// Exactly out.size() samples (a multiple of kPlayoutSamples) of `source`, or the
  /// mix (nullopt). Errors: invalid_argument, not_found (internal clock: unknown
  /// source), would_block (timeout 0), timeout, closed.
  Status read_pcm(std::optional<uint16_t> source, PcmSpan out, int timeout_ms);
  std::vector<uint16_t> sources() const;
  std::optional<CallEngine::SourceStats> source_stats(uint16_t source) const;
  std::vector<CallEngine::SourceStats> all_source_stats() const;
  CallEngine::SenderStats sender_stats() const;
  Status force_profile(const wire::QualityProfile& profile);
  void set_adaptive();
  wire::QualityProfile profile() const;
  bool internal_clock() const noexcept { return config_.internal_clock; }

  /// The payload protection stage (end-to-end encryption); set it before media flow.
  void set_protection(std::shared_ptr<PayloadProtection> protection);
  /// Datagrams the protection held for their keys: received now.
  void release_held();
  /// Runs after each received datagram and each send_pcm, without the call's lock (it must
  /// not wait for the client's thread). Empty: none. Returns once a running hook finished.
  void set_after_hook(std::function<void()> hook);

 private:
  LiveCall(client::Client& client, LiveCallConfig config, ProfileEvent on_profile);
  void on_media(std::optional<uint16_t> source, ByteView packet);
  void tick_loop();
  void tick(int64_t now_ms);                              // under mutex_
  void send_datagram(ByteView datagram, int64_t now_ms);  // under mutex_
  void pump(int64_t now_ms);                              // under mutex_: impaired datagrams now due
  /// Send the signals and events queued under the lock. Called without it.
  void flush_deferred();
  static int64_t now_ms();

  LiveCallConfig config_;
  ProfileEvent on_profile_;

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable data_cv_;
  client::Client* client_;  // nullptr once detached
  std::unique_ptr<CallEngine> engine_;
  bool stopping_ = false;
  std::map<uint16_t, std::deque<int16_t>> heard_;  // internal clock: per source
  std::deque<int16_t> mixed_;
  std::vector<wire::SignalMessage> deferred_signals_;
  std::vector<ProfileChange> deferred_changes_;
  std::optional<NetworkImpairment> impair_send_, impair_receive_;

  std::mutex flush_mutex_;       // keeps deferred signals and events in order
  std::function<void()> after_;  // guarded by flush_mutex_
  std::thread ticker_;
};

}  // namespace wzp::media

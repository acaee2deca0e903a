#include "media/call/live_call.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>

#include "core/clock.hpp"

namespace wzp::media {
namespace {

constexpr int64_t kTickMs = 20;

Error closed_error() { return make_error(Errc::closed, "the call is detached or its client closed"); }

void push_bounded(std::deque<int16_t>& buffer, PcmView samples, size_t cap) {
  buffer.insert(buffer.end(), samples.begin(), samples.end());
  if (buffer.size() > cap)
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(buffer.size() - cap));
}

}  // namespace

int64_t LiveCall::now_ms() { return static_cast<int64_t>(clock::now_ms()); }

Result<std::unique_ptr<LiveCall>> LiveCall::attach(client::Client& client, LiveCallConfig config,
                                                   ProfileEvent on_profile) {
  if (client.state() == client::ClientState::closed) return make_error(Errc::closed, "the client is closed");
  if (client.state() != client::ClientState::joined) {
    return make_error(Errc::invalid_state, "the client has not joined its room");
  }
  if (client.has_media_handler()) return make_error(Errc::invalid_state, "the client already has a call");
  std::unique_ptr<LiveCall> call(new LiveCall(client, std::move(config), std::move(on_profile)));
  CallEngine::Sinks sinks;
  LiveCall* self = call.get();
  // Under mutex_ (every engine call is): the client queues without waiting for its loop.
  sinks.datagram = [self](ByteView datagram) { self->send_datagram(datagram, now_ms()); };
  sinks.signal = [self](const wire::SignalMessage& m) { self->deferred_signals_.push_back(m); };
  sinks.profile = [self](const ProfileChange& c) { self->deferred_changes_.push_back(c); };
  auto engine = CallEngine::create(call->config_.engine, std::move(sinks));
  if (!engine) return std::move(engine).error();
  call->engine_ = std::move(*engine);
  client.set_media_handler(
      [self](std::optional<uint16_t> source, ByteView packet) { self->on_media(source, packet); });
  if (call->config_.internal_clock) call->ticker_ = std::thread([self] { self->tick_loop(); });
  return call;
}

LiveCall::LiveCall(client::Client& client, LiveCallConfig config, ProfileEvent on_profile)
    : config_(std::move(config)), on_profile_(std::move(on_profile)), client_(&client) {
  if (config_.impair_send.active()) impair_send_.emplace(config_.impair_send);
  if (config_.impair_receive.active()) impair_receive_.emplace(config_.impair_receive);
}

void LiveCall::send_datagram(ByteView datagram, int64_t now) {
  if (impair_send_) {
    impair_send_->submit(Bytes(datagram.begin(), datagram.end()), now);
    return pump(now);
  }
  if (client_ != nullptr) (void)client_->send_media(datagram);
}

void LiveCall::pump(int64_t now) {
  if (impair_send_) {
    for (auto& d : impair_send_->due(now)) {
      if (client_ != nullptr) (void)client_->send_media(d);
    }
  }
  if (impair_receive_) {
    // Each held datagram carries its source tag in front (2 bytes, big-endian).
    for (auto& d : impair_receive_->due(now)) {
      const auto source = static_cast<uint16_t>((d[0] << 8) | d[1]);
      engine_->on_datagram(source, ByteView(d).subspan(2), now);
    }
  }
}

LiveCall::~LiveCall() { detach(); }

void LiveCall::detach() {
  client::Client* client = nullptr;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    client = client_;
  }
  data_cv_.notify_all();
  // Outside the lock: it waits for a datagram being handed over, which may wait for mutex_.
  if (client != nullptr) client->set_media_handler({});
  {
    std::lock_guard lock(mutex_);
    client_ = nullptr;
  }
  // Wait out a flush in progress: nothing reaches the client or on_profile_ after this.
  { std::lock_guard order(flush_mutex_); }
  if (ticker_.joinable() && ticker_.get_id() != std::this_thread::get_id()) ticker_.join();
}

void LiveCall::on_media(std::optional<uint16_t> source, ByteView packet) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    const uint16_t id = source.value_or(0);
    const int64_t now = now_ms();
    if (impair_receive_) {
      Bytes tagged{static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id & 0xFF)};
      tagged.insert(tagged.end(), packet.begin(), packet.end());
      impair_receive_->submit(std::move(tagged), now);
      pump(now);
    } else {
      engine_->on_datagram(id, packet, now);
    }
  }
  flush_deferred();
}

void LiveCall::flush_deferred() {
  bool on_client_thread = false;
  {
    std::lock_guard lock(mutex_);
    on_client_thread = client_ != nullptr && client_->in_client_thread();
  }
  // On the client's thread, never wait for another flush: it may be sending a signal, which
  // waits for this very thread (a deadlock). What is queued now goes out with the next flush.
  std::unique_lock order(flush_mutex_, std::defer_lock);
  if (on_client_thread) {
    if (!order.try_lock()) return;
  } else {
    order.lock();
  }
  std::vector<wire::SignalMessage> signals;
  std::vector<ProfileChange> changes;
  client::Client* client = nullptr;
  bool stopping = false;
  {
    std::lock_guard lock(mutex_);
    signals.swap(deferred_signals_);
    changes.swap(deferred_changes_);
    client = client_;
    stopping = stopping_;
  }
  if (stopping) return;
  // detach() waits for this flush before it returns, so the client outlives it.
  if (client != nullptr) {
    for (const auto& s : signals) (void)client->send_signal(s);
  }
  if (on_profile_) {
    for (const auto& c : changes) on_profile_(c);
  }
  if (after_) after_();
}

void LiveCall::set_after_hook(std::function<void()> hook) {
  std::lock_guard order(flush_mutex_);
  after_ = std::move(hook);
}

void LiveCall::set_protection(std::shared_ptr<PayloadProtection> protection) {
  std::lock_guard lock(mutex_);
  engine_->set_protection(std::move(protection));
}

void LiveCall::release_held() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    engine_->release_held(now_ms());
  }
  flush_deferred();
}

Status LiveCall::send_pcm(PcmView pcm) {
  Status status;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || client_ == nullptr || client_->state() == client::ClientState::closed)
      return closed_error();
    const int64_t now = now_ms();
    pump(now);
    status = engine_->send_pcm(pcm, now);
  }
  flush_deferred();
  return status;
}

void LiveCall::tick(int64_t now) {
  pump(now);
  std::array<int16_t, kPlayoutSamples> period{};
  // Per source first, then the mix from the same periods (each source plays once per tick).
  engine_->expire(now);
  std::array<int32_t, kPlayoutSamples> sum{};
  for (uint16_t id : engine_->sources()) {
    engine_->pull(id, period, now);
    push_bounded(heard_[id], period, config_.max_buffered_samples);
    for (size_t i = 0; i < period.size(); ++i) sum[i] += period[i];
  }
  for (auto it = heard_.begin(); it != heard_.end();) {
    const auto ids = engine_->sources();
    if (std::find(ids.begin(), ids.end(), it->first) == ids.end()) {
      it = heard_.erase(it);
    } else {
      ++it;
    }
  }
  for (size_t i = 0; i < period.size(); ++i) {
    period[i] = static_cast<int16_t>(std::clamp<int32_t>(sum[i], std::numeric_limits<int16_t>::min(),
                                                         std::numeric_limits<int16_t>::max()));
  }
  push_bounded(mixed_, period, config_.max_buffered_samples);
}

void LiveCall::tick_loop() {
  using namespace std::chrono;
  auto next = steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    tick(now_ms());
    data_cv_.notify_all();
    next += milliseconds(kTickMs);
    // Absolute deadlines: a late tick is followed by a short wait, so playout never drifts.
    data_cv_.wait_until(lock, next, [this] { return stopping_; });
  }
}

Status LiveCall::read_pcm(std::optional<uint16_t> source, PcmSpan out, int timeout_ms) {
  if (out.empty() || out.size() % kPlayoutSamples != 0) {
    return make_error(Errc::invalid_argument, "read a multiple of 960 samples (20 ms)");
  }
  std::unique_lock lock(mutex_);
  if (stopping_ || client_ == nullptr) return closed_error();
  if (!config_.internal_clock) {
    for (size_t at = 0; at < out.size(); at += kPlayoutSamples) {
      PcmSpan period = out.subspan(at, kPlayoutSamples);
      const int64_t now = now_ms();
      pump(now);
      if (source) {
        engine_->expire(now);
        engine_->pull(*source, period, now);
      } else {
        engine_->pull_mixed(period, now);
      }
    }
    return {};
  }
  auto buffer = [&]() -> std::deque<int16_t>* {
    if (!source) return &mixed_;
    auto it = heard_.find(*source);
    return it == heard_.end() ? nullptr : &it->second;
  };
  auto ready = [&] {
    auto* b = buffer();
    return stopping_ || client_ == nullptr || b == nullptr || b->size() >= out.size();
  };
  if (timeout_ms < 0) {
    data_cv_.wait(lock, ready);
  } else if (timeout_ms > 0) {
    data_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), ready);
  }
  if (stopping_ || client_ == nullptr) return closed_error();
  auto* b = buffer();
  if (b == nullptr) return make_error(Errc::not_found, "no source " + std::to_string(*source));
  if (b->size() < out.size()) {
    if (client_->state() == client::ClientState::closed) return closed_error();
    return make_error(timeout_ms == 0 ? Errc::would_block : Errc::timeout, "not enough audio buffered yet");
  }
  std::copy_n(b->begin(), out.size(), out.begin());
  b->erase(b->begin(), b->begin() + static_cast<std::ptrdiff_t>(out.size()));
  return {};
}

std::vector<uint16_t> LiveCall::sources() const {
  std::lock_guard lock(mutex_);
  return engine_->sources();
}

std::optional<CallEngine::SourceStats> LiveCall::source_stats(uint16_t source) const {
  std::lock_guard lock(mutex_);
  return engine_->source_stats(source);
}

std::vector<CallEngine::SourceStats> LiveCall::all_source_stats() const {
  std::lock_guard lock(mutex_);
  std::vector<CallEngine::SourceStats> all;
  for (uint16_t id : engine_->sources()) {
    if (auto s = engine_->source_stats(id)) all.push_back(*s);
  }
  return all;
}

CallEngine::SenderStats LiveCall::sender_stats() const {
  std::lock_guard lock(mutex_);
  return engine_->sender_stats();
}

Status LiveCall::force_profile(const wire::QualityProfile& profile) {
  Status status;
  {
    std::lock_guard lock(mutex_);
    status = engine_->force_profile(profile, now_ms());
  }
  flush_deferred();
  return status;
}

void LiveCall::set_adaptive() {
  std::lock_guard lock(mutex_);
  engine_->set_adaptive();
}

wire::QualityProfile LiveCall::profile() const {
  std::lock_guard lock(mutex_);
  return engine_->profile();
}

}  // namespace wzp::media

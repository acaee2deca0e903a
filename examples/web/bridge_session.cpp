#include "bridge_session.hpp"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

namespace {

constexpr size_t kFrameSamples = WZP_CALL_FRAME_SAMPLES;
constexpr size_t kFrameBytes = kFrameSamples * 2;
constexpr auto kTick = std::chrono::milliseconds(20);
// Further behind than this (a stalled thread), the clock skips ahead instead of bursting frames.
constexpr auto kMaxLag = std::chrono::milliseconds(200);
// Frames waiting for a slow browser: beyond half a second the oldest are dropped, so latency stays bounded.
constexpr size_t kMaxQueued = 25;
// A browser that takes no frame for this long is dropped (vanished without a FIN, or stuck).
constexpr auto kStalledWriteLimit = std::chrono::seconds(15);
constexpr size_t kMaxReasonBytes = 120;

// A close reason of at most 120 bytes, cut on a UTF-8 character boundary.
std::string short_reason(std::string reason) {
  if (reason.size() <= kMaxReasonBytes) return reason;
  size_t cut = kMaxReasonBytes;
  while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) --cut;
  reason.resize(cut);
  return reason;
}

// The WebSocket close code for the relay's close of a client, and its reason.
std::pair<uint16_t, std::string> close_for_relay(uint64_t code, wzp_close_origin origin,
                                                 const std::string& reason, bool joined) {
  const std::string why = reason.empty() ? std::string(wzp_close_code_name(code)) : reason;
  if (origin == WZP_CLOSED_TRANSPORT || origin == WZP_CLOSED_IDLE) {
    if (!joined) return {kRelayUnreachable, "relay unreachable: " + why};
    return {kRelayClosed, "relay connection lost: " + why};
  }
  switch (code) {
    case WZP_CLOSE_AUTH_REJECTED:
    case WZP_CLOSE_AUTH_REQUIRED:
    case WZP_CLOSE_IDENTITY_MISMATCH: return {kTokenRejected, "relay refused the token: " + why};
    case WZP_CLOSE_AUTH_UNAVAILABLE: return {kAuthUnavailable, "relay cannot check the token: " + why};
    case WZP_CLOSE_ACL_DENIED: return {kAclDenied, "relay refused: " + why};
    case WZP_CLOSE_ROOM_FULL:
    case WZP_CLOSE_SERVER_FULL: return {kRelayFull, "relay full: " + why};
    case WZP_CLOSE_TIMEOUT: return {kTimeout, "relay timeout: " + why};
    case WZP_CLOSE_CONNECT_TIMEOUT: return {kRelayUnreachable, "relay unreachable: " + why};
    default: return {kRelayClosed, "relay closed the session: " + why};
  }
}

}  // namespace

BridgeSession::BridgeSession(BridgeShared& shared, std::unique_ptr<WsConnection> ws, std::string room,
                             bool events)
    : shared_(shared),
      gauge_(shared.metrics),
      ws_(std::move(ws)),
      strand_(ws_->executor()),
      room_(std::move(room)),
      events_(events),
      auth_timer_(strand_),
      play_timer_(strand_) {}

BridgeSession::~BridgeSession() { release_client(); }

void BridgeSession::start(std::optional<Refuse> refuse) {
  ws_->async_accept([self = shared_from_this(), refuse = std::move(refuse)](error_code ec) {
    if (ec) return;  // not a WebSocket after all: nothing was started
    self->shared_.metrics.sessions.fetch_add(1);
    self->read_next();
    if (refuse) return self->close(refuse->code, refuse->reason, refuse->metric);
    if (self->shared_.sessions_open.fetch_add(1) >= self->shared_.max_sessions) {
      self->shared_.sessions_open.fetch_sub(1);
      return self->close(kBridgeFull, "bridge full: too many sessions", Refusal::bridge_full);
    }
    self->counted_ = true;
    if (self->shared_.token_checker == nullptr) return self->connect_relay();
    self->authenticating_ = true;
    self->auth_timer_.expires_after(self->shared_.auth_timeout);
    self->auth_timer_.async_wait([self](error_code timer_ec) {
      if (timer_ec || !self->authenticating_ || self->token_ || self->closing_) return;
      self->shared_.metrics.auth_failures.fetch_add(1);
      self->close(kTimeout, "no auth frame within 10 s", Refusal::timeout);
    });
  });
}

void BridgeSession::stop_from_outside() {
  asio::post(strand_, [self = shared_from_this()] {
    self->close(static_cast<uint16_t>(beast::websocket::close_code::going_away), "bridge shutting down",
                std::nullopt);
  });
}

void BridgeSession::read_next() {
  ws_->async_read(in_,
                  [self = shared_from_this()](error_code ec, size_t bytes) { self->on_read(ec, bytes); });
}

void BridgeSession::on_read(error_code ec, size_t bytes) {
  if (ec) {
    // The browser left (or the close handshake ended): hang up on the relay.
    if (authenticating_ && !closing_) {
      shared_.metrics.auth_failures.fetch_add(1);
      shared_.metrics.refused(Refusal::bad_auth_frame);
    }
    closing_ = true;
    auth_timer_.cancel();
    play_timer_.cancel();
    out_.clear();
    release_client();
    return;
  }
  if (closing_) return;
  if (authenticating_ && !token_) {
    on_auth_frame();
  } else if (!ws_->got_text()) {
    if (bytes < kFrameBytes) {
      shared_.metrics.bad_frames.fetch_add(1);
    } else if (call_ != nullptr) {
      // s16le on the wire, whatever this host's byte order.
      int16_t pcm[kFrameSamples];
      const auto* p = static_cast<const unsigned char*>(in_.data().data());
      for (size_t i = 0; i < kFrameSamples; ++i) {
        pcm[i] = static_cast<int16_t>(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
      }
      if (wzp_call_send_pcm(call_, pcm, kFrameSamples) == WZP_OK) shared_.metrics.frames_up.fetch_add(1);
    }
  }
  in_.consume(in_.size());
  // Once our close is under way, Beast's close reads (and drops) what comes until the browser's
  // close frame: a read of ours alongside would compete with it.
  if (!closing_) read_next();
}

void BridgeSession::on_auth_frame() {
  std::string token;
  if (ws_->got_text()) {
    const auto* data = static_cast<const char*>(in_.data().data());
    auto doc = nlohmann::json::parse(data, data + in_.size(), nullptr, false);
    if (doc.is_object()) {
      auto type = doc.find("type");
      auto value = doc.find("token");
      if (type != doc.end() && type->is_string() && type->get<std::string>() == "auth" &&
          value != doc.end() && value->is_string()) {
        token = value->get<std::string>();
      }
    }
  }
  if (token.empty()) {
    shared_.metrics.auth_failures.fetch_add(1);
    return close(kBadAuthFrame, "the first frame must be {\"type\":\"auth\",\"token\":\"...\"}",
                 Refusal::bad_auth_frame);
  }
  token_ = token;
  auth_timer_.cancel();
  shared_.token_checker->check(std::move(token),
                               [strand = strand_, weak = weak_from_this()](TokenVerdict verdict) {
                                 asio::post(strand, [weak, verdict = std::move(verdict)]() mutable {
                                   if (auto self = weak.lock()) self->on_token_verdict(verdict);
                                 });
                               });
}

void BridgeSession::on_token_verdict(const TokenVerdict& verdict) {
  if (closing_) return;
  authenticating_ = false;
  switch (verdict.kind) {
    case TokenVerdict::valid: return connect_relay();
    case TokenVerdict::rejected:
      shared_.metrics.auth_failures.fetch_add(1);
      return close(kTokenRejected, "token rejected: " + verdict.detail, Refusal::token_rejected);
    case TokenVerdict::unavailable:
      shared_.metrics.auth_failures.fetch_add(1);
      return close(kAuthUnavailable, verdict.detail, Refusal::auth_unavailable);
  }
}

void BridgeSession::connect_relay() {
  context_ = std::make_unique<ClientContext>(ClientContext{strand_, weak_from_this()});
  wzp_client_config config;
  wzp_client_config_init(&config);
  config.relay_host = shared_.relay_host.c_str();
  config.relay_port = shared_.relay_port;
  config.room = room_.c_str();
  config.token = token_ ? token_->c_str() : nullptr;
  config.identity = shared_.identity;
  config.pin_relay_fingerprint = shared_.relay_pin ? shared_.relay_pin->data() : nullptr;
  config.handshake_timeout_ms = shared_.relay_timeout_ms;
  config.callback = &BridgeSession::on_client_event;
  config.user_data = context_.get();
  config.loop = shared_.loops[shared_.next_loop.fetch_add(1) % shared_.loops.size()];
  if (wzp_client_new(&config, &client_) != WZP_OK) {
    client_ = nullptr;
    return close(kInternal, std::string("cannot create a relay client: ") + wzp_last_error(), Refusal::relay);
  }
  connect_started_ = std::chrono::steady_clock::now();
  if (wzp_client_connect(client_) != WZP_OK) {
    return close(kRelayUnreachable, std::string("relay unreachable: ") + wzp_last_error(), Refusal::relay);
  }
}

// Runs on the wzp_loop thread: copy what is needed and hand it to the session's strand.
void BridgeSession::on_client_event(const wzp_event* event, void* user_data) {
  auto* context = static_cast<ClientContext*>(user_data);
  if (event->type == WZP_EVENT_JOINED) {
    std::string fingerprint = event->fingerprint ? event->fingerprint : "";
    asio::post(context->strand, [weak = context->session, fingerprint = std::move(fingerprint)]() mutable {
      if (auto self = weak.lock()) self->on_joined(std::move(fingerprint));
    });
  } else if (event->type == WZP_EVENT_CLOSED) {
    std::string reason = event->close_reason ? event->close_reason : "";
    asio::post(context->strand, [weak = context->session, code = event->close_code,
                                 origin = event->close_origin, reason = std::move(reason)]() mutable {
      if (auto self = weak.lock()) self->on_relay_closed(code, origin, reason);
    });
  }
}

void BridgeSession::on_joined(std::string relay_fingerprint) {
  if (closing_ || client_ == nullptr) return;
  joined_ = true;
  shared_.metrics.observe_handshake(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - connect_started_).count());
  wzp_call_config config;
  wzp_call_config_init(&config);
  config.clock = WZP_CALL_CLOCK_CALLER;  // our 20 ms timer is the playout clock
  if (wzp_call_new(client_, &config, &call_) != WZP_OK) {
    call_ = nullptr;
    return close(kInternal, std::string("cannot start the call: ") + wzp_last_error(), std::nullopt);
  }
  if (events_) {
    // A room name need not be UTF-8: replace what is not rather than throw.
    queue(false, nlohmann::json{{"type", "joined"}, {"room", room_}, {"relay", relay_fingerprint}}.dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  next_tick_ = std::chrono::steady_clock::now();
  tick();
}

void BridgeSession::on_relay_closed(uint64_t code, wzp_close_origin origin, const std::string& reason) {
  if (closing_) return;
  auto [ws_code, text] = close_for_relay(code, origin, reason, joined_);
  std::optional<Refusal> refusal;
  if (!joined_) refusal = ws_code == kTimeout ? Refusal::timeout : Refusal::relay;
  close(ws_code, std::move(text), refusal);
}

void BridgeSession::tick() {
  if (closing_ || call_ == nullptr) return;
  // Liveness: a browser that has not taken a frame for this long is gone (or stuck); TCP alone
  // would notice only after minutes of retransmissions.
  if (writing_ && std::chrono::steady_clock::now() - write_started_ > kStalledWriteLimit) {
    std::fprintf(
        stderr, "wzp-web: room %s: the browser stopped reading for %lld s: dropped\n", room_.c_str(),
        static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(kStalledWriteLimit).count()));
    shared_.metrics.stalled.fetch_add(1);
    closing_ = true;
    play_timer_.cancel();
    out_.clear();
    release_client();
    ws_->close_socket();
    return;
  }
  int16_t pcm[kFrameSamples];
  // Never waits: silence or concealment when nothing arrived in time.
  if (wzp_call_read_pcm(call_, WZP_CALL_MIXED, pcm, kFrameSamples, 0) != WZP_OK)
    std::memset(pcm, 0, sizeof pcm);
  std::string frame(kFrameBytes, '\0');
  for (size_t i = 0; i < kFrameSamples; ++i) {
    const auto v = static_cast<uint16_t>(pcm[i]);
    frame[2 * i] = static_cast<char>(v & 0xff);
    frame[2 * i + 1] = static_cast<char>(v >> 8);
  }
  queue(true, std::move(frame));
  // Absolute deadlines, so the period does not drift with the time each tick takes.
  next_tick_ += kTick;
  const auto now = std::chrono::steady_clock::now();
  if (now - next_tick_ > kMaxLag) next_tick_ = now;
  play_timer_.expires_at(next_tick_);
  play_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec) self->tick();
  });
}

void BridgeSession::queue(bool binary, std::string data) {
  if (closing_) return;
  if (out_.size() >= kMaxQueued) {
    for (auto it = out_.begin(); it != out_.end(); ++it) {
      if (it->binary) {
        out_.erase(it);
        shared_.metrics.frames_dropped.fetch_add(1);
        break;
      }
    }
  }
  out_.push_back({binary, std::move(data)});
  write_next();
}

void BridgeSession::write_next() {
  if (writing_ || out_.empty() || closing_) return;
  writing_ = true;
  write_started_ = std::chrono::steady_clock::now();
  auto frame = std::make_shared<Outgoing>(std::move(out_.front()));
  out_.pop_front();
  ws_->async_write(frame->binary, asio::buffer(frame->data),
                   [self = shared_from_this(), frame](error_code ec, size_t) {
                     self->writing_ = false;
                     if (ec) return;  // the read side sees the end too
                     if (frame->binary) self->shared_.metrics.frames_down.fetch_add(1);
                     self->write_next();
                   });
}

void BridgeSession::close(uint16_t code, std::string reason, std::optional<Refusal> refusal) {
  if (closing_) return;
  closing_ = true;
  authenticating_ = false;
  if (refusal) shared_.metrics.refused(*refusal);
  auth_timer_.cancel();
  play_timer_.cancel();
  out_.clear();
  release_client();
  beast::websocket::close_reason why(static_cast<beast::websocket::close_code>(code),
                                     short_reason(std::move(reason)));
  ws_->async_close(why, [self = shared_from_this()](error_code) {});
}

void BridgeSession::release_client() {
  // The call first (it hangs on the client), then the client: once freed, no callback can come.
  if (call_ != nullptr) {
    wzp_call_free(call_);
    call_ = nullptr;
  }
  if (client_ != nullptr) {
    wzp_client_hangup(client_, nullptr);
    wzp_client_free(client_);
    client_ = nullptr;
  }
  context_.reset();
  if (counted_) {
    shared_.sessions_open.fetch_sub(1);
    counted_ = false;
  }
}

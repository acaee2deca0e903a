#include "featherchat/call_manager.hpp"

#include <algorithm>
#include <utility>

#include "crypto/fingerprint.hpp"

namespace wzp::featherchat {
namespace {

std::optional<std::string> display_fingerprint(std::string_view text) {
  auto fp = crypto::Fingerprint::parse(text);
  if (!fp) return std::nullopt;
  return fp->to_display();
}

Error unknown_call(std::string_view call_id) {
  return make_error(Errc::not_found, "no live call " + std::string(call_id));
}

Error wrong_state(const CallRecord& call, std::string_view action) {
  return make_error(Errc::invalid_state, "cannot " + std::string(action) + " call " + call.call_id +
                                             ": it is " + std::string(state_name(call.state)));
}

// How an outgoing call that was not answered ends on the callee's Hangup.
CallEnd unanswered_end(wire::HangupReason reason) {
  switch (reason) {
    case wire::HangupReason::busy: return CallEnd::busy;
    case wire::HangupReason::timeout: return CallEnd::missed;
    case wire::HangupReason::error: return CallEnd::failed;
    default: return CallEnd::rejected;
  }
}

}  // namespace

Result<CallManager> CallManager::create(CallManagerConfig config, CallKeys keys, CallManagerSinks sinks) {
  auto self = display_fingerprint(config.self);
  if (!self) return make_error(Errc::invalid_argument, "CallManager: self is not a fingerprint");
  if (!sinks.send) return make_error(Errc::invalid_argument, "CallManager needs a send sink");
  if (!keys.offer || !keys.answer)
    return make_error(Errc::invalid_argument, "CallManager needs offer and answer keys");
  config.max_live_calls = std::max<size_t>(config.max_live_calls, 1);
  config.max_remembered = std::max<size_t>(config.max_remembered, 1);
  return CallManager(std::move(config), std::move(keys), std::move(sinks), std::move(*self));
}

CallManager::CallManager(CallManagerConfig config, CallKeys keys, CallManagerSinks sinks, std::string self)
    : config_(std::move(config)), keys_(std::move(keys)), sinks_(std::move(sinks)), self_(std::move(self)) {}

// ------------------------------------------------------------------ bookkeeping

CallRecord* CallManager::live(std::string_view call_id) {
  auto it = calls_.find(std::string(call_id));
  return it == calls_.end() ? nullptr : &it->second;
}

// By call id; without one (a peer that does not send it), the only live call with that peer.
CallRecord* CallManager::match(const std::optional<std::string>& call_id, const std::string& peer) {
  if (call_id) return live(*call_id);
  CallRecord* found = nullptr;
  for (auto& [id, call] : calls_) {
    if (call.peer != peer) continue;
    if (found != nullptr) return nullptr;  // ambiguous
    found = &call;
  }
  return found;
}

bool CallManager::seen_message(const std::string& id) {
  if (seen_.count(id) != 0) return true;
  seen_.insert(id);
  seen_order_.push_back(id);
  if (seen_order_.size() > config_.max_remembered) {
    seen_.erase(seen_order_.front());
    seen_order_.pop_front();
  }
  return false;
}

void CallManager::remember_ended(const std::string& call_id) {
  if (!ended_.insert(call_id).second) return;
  ended_order_.push_back(call_id);
  if (ended_order_.size() > config_.max_remembered) {
    ended_.erase(ended_order_.front());
    ended_order_.pop_front();
  }
}

size_t CallManager::live_count() const { return calls_.size(); }

void CallManager::transition(CallRecord& call, CallState to, int64_t now_ms) {
  const CallState from = call.state;
  call.state = to;
  if (to == CallState::connecting) call.answered_ms = now_ms;
  if (to == CallState::active) call.active_ms = now_ms;
  if (sinks_.event) sinks_.event(CallEvent{call, from});
}

void CallManager::finish(CallRecord& call, CallEnd end, bool here, int64_t now_ms, std::string detail) {
  const bool rang_here = call.direction == CallDirection::incoming && call.state == CallState::ringing;
  call.end = end;
  call.ended_here = here;
  call.ended_ms = now_ms;
  call.detail = std::move(detail);
  transition(call, CallState::ended, now_ms);
  if (rang_here && (end == CallEnd::missed || end == CallEnd::cancelled || end == CallEnd::busy) &&
      sinks_.missed) {
    if (auto caller = crypto::Fingerprint::parse(call.peer), callee = crypto::Fingerprint::parse(self_);
        caller && callee) {
      sinks_.missed(
          make_missed_call(*caller, *callee, static_cast<uint32_t>(call.offered_ms / 1000), call.call_id),
          call);
    }
  }
  remember_ended(call.call_id);
  history_.push_back(call);
  while (history_.size() > config_.max_history) history_.pop_front();
  calls_.erase(call.call_id);  // `call` is gone from here on
}

void CallManager::send(const wire::SignalMessage& signal, const CallRecord& call) {
  sinks_.send(wrap_signal(signal, self_, call.peer, CallRoute{call.relay_addr, call.room, call.call_id},
                          config_.featherchat_tags_only));
}

void CallManager::send_state(CallSignalType type, const CallRecord& call, int64_t now_ms) {
  auto message = state_signal(type, self_, call.peer, static_cast<uint64_t>(std::max<int64_t>(now_ms, 0)),
                              CallRoute{std::nullopt, std::nullopt, call.call_id});
  if (message) sinks_.send(*message);
}

// ------------------------------------------------------------------ local actions

Result<std::string> CallManager::place_call(std::string_view peer_text, CallRoute route, int64_t now_ms,
                                            std::optional<std::string> relay_choice) {
  auto peer = display_fingerprint(peer_text);
  if (!peer) return make_error(Errc::invalid_argument, "place_call: the peer is not a fingerprint");
  if (*peer == self_) return make_error(Errc::invalid_argument, "place_call: cannot call ourselves");
  for (const auto& [id, call] : calls_) {
    if (call.peer == *peer)
      return make_error(Errc::invalid_state, "already in a call with " + *peer + ": " + id);
  }
  if (live_count() >= config_.max_live_calls) return make_error(Errc::invalid_state, "too many live calls");
  CallRecord call;
  call.call_id = route.call_id.value_or(new_message_id());
  if (live(call.call_id) != nullptr || ended_.count(call.call_id) != 0) {
    return make_error(Errc::invalid_argument, "place_call: call id " + call.call_id + " was used before");
  }
  call.direction = CallDirection::outgoing;
  call.peer = *peer;
  call.relay_addr = route.relay_addr;
  call.relay_choice = std::move(relay_choice);
  call.room = route.room.value_or(call.call_id);
  call.offered_ms = now_ms;
  auto& stored = calls_.emplace(call.call_id, std::move(call)).first->second;
  send(keys_.offer(stored.call_id), stored);
  transition(stored, CallState::offering, now_ms);
  return stored.call_id;
}

Status CallManager::answer(CallRecord& call, int64_t now_ms) {
  auto answer = keys_.answer(call.call_id, *call.remote_offer, call.peer);
  if (!answer) {
    // The offer cannot be answered (a forged or broken signature): the call fails here. No signal goes
    // out: the fingerprint it claims may never have called.
    auto error = std::move(answer).error();
    finish(call, CallEnd::failed, true, now_ms, error.message);
    return error;
  }
  send(*answer, call);
  transition(call, CallState::connecting, now_ms);
  return {};
}

Status CallManager::accept(std::string_view call_id, int64_t now_ms) {
  CallRecord* call = live(call_id);
  if (call == nullptr) return unknown_call(call_id);
  if (call->direction != CallDirection::incoming || call->state != CallState::ringing)
    return wrong_state(*call, "accept");
  return answer(*call, now_ms);
}

Status CallManager::reject(std::string_view call_id, int64_t now_ms) {
  CallRecord* call = live(call_id);
  if (call == nullptr) return unknown_call(call_id);
  if (call->direction != CallDirection::incoming || call->state != CallState::ringing)
    return wrong_state(*call, "reject");
  send_state(CallSignalType::reject, *call, now_ms);
  finish(*call, CallEnd::rejected, true, now_ms);
  return {};
}

Status CallManager::hangup(std::string_view call_id, int64_t now_ms) {
  CallRecord* call = live(call_id);
  if (call == nullptr) return unknown_call(call_id);
  if (call->direction == CallDirection::incoming && call->state == CallState::ringing)
    return reject(call_id, now_ms);
  const bool answered = call->state == CallState::connecting || call->state == CallState::active;
  send(wire::Hangup{wire::HangupReason::normal}, *call);
  finish(*call, answered ? CallEnd::hangup : CallEnd::cancelled, true, now_ms);
  return {};
}

Status CallManager::media_connected(std::string_view call_id, int64_t now_ms) {
  CallRecord* call = live(call_id);
  if (call == nullptr) return unknown_call(call_id);
  if (call->state != CallState::connecting) return wrong_state(*call, "connect media of");
  transition(*call, CallState::active, now_ms);
  return {};
}

Status CallManager::media_failed(std::string_view call_id, std::string_view why, int64_t now_ms) {
  CallRecord* call = live(call_id);
  if (call == nullptr) return unknown_call(call_id);
  send(wire::Hangup{wire::HangupReason::error}, *call);
  finish(*call, CallEnd::failed, true, now_ms, std::string(why));
  return {};
}

void CallManager::tick(int64_t now_ms) {
  std::vector<std::string> due;
  for (const auto& [id, call] : calls_) {
    const bool ringing = call.state == CallState::offering || call.state == CallState::ringing;
    if (ringing && now_ms - call.offered_ms >= config_.ring_timeout_ms) due.push_back(id);
    if (call.state == CallState::connecting && now_ms - call.answered_ms >= config_.connect_timeout_ms) {
      due.push_back(id);
    }
  }
  for (const auto& id : due) {
    CallRecord& call = *live(id);
    if (call.state == CallState::connecting) {
      send(wire::Hangup{wire::HangupReason::error}, call);
      finish(call, CallEnd::failed, true, now_ms, "media not connected in time");
    } else {
      if (call.direction == CallDirection::outgoing) send(wire::Hangup{wire::HangupReason::timeout}, call);
      finish(call, CallEnd::missed, true, now_ms);
    }
  }
}

// ------------------------------------------------------------------ signals from featherChat

Status CallManager::on_signal(const CallSignal& message, int64_t now_ms) {
  ++stats_.signals;
  auto payload = open_signal(message);
  if (!payload) {
    ++stats_.malformed;
    return std::move(payload).error();
  }
  if (display_fingerprint(message.target) != self_) {
    ++stats_.malformed;
    return make_error(Errc::invalid_argument, "CallSignal for " + message.target + ", not for us");
  }
  if (seen_message(message.id)) {
    ++stats_.duplicates;
    return {};
  }
  const std::string peer = *display_fingerprint(message.sender_fingerprint);
  if (payload->call_id && ended_.count(*payload->call_id) != 0) {
    ++stats_.late;
    return {};
  }
  if (std::holds_alternative<wire::CallOffer>(payload->signal) &&
      message.signal_type == CallSignalType::offer) {
    on_offer(message, *payload, peer, now_ms);
    return {};
  }
  CallRecord* call = match(payload->call_id, peer);
  if (call == nullptr) {
    ++stats_.late;
    // An end that overtook its call's offer: the offer, when it comes, is late too.
    const bool ends = message.signal_type == CallSignalType::reject ||
                      message.signal_type == CallSignalType::busy ||
                      std::holds_alternative<wire::Hangup>(payload->signal);
    if (ends && payload->call_id) remember_ended(*payload->call_id);
    return {};
  }
  if (call->peer != peer) {
    ++stats_.foreign;
    return {};
  }
  on_call_signal(*call, message.signal_type, payload->signal, now_ms);
  return {};
}

void CallManager::on_offer(const CallSignal& message, const wire::CallPayload& payload,
                           const std::string& peer, int64_t now_ms) {
  const std::string call_id = payload.call_id.value_or(message.id);
  if (live(call_id) != nullptr) {  // the same offer again under another message id
    ++stats_.duplicates;
    return;
  }
  CallRecord call;
  call.call_id = call_id;
  call.direction = CallDirection::incoming;
  call.peer = peer;
  call.relay_addr = payload.relay_addr;
  call.room = payload.room;
  call.offered_ms = now_ms;
  call.remote_offer = std::get<wire::CallOffer>(payload.signal);

  // Glare: we are offering to the same peer. The smaller call id is kept by both sides.
  for (auto& [id, ours] : calls_) {
    if (ours.peer != peer || ours.direction != CallDirection::outgoing ||
        (ours.state != CallState::offering && ours.state != CallState::ringing)) {
      continue;
    }
    ++stats_.glare;
    if (ours.call_id < call_id) {
      remember_ended(call_id);  // the peer drops it too; whatever comes for it is late
      return;
    }
    finish(ours, CallEnd::glare, true, now_ms, "the peer's simultaneous call " + call_id + " was kept");
    auto& kept = calls_.emplace(call_id, std::move(call)).first->second;
    transition(kept, CallState::ringing, now_ms);
    if (auto st = answer(kept, now_ms); !st) {
      send(wire::Hangup{wire::HangupReason::error}, kept);
      finish(kept, CallEnd::failed, true, now_ms, st.error().message);
    }
    return;
  }

  const bool other_call = live_count() > 0;
  if ((other_call && !config_.call_waiting) || live_count() >= config_.max_live_calls) {
    ++stats_.busy;
    auto& busy = calls_.emplace(call_id, std::move(call)).first->second;
    transition(busy, CallState::ringing, now_ms);
    send_state(CallSignalType::busy, busy, now_ms);
    finish(busy, CallEnd::busy, true, now_ms);
    return;
  }
  auto& ringing = calls_.emplace(call_id, std::move(call)).first->second;
  transition(ringing, CallState::ringing, now_ms);
  if (config_.send_ringing) send_state(CallSignalType::ringing, ringing, now_ms);
}

void CallManager::on_call_signal(CallRecord& call, CallSignalType tag, const wire::SignalMessage& signal,
                                 int64_t now_ms) {
  const bool unanswered = call.state == CallState::offering || call.state == CallState::ringing;
  if (call.direction == CallDirection::outgoing && unanswered) {
    if (tag == CallSignalType::ringing) {
      if (call.state == CallState::offering) transition(call, CallState::ringing, now_ms);
      return;
    }
    if (tag == CallSignalType::busy) return finish(call, CallEnd::busy, false, now_ms);
    if (tag == CallSignalType::reject) return finish(call, CallEnd::rejected, false, now_ms);
    if (const auto* answer = std::get_if<wire::CallAnswer>(&signal)) {
      if (keys_.check_answer) {
        if (auto st = keys_.check_answer(call.call_id, *answer, call.peer); !st) {
          send(wire::Hangup{wire::HangupReason::error}, call);
          return finish(call, CallEnd::failed, true, now_ms, "the answer is refused: " + st.error().message);
        }
      }
      call.remote_answer = *answer;
      transition(call, CallState::connecting, now_ms);
      return;
    }
    if (const auto* hangup = std::get_if<wire::Hangup>(&signal)) {
      return finish(call, unanswered_end(hangup->reason), false, now_ms);
    }
    ++stats_.late;  // nothing else makes sense before the answer
    return;
  }
  if (const auto* hangup = std::get_if<wire::Hangup>(&signal)) {
    if (call.direction == CallDirection::incoming && call.state == CallState::ringing) {
      // The caller's ring timer starts before ours (by the offer's delivery time), so its timeout
      // Hangup usually beats our own timer: the call was missed here too, not cancelled.
      const bool timed_out = hangup->reason == wire::HangupReason::timeout;
      return finish(call, timed_out ? CallEnd::missed : CallEnd::cancelled, false, now_ms);
    }
    const bool failed = hangup->reason == wire::HangupReason::error;
    return finish(call, failed ? CallEnd::failed : CallEnd::hangup, false, now_ms,
                  failed ? "the peer failed" : "");
  }
  if (tag == CallSignalType::ringing || std::holds_alternative<wire::CallAnswer>(signal) ||
      std::holds_alternative<wire::CallOffer>(signal)) {
    ++stats_.late;  // a repeat of the call's setup, out of order
    return;
  }
  if (sinks_.in_call) sinks_.in_call(call, signal);
}

const CallRecord* CallManager::find(std::string_view call_id) const {
  if (auto it = calls_.find(std::string(call_id)); it != calls_.end()) return &it->second;
  for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
    if (it->call_id == call_id) return &*it;
  }
  return nullptr;
}

std::vector<CallRecord> CallManager::live_calls() const {
  std::vector<CallRecord> out;
  for (const auto& [id, call] : calls_) out.push_back(call);
  return out;
}

}  // namespace wzp::featherchat

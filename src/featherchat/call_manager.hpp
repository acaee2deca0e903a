// CallManager: every featherChat call of one local user, caller and callee side (FC-2, FC-3,
// FC-7). Pure logic on an explicit clock (Unix milliseconds, or any monotonic clock in tests):
// it reads CallSignals that featherChat delivered, hands back the CallSignals to send, and
// raises an event for every transition. Joining the relay and the handshake are the caller's
// job between "connecting" and media_connected().
//
// Call ids. featherChat message ids are fresh per message (it deduplicates by them), so the
// call is named by libwzp's "call_id" payload member: a UUID the caller makes, echoed in every
// signal of the call. A peer that sends none (a reference client) is matched by fingerprint.
//
// Rules:
//  - a message id seen before is a duplicate and is dropped; a signal for a call that has ended
//    (or was never known) is late and is dropped; a signal about a call from anyone but its
//    peer is refused. Each is counted;
//  - glare: an offer from the peer we are offering to at the same time. Both sides keep the
//    call with the smaller call id, so they agree without another message: the caller of the
//    kept call goes on, the other side ends its own offer (CallEnd::glare) and answers the
//    kept one at once, since its user wanted this call;
//  - an offer while another call is live answers Busy (the application can allow call waiting:
//    then it rings), and is recorded as an incoming call ended busy;
//  - an unanswered call ends as missed after ring_timeout_ms on both sides (the caller also
//    sends Hangup{Timeout}); a call accepted but without media after connect_timeout_ms fails
//    (Hangup{Error} to the peer);
//  - an incoming call that ends while ringing (missed, cancelled by the caller, or answered
//    busy) yields a missed-call record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "featherchat/call_record.hpp"
#include "featherchat/call_signal.hpp"
#include "featherchat/missed_call.hpp"

namespace wzp::featherchat {

struct CallManagerConfig {
  std::string self;                     // our fingerprint (any form Fingerprint::parse takes)
  uint32_t ring_timeout_ms = 45000;     // no answer: missed
  uint32_t connect_timeout_ms = 20000;  // accepted, media not up: failed
  bool send_ringing = true;             // tell the caller as soon as a call rings here
  bool call_waiting = false;            // a second incoming call rings instead of busy
  bool featherchat_tags_only = false;   // see wrap_signal
  size_t max_live_calls = 8;            // beyond: busy
  size_t max_remembered = 4096;         // message ids and ended calls kept to drop repeats
  size_t max_history = 256;             // ended calls kept in history()
};

/// The handshake signals of a call (its keys), each given the call's id: a fresh CallOffer for a
/// call we place, the CallAnswer to an offer we accept (an error, e.g. a bad signature or an offer
/// whose identity is not the peer's fingerprint, fails the call), and optionally a check of the
/// answer to a call we placed (an error fails the call: the answer is not from the peer we
/// called). The call id lets the keys keep the handshake's state (end-to-end media keys).
struct CallKeys {
  std::function<wire::CallOffer(const std::string& call_id)> offer;
  std::function<Result<wire::CallAnswer>(const std::string& call_id, const wire::CallOffer&, const std::string& peer)>
      answer;
  std::function<Status(const std::string& call_id, const wire::CallAnswer&, const std::string& peer)> check_answer;
};

struct CallManagerSinks {
  std::function<void(const CallSignal&)> send;  // hand to featherChat, to message.target
  std::function<void(const CallEvent&)> event;  // every transition
  std::function<void(const MissedCall&, const CallRecord&)> missed;
  // Other WZP signals of a live call (Hold, Mute, Transfer, ...), for the application.
  std::function<void(const CallRecord&, const wire::SignalMessage&)> in_call;
};

class CallManager {
 public:
  /// Errors: Errc::invalid_argument (self is not a fingerprint, no send sink, no keys).
  static Result<CallManager> create(CallManagerConfig config, CallKeys keys, CallManagerSinks sinks);

  /// Calls `peer`: an Offer with a fresh call id (`route.call_id` when given) and `route`'s
  /// relay and room (the room defaults to the call id). Returns the call id.
  /// Errors: invalid_argument (peer is not a fingerprint, or ourselves), busy (a live call
  /// with that peer already, or max_live_calls).
  /// relay_choice: why route.relay_addr was chosen, kept in the call's record (nullopt: the caller gave it).
  Result<std::string> place_call(std::string_view peer, CallRoute route, int64_t now_ms,
                                 std::optional<std::string> relay_choice = std::nullopt);
  /// Accepts a ringing incoming call: sends the Answer, state connecting.
  Status accept(std::string_view call_id, int64_t now_ms);
  /// Declines a ringing incoming call (Reject).
  Status reject(std::string_view call_id, int64_t now_ms);
  /// Ends a live call from this side: cancels an outgoing one not answered yet, hangs up
  /// otherwise (Hangup{Normal}); a ringing incoming call is rejected.
  Status hangup(std::string_view call_id, int64_t now_ms);
  /// The relay room is joined and the handshake done: connecting -> active.
  Status media_connected(std::string_view call_id, int64_t now_ms);
  /// Joining the relay or the handshake failed: ends the call as failed (Hangup{Error}).
  Status media_failed(std::string_view call_id, std::string_view why, int64_t now_ms);

  /// A CallSignal featherChat delivered to us. Errors (the signal is dropped and counted):
  /// those of open_signal, invalid_argument (not addressed to us). Duplicates, late and
  /// foreign signals are not errors: they are dropped and counted.
  Status on_signal(const CallSignal& message, int64_t now_ms);
  /// Timeouts: call at least every few hundred ms.
  void tick(int64_t now_ms);

  /// A live or recently ended call; null when unknown.
  const CallRecord* find(std::string_view call_id) const;
  /// Calls not ended.
  std::vector<CallRecord> live_calls() const;
  /// Ended calls, oldest first (at most max_history).
  const std::deque<CallRecord>& history() const noexcept { return history_; }

  struct Stats {
    uint64_t signals = 0;     // on_signal calls
    uint64_t duplicates = 0;  // message id seen before
    uint64_t late = 0;        // for an ended or unknown call
    uint64_t foreign = 0;     // about a call of someone else
    uint64_t malformed = 0;   // refused by open_signal or not for us
    uint64_t glare = 0;       // simultaneous offers resolved
    uint64_t busy = 0;        // offers answered Busy
  };
  Stats stats() const noexcept { return stats_; }
  /// A message refused before it reached on_signal (it did not decode): counted as malformed.
  void count_malformed() noexcept { ++stats_.malformed; }

 private:
  CallManager(CallManagerConfig config, CallKeys keys, CallManagerSinks sinks, std::string self);

  CallRecord* live(std::string_view call_id);
  CallRecord* match(const std::optional<std::string>& call_id, const std::string& peer);
  bool seen_message(const std::string& id);
  void remember_ended(const std::string& call_id);
  void transition(CallRecord& call, CallState to, int64_t now_ms);
  void finish(CallRecord& call, CallEnd end, bool here, int64_t now_ms, std::string detail = {});
  void send(const wire::SignalMessage& signal, const CallRecord& call);
  void send_state(CallSignalType type, const CallRecord& call, int64_t now_ms);
  size_t live_count() const;

  void on_offer(const CallSignal& message, const wire::CallPayload& payload, const std::string& peer,
                int64_t now_ms);
  void on_call_signal(CallRecord& call, CallSignalType tag, const wire::SignalMessage& signal,
                      int64_t now_ms);
  Status answer(CallRecord& call, int64_t now_ms);

  CallManagerConfig config_;
  CallKeys keys_;
  CallManagerSinks sinks_;
  std::string self_;                         // display form
  std::map<std::string, CallRecord> calls_;  // live calls by id
  std::deque<CallRecord> history_;
  std::deque<std::string> seen_order_;  // message ids, oldest first
  std::set<std::string> seen_;
  std::deque<std::string> ended_order_;  // ended call ids, oldest first
  std::set<std::string> ended_;
  Stats stats_;
};

}  // namespace wzp::featherchat

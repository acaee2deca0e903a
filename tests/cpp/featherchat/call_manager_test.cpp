// CallManager: featherChat calls between managers wired through a stand-in featherChat channel
// (a queue that can duplicate, hold back and reorder messages), on a virtual clock. Every
// transition, timeout, busy, glare from both sides in both orders, duplicates and reordering.
#include <gtest/gtest.h>

#include <deque>
#include <memory>

#include "featherchat/call_manager.hpp"

namespace wzp::featherchat {
namespace {

const std::string kAlice = "1111:1111:1111:1111:1111:1111:1111:1111";
const std::string kBob = "2222:2222:2222:2222:2222:2222:2222:2222";
const std::string kCarol = "3333:3333:3333:3333:3333:3333:3333:3333";

struct Phone {
  std::string fp;
  std::unique_ptr<CallManager> calls;
  std::vector<CallEvent> events;
  std::vector<std::pair<MissedCall, CallRecord>> missed;
  std::vector<wire::SignalMessage> in_call;

  std::vector<CallState> states(const std::string& call_id) const {
    std::vector<CallState> out;
    for (const auto& e : events) {
      if (e.call.call_id == call_id) out.push_back(e.call.state);
    }
    return out;
  }
  const CallRecord& last(const std::string& call_id) const {
    const CallRecord* r = calls->find(call_id);
    EXPECT_NE(r, nullptr) << call_id;
    return *r;
  }
};

// The featherChat channel: messages queue up until delivered.
struct Channel {
  std::deque<CallSignal> queue;
  std::map<std::string, Phone*> phones;

  Phone& add(const std::string& fp, CallManagerConfig config = {}) {
    auto* phone = new Phone{fp, nullptr, {}, {}, {}};
    owned.emplace_back(phone);
    config.self = fp;
    CallKeys keys;
    const uint8_t tag = static_cast<uint8_t>(fp[0]);
    keys.offer = [tag](const std::string&) {
      wire::CallOffer o;
      o.identity_pub.fill(tag);
      o.supported_profiles = {wire::kProfileGood};
      return o;
    };
    keys.answer = [tag](const std::string&, const wire::CallOffer&, const std::string&) -> Result<wire::CallAnswer> {
      wire::CallAnswer a;
      a.identity_pub.fill(tag);
      a.chosen_profile = wire::kProfileGood;
      return a;
    };
    CallManagerSinks sinks;
    sinks.send = [this](const CallSignal& m) { queue.push_back(m); };
    sinks.event = [phone](const CallEvent& e) { phone->events.push_back(e); };
    sinks.missed = [phone](const MissedCall& m, const CallRecord& r) { phone->missed.emplace_back(m, r); };
    sinks.in_call = [phone](const CallRecord&, const wire::SignalMessage& s) { phone->in_call.push_back(s); };
    auto manager = CallManager::create(config, keys, sinks);
    EXPECT_TRUE(manager.ok());
    phone->calls = std::make_unique<CallManager>(std::move(*manager));
    phones[fp] = phone;
    return *phone;
  }

  Phone& to(const CallSignal& m) { return *phones.at(m.target); }

  /// Delivers every queued message (and what they cause) in order.
  void deliver(int64_t now_ms, bool twice = false) {
    while (!queue.empty()) {
      CallSignal m = queue.front();
      queue.pop_front();
      ASSERT_TRUE(to(m).calls->on_signal(m, now_ms).ok());
      if (twice) {
        ASSERT_TRUE(to(m).calls->on_signal(m, now_ms).ok());
      }
    }
  }
  /// Takes the queued messages out, to deliver later in any order.
  std::vector<CallSignal> hold() {
    std::vector<CallSignal> out(queue.begin(), queue.end());
    queue.clear();
    return out;
  }
  void deliver_one(const CallSignal& m, int64_t now_ms) {
    ASSERT_TRUE(to(m).calls->on_signal(m, now_ms).ok());
  }

  std::vector<std::unique_ptr<Phone>> owned;
};

using S = CallState;

TEST(CallManager, AnsweredCallGoesActiveAndEndsWithHangup) {
  Channel ch;
  Phone& alice = ch.add(kAlice);
  Phone& bob = ch.add(kBob);
  auto id = alice.calls->place_call(kBob, CallRoute{"relay.example:4433", std::nullopt, std::nullopt}, 1000);
  ASSERT_TRUE(id.ok()) << id.error().message;
  ch.deliver(1010);  // offer -> bob rings -> Ringing -> alice
  EXPECT_EQ(bob.states(*id), (std::vector<S>{S::ringing}));
  EXPECT_EQ(alice.states(*id), (std::vector<S>{S::offering, S::ringing}));
  const CallRecord& ringing = *bob.calls->find(*id);
  EXPECT_EQ(ringing.direction, CallDirection::incoming);
  EXPECT_EQ(ringing.peer, kAlice);
  EXPECT_EQ(ringing.relay_addr, "relay.example:4433");
  EXPECT_EQ(ringing.room, *id);  // the room defaults to the call id
  ASSERT_TRUE(ringing.remote_offer.has_value());
  EXPECT_EQ(ringing.remote_offer->identity_pub[0], '1');

  ASSERT_TRUE(bob.calls->accept(*id, 3000).ok());
  ch.deliver(3010);
  EXPECT_EQ(alice.last(*id).state, S::connecting);
  ASSERT_TRUE(alice.last(*id).remote_answer.has_value());
  EXPECT_EQ(alice.last(*id).remote_answer->identity_pub[0], '2');
  ASSERT_TRUE(alice.calls->media_connected(*id, 3500).ok());
  ASSERT_TRUE(bob.calls->media_connected(*id, 3600).ok());
  EXPECT_EQ(alice.last(*id).state, S::active);

  // A signal inside the call goes to the application.
  ch.queue.push_back(wrap_signal(wire::Mute{}, kAlice, kBob, CallRoute{std::nullopt, std::nullopt, *id}));
  ch.deliver(5000);
  ASSERT_EQ(bob.in_call.size(), 1U);
  EXPECT_TRUE(std::holds_alternative<wire::Mute>(bob.in_call[0]));

  ASSERT_TRUE(alice.calls->hangup(*id, 60000).ok());
  ch.deliver(60010);
  EXPECT_EQ(alice.states(*id), (std::vector<S>{S::offering, S::ringing, S::connecting, S::active, S::ended}));
  EXPECT_EQ(bob.states(*id), (std::vector<S>{S::ringing, S::connecting, S::active, S::ended}));
  ASSERT_EQ(alice.calls->history().size(), 1U);
  const CallRecord& a = alice.calls->history().back();
  EXPECT_EQ(a.end, CallEnd::hangup);
  EXPECT_TRUE(a.ended_here);
  EXPECT_EQ(a.offered_ms, 1000);
  EXPECT_EQ(a.answered_ms, 3010);
  EXPECT_EQ(a.active_ms, 3500);
  EXPECT_EQ(a.ended_ms, 60000);
  EXPECT_EQ(bob.calls->history().back().end, CallEnd::hangup);
  EXPECT_FALSE(bob.calls->history().back().ended_here);
  EXPECT_TRUE(alice.missed.empty());
  EXPECT_TRUE(bob.missed.empty());
  EXPECT_TRUE(alice.calls->live_calls().empty());
}

TEST(CallManager, EverySignalHasItsOwnMessageIdAndTheCallId) {
  Channel ch;
  Phone& alice = ch.add(kAlice);
  ch.add(kBob);
  auto id = alice.calls->place_call(kBob, {}, 0);
  ASSERT_TRUE(id.ok());
  std::set<std::string> message_ids;
  std::vector<CallSignal> all;
  for (int round = 0; round < 3; ++round) {
    for (auto& m : ch.hold()) {
      all.push_back(m);
      ch.deliver_one(m, 10);
    }
    if (round == 0) {
      ASSERT_TRUE(ch.phones.at(kBob)->calls->accept(*id, 10).ok());
    }
  }
  ASSERT_TRUE(alice.calls->hangup(*id, 20).ok());
  for (auto& m : ch.hold()) all.push_back(m);
  ASSERT_EQ(all.size(), 4U);  // Offer, Ringing, Answer, Hangup
  for (const auto& m : all) {
    message_ids.insert(m.id);
    auto p = open_signal(m);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->call_id, *id);
  }
  EXPECT_EQ(message_ids.size(), all.size());
  EXPECT_EQ(all[0].signal_type, CallSignalType::offer);
  EXPECT_EQ(all[1].signal_type, CallSignalType::ringing);
  EXPECT_EQ(all[2].signal_type, CallSignalType::answer);
  EXPECT_EQ(all[3].signal_type, CallSignalType::hangup);
}

// Alice has called Bob and his phone rings.
class Ringing : public ::testing::Test {
 protected:
  void SetUp() override {
    auto placed = alice.calls->place_call(kBob, {}, 0);
    ASSERT_TRUE(placed.ok());
    id = *placed;
    ch.deliver(10);
  }
  Channel ch;
  Phone& alice = ch.add(kAlice);
  Phone& bob = ch.add(kBob);
  std::string id;
};

TEST_F(Ringing, RejectedCall) {
  ASSERT_TRUE(bob.calls->reject(id, 2000).ok());
  ch.deliver(2010);
  EXPECT_EQ(alice.last(id).end, CallEnd::rejected);
  EXPECT_FALSE(alice.last(id).ended_here);
  EXPECT_EQ(bob.last(id).end, CallEnd::rejected);
  EXPECT_TRUE(bob.last(id).ended_here);
  EXPECT_TRUE(bob.missed.empty());  // declined is not missed
  // Acting on an ended call is an error that names it.
  auto again = bob.calls->accept(id, 3000);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::not_found);
}

TEST(CallManager, SecondCallWhileActiveIsAnsweredBusyUnlessCallWaiting) {
  for (const bool waiting : {false, true}) {
    SCOPED_TRACE(waiting ? "call waiting" : "busy");
    Channel ch;
    Phone& alice = ch.add(kAlice);
    CallManagerConfig config;
    config.call_waiting = waiting;
    Phone& bob = ch.add(kBob, config);
    Phone& carol = ch.add(kCarol);
    auto first = carol.calls->place_call(kBob, {}, 0);
    ch.deliver(10);
    ASSERT_TRUE(bob.calls->accept(*first, 20).ok());
    ch.deliver(30);
    auto second = alice.calls->place_call(kBob, {}, 5000);
    ch.deliver(5010);
    if (waiting) {
      EXPECT_EQ(bob.last(*second).state, S::ringing);
      EXPECT_EQ(alice.last(*second).state, S::ringing);
      EXPECT_EQ(bob.calls->live_calls().size(), 2U);
      continue;
    }
    EXPECT_EQ(alice.last(*second).end, CallEnd::busy);
    EXPECT_EQ(bob.last(*second).end, CallEnd::busy);
    EXPECT_EQ(bob.last(*first).state, S::connecting);  // the first call goes on
    EXPECT_EQ(bob.calls->stats().busy, 1U);
    ASSERT_EQ(bob.missed.size(), 1U);  // bob learns that alice tried
    EXPECT_EQ(bob.missed[0].second.peer, kAlice);
  }
}

TEST(CallManager, UnansweredCallIsMissedOnBothSidesWithARecord) {
  Channel ch;
  Phone& alice = ch.add(kAlice);
  Phone& bob = ch.add(kBob);
  auto id = alice.calls->place_call(kBob, {}, 1'700'000'000'000);
  ch.deliver(1'700'000'000'050);
  alice.calls->tick(1'700'000'044'999);
  bob.calls->tick(1'700'000'044'999);
  EXPECT_EQ(alice.last(*id).state, S::ringing);
  alice.calls->tick(1'700'000'045'000);
  bob.calls->tick(1'700'000'045'050);
  ch.deliver(1'700'000'045'100);  // alice's Hangup{Timeout}: late at bob
  EXPECT_EQ(alice.last(*id).end, CallEnd::missed);
  EXPECT_EQ(bob.last(*id).end, CallEnd::missed);
  ASSERT_EQ(bob.missed.size(), 1U);
  const MissedCall& m = bob.missed[0].first;
  EXPECT_EQ(m.caller, (ByteArray<8>{0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11}));
  EXPECT_EQ(m.callee, (ByteArray<8>{0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22}));
  EXPECT_EQ(m.unix_time, 1'700'000'000U);
  EXPECT_EQ(m.call_id, call_id_bytes(*id));
  EXPECT_EQ(bob.calls->stats().late, 1U);
  EXPECT_TRUE(alice.missed.empty());
}

// The caller's ring timer starts first (it starts when the offer leaves), so its Hangup{Timeout}
// usually reaches the callee before the callee's own timer fires: still a missed call there.
TEST(CallManager, CallersTimeoutArrivingFirstIsMissedAtTheCallee) {
  Channel ch;
  Phone& alice = ch.add(kAlice);
  Phone& bob = ch.add(kBob);
  auto id = alice.calls->place_call(kBob, {}, 1'700'000'000'000);
  ch.deliver(1'700'000'000'050);
  alice.calls->tick(1'700'000'045'000);
  ch.deliver(1'700'000'045'010);  // before bob's timer (45 s after 050)
  EXPECT_EQ(alice.last(*id).end, CallEnd::missed);
  EXPECT_EQ(bob.last(*id).end, CallEnd::missed);
  EXPECT_EQ(bob.missed.size(), 1U);
  EXPECT_EQ(bob.calls->stats().late, 0U);
}

TEST_F(Ringing, CallerCancelsWhileRinging) {
  ASSERT_TRUE(alice.calls->hangup(id, 4000).ok());
  ch.deliver(4010);
  EXPECT_EQ(alice.last(id).end, CallEnd::cancelled);
  EXPECT_EQ(bob.last(id).end, CallEnd::cancelled);
  EXPECT_EQ(bob.missed.size(), 1U);
}

TEST_F(Ringing, MediaThatNeverComesUpFailsTheCall) {
  ASSERT_TRUE(bob.calls->accept(id, 100).ok());
  ch.deliver(110);
  ASSERT_TRUE(bob.calls->media_connected(id, 500).ok());
  alice.calls->tick(20109);
  EXPECT_EQ(alice.last(id).state, S::connecting);
  alice.calls->tick(20110);  // connect_timeout_ms after the answer
  ch.deliver(20120);
  EXPECT_EQ(alice.last(id).end, CallEnd::failed);
  EXPECT_EQ(alice.last(id).detail, "media not connected in time");
  EXPECT_EQ(bob.last(id).end, CallEnd::failed);
  EXPECT_FALSE(bob.last(id).ended_here);

  auto next = alice.calls->place_call(kBob, {}, 30000);
  ch.deliver(30010);
  ASSERT_TRUE(bob.calls->accept(*next, 30020).ok());
  ch.deliver(30030);
  ASSERT_TRUE(alice.calls->media_failed(*next, "relay unreachable", 30040).ok());
  ch.deliver(30050);
  EXPECT_EQ(alice.last(*next).detail, "relay unreachable");
  EXPECT_EQ(bob.last(*next).end, CallEnd::failed);
}

TEST(CallManager, DuplicatedMessagesChangeNothing) {
  Channel ch;
  Phone& alice = ch.add(kAlice);
  Phone& bob = ch.add(kBob);
  auto id = alice.calls->place_call(kBob, {}, 0);
  ch.deliver(10, true);
  ASSERT_TRUE(bob.calls->accept(*id, 20).ok());
  ch.deliver(30, true);
  ASSERT_TRUE(bob.calls->hangup(*id, 40).ok());
  ch.deliver(50, true);
  EXPECT_EQ(alice.states(*id), (std::vector<S>{S::offering, S::ringing, S::connecting, S::ended}));
  EXPECT_EQ(bob.states(*id), (std::vector<S>{S::ringing, S::connecting, S::ended}));
  EXPECT_EQ(alice.calls->stats().duplicates, 3U);
  EXPECT_EQ(bob.calls->stats().duplicates, 1U);
  EXPECT_EQ(bob.calls->history().size(), 1U);
}

TEST(CallManager, AnOfferResentUnderANewMessageIdRingsOnce) {
  Channel ch;
  Phone& alice = ch.add(kAlice);
  Phone& bob = ch.add(kBob);
  auto id = alice.calls->place_call(kBob, {}, 0);
  auto offer = ch.hold();
  ASSERT_EQ(offer.size(), 1U);
  CallSignal resent = offer[0];
  resent.id = new_message_id();  // featherChat's dedup cannot catch it
  ch.deliver_one(offer[0], 10);
  ch.deliver_one(resent, 20);
  EXPECT_EQ(bob.states(*id), (std::vector<S>{S::ringing}));
  EXPECT_EQ(bob.calls->live_calls().size(), 1U);
  EXPECT_EQ(bob.calls->stats().duplicates, 1U);
}

TEST(CallManager, ReorderedMessages) {
  Channel ch;
  Phone& alice = ch.add(kAlice);
  Phone& bob = ch.add(kBob);
  // The answer overtakes the ringing.
  auto id = alice.calls->place_call(kBob, {}, 0);
  for (auto& m : ch.hold()) ch.deliver_one(m, 10);  // the offer at bob; bob's Ringing is queued
  auto ringing = ch.hold();
  ASSERT_EQ(ringing.size(), 1U);
  ASSERT_TRUE(bob.calls->accept(*id, 20).ok());
  ch.deliver(30);
  for (auto& m : ringing) ch.deliver_one(m, 40);
  EXPECT_EQ(alice.states(*id), (std::vector<S>{S::offering, S::connecting}));
  EXPECT_EQ(alice.calls->stats().late, 1U);
  ASSERT_TRUE(alice.calls->hangup(*id, 50).ok());
  ch.deliver(60);

  // The caller's cancel overtakes its offer: the offer never rings.
  auto second = alice.calls->place_call(kBob, {}, 100);
  auto offer = ch.hold();
  ASSERT_TRUE(alice.calls->hangup(*second, 110).ok());
  ch.deliver(120);
  for (auto& m : offer) ch.deliver_one(m, 130);
  EXPECT_TRUE(bob.states(*second).empty());
  EXPECT_TRUE(bob.calls->live_calls().empty());
  EXPECT_EQ(bob.calls->stats().late, 2U);
}

// Alice and Bob call each other at once; both offers cross in the channel.
void glare(bool alice_offer_first) {
  Channel ch;
  Phone& alice = ch.add(kAlice);
  Phone& bob = ch.add(kBob);
  auto a = alice.calls->place_call(kBob, {}, 0);
  auto b = bob.calls->place_call(kAlice, {}, 0);
  ASSERT_TRUE(a.ok() && b.ok());
  auto offers = ch.hold();
  ASSERT_EQ(offers.size(), 2U);
  if (!alice_offer_first) std::swap(offers[0], offers[1]);
  for (auto& m : offers) ch.deliver_one(m, 10);
  ch.deliver(20);
  const std::string kept = std::min(*a, *b);
  const std::string dropped = std::max(*a, *b);
  Phone& kept_caller = kept == *a ? alice : bob;
  Phone& kept_callee = kept == *a ? bob : alice;
  // One call, answered at once by the side whose own offer lost.
  EXPECT_EQ(kept_caller.last(kept).state, S::connecting);
  EXPECT_EQ(kept_callee.last(kept).state, S::connecting);
  EXPECT_EQ(kept_callee.last(dropped).end, CallEnd::glare);
  EXPECT_EQ(kept_caller.calls->find(dropped), nullptr);  // never rang there
  EXPECT_EQ(alice.calls->live_calls().size(), 1U);
  EXPECT_EQ(bob.calls->live_calls().size(), 1U);
  EXPECT_EQ(alice.calls->stats().glare + bob.calls->stats().glare, 2U);
  EXPECT_TRUE(alice.missed.empty() && bob.missed.empty());
  ASSERT_TRUE(alice.calls->media_connected(kept, 30).ok());
  ASSERT_TRUE(bob.calls->media_connected(kept, 30).ok());
}

TEST(CallManager, GlareKeepsOneCallAliceFirst) { glare(true); }
TEST(CallManager, GlareKeepsOneCallBobFirst) { glare(false); }

TEST_F(Ringing, SignalsFromStrangersAndMalformedOnesAreRefused) {
  // Carol tries to hang up alice's call with bob.
  auto forged = wrap_signal(wire::Hangup{}, kCarol, kBob, CallRoute{std::nullopt, std::nullopt, id});
  ASSERT_TRUE(bob.calls->on_signal(forged, 20).ok());
  EXPECT_EQ(bob.calls->stats().foreign, 1U);
  EXPECT_EQ(bob.last(id).state, S::ringing);
  // Not for bob.
  auto misrouted = wrap_signal(wire::Hangup{}, kAlice, kCarol, CallRoute{std::nullopt, std::nullopt, id});
  auto st = bob.calls->on_signal(misrouted, 30);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::invalid_argument);
  // A broken payload.
  CallSignal broken = wrap_signal(wire::Hangup{}, kAlice, kBob);
  broken.payload = "{\"signal\":";
  st = bob.calls->on_signal(broken, 40);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::json);
  EXPECT_EQ(bob.calls->stats().malformed, 2U);
  EXPECT_EQ(bob.last(id).state, S::ringing);  // nothing harmed
}

TEST(CallManager, LocalErrors) {
  Channel ch;
  Phone& alice = ch.add(kAlice);
  ch.add(kBob);
  EXPECT_EQ(alice.calls->place_call("bob", {}, 0).error().code, Errc::invalid_argument);
  EXPECT_EQ(alice.calls->place_call(kAlice, {}, 0).error().code, Errc::invalid_argument);
  auto id = alice.calls->place_call(kBob, {}, 0);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(alice.calls->place_call(kBob, {}, 0).error().code, Errc::invalid_state);  // one call per peer
  EXPECT_EQ(alice.calls->accept(*id, 0).error().code, Errc::invalid_state);           // not an incoming call
  EXPECT_EQ(alice.calls->media_connected(*id, 0).error().code, Errc::invalid_state);  // not answered
  EXPECT_EQ(alice.calls->hangup("nope", 0).error().code, Errc::not_found);
  EXPECT_FALSE(CallManager::create(CallManagerConfig{}, CallKeys{}, CallManagerSinks{}).ok());
}

TEST(CallManager, MemoryStaysBounded) {
  Channel ch;
  CallManagerConfig small;
  small.max_remembered = 16;
  small.max_history = 8;
  Phone& alice = ch.add(kAlice, small);
  Phone& bob = ch.add(kBob, small);
  for (int i = 0; i < 100; ++i) {
    auto id = alice.calls->place_call(kBob, {}, i * 100);
    ASSERT_TRUE(id.ok());
    ch.deliver(i * 100 + 10);
    ASSERT_TRUE(bob.calls->reject(*id, i * 100 + 20).ok());
    ch.deliver(i * 100 + 30);
  }
  EXPECT_EQ(alice.calls->history().size(), 8U);
  EXPECT_EQ(bob.calls->history().size(), 8U);
  EXPECT_TRUE(alice.calls->live_calls().empty());
}

}  // namespace
}  // namespace wzp::featherchat

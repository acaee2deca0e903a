// featherChat calls through the C ABI: the signalling bridge (wrap/open, bincode, the missed-call
// record) against the spec's examples and every malformed form, and wzp_fc_manager's state machine
// on a virtual clock (manual_clock 1, join_relay 0) with a stand-in featherChat channel that moves
// each SEND event's bincode bytes to the manager of its target.
#include <regex>

#include "capi/capi_test.hpp"

namespace wzp_capi_test {
namespace {

struct Freed {
  void operator()(void* p) const { wzp_free(p); }
};
using CText = std::unique_ptr<char, Freed>;

std::string take(char* text) { return CText(text).get(); }

struct IdentityFree {
  void operator()(wzp_identity* id) const { wzp_identity_free(id); }
};
struct ManagerFree {
  void operator()(wzp_fc_manager* m) const { wzp_fc_manager_free(m); }
};

std::string fingerprint_of(const wzp_identity* id) {
  char fp[WZP_FINGERPRINT_STR_LEN + 1];
  EXPECT_EQ(wzp_identity_fingerprint_str(id, fp, sizeof fp), WZP_OK);
  return fp;
}

const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
constexpr const char* kHangup = R"({"Hangup":{"reason":"Normal"}})";

// ---------------------------------------------------------------------------
// The bridge

struct Users {
  std::unique_ptr<wzp_identity, IdentityFree> alice_id, bob_id;
  std::string alice, bob;
  Users() {
    wzp_identity* a = nullptr;
    wzp_identity* b = nullptr;
    EXPECT_EQ(wzp_identity_new_random(&a), WZP_OK);
    EXPECT_EQ(wzp_identity_new_random(&b), WZP_OK);
    alice_id.reset(a);
    bob_id.reset(b);
    alice = fingerprint_of(a);
    bob = fingerprint_of(b);
  }
};

std::string wrap(const Users& u, const char* signal, const char* relay, const char* room, const char* call_id,
                 int tags_only = 0) {
  char* out = nullptr;
  const int rc = wzp_fc_wrap_signal(signal, std::strlen(signal), u.alice.c_str(), u.bob.c_str(), relay, room,
                                    call_id, tags_only, &out);
  EXPECT_EQ(rc, WZP_OK) << wzp_last_error();
  return rc == WZP_OK ? take(out) : std::string();
}

int open_rc(const std::string& call_signal, std::string* payload = nullptr) {
  char* out = nullptr;
  const int rc = wzp_fc_open_signal(call_signal.data(), call_signal.size(), &out);
  if (rc == WZP_OK && payload != nullptr) *payload = out;
  wzp_free(out);
  return rc;
}

TEST(CapiFcBridge, WrapsWithTheSpecsPayloadAndAFreshMessageId) {
  Users u;
  const Json first = Json::parse(wrap(u, kHangup, nullptr, nullptr, nullptr));
  const Json second = Json::parse(wrap(u, kHangup, nullptr, nullptr, nullptr));
  EXPECT_EQ(first.at("payload"),
            R"({"signal":{"Hangup":{"reason":"Normal"}},"relay_addr":null,"room":null})");
  EXPECT_EQ(first.at("signal_type"), "Hangup");
  EXPECT_EQ(first.at("sender_fingerprint"), u.alice);
  EXPECT_EQ(first.at("target"), u.bob);
  const std::string id = first.at("id");
  EXPECT_TRUE(std::regex_match(id, kUuid)) << id;
  EXPECT_NE(first.at("id"), second.at("id"));

  // The room travels as the raw name; the call id rides in libwzp's payload extension.
  const std::string call_id = "0d6f1c7e-2b1a-4c55-9a0e-5b7e8f1a2c3d";
  const std::string with_route = wrap(u, kHangup, "relay.example.com:4433", "Design team", call_id.c_str());
  EXPECT_EQ(Json::parse(with_route).at("payload"),
            R"({"signal":{"Hangup":{"reason":"Normal"}},"relay_addr":"relay.example.com:4433",)"
            R"("room":"Design team","call_id":")" +
                call_id + R"("})");
  std::string payload;
  ASSERT_EQ(open_rc(with_route, &payload), WZP_OK) << wzp_last_error();
  const Json opened = Json::parse(payload);
  EXPECT_EQ(opened.at("signal"), Json::parse(kHangup));
  EXPECT_EQ(opened.at("relay_addr"), "relay.example.com:4433");
  EXPECT_EQ(opened.at("room"), "Design team");
  EXPECT_EQ(opened.at("call_id"), call_id);

  // libwzp-only tags fall back to Offer for a featherChat that knows only its seven.
  EXPECT_EQ(Json::parse(wrap(u, R"("Hold")", nullptr, nullptr, nullptr)).at("signal_type"), "Hold");
  EXPECT_EQ(Json::parse(wrap(u, R"("Hold")", nullptr, nullptr, nullptr, 1)).at("signal_type"), "Offer");
}

TEST(CapiFcBridge, BincodeRoundTrip) {
  Users u;
  const std::string json = wrap(u, kHangup, "10.0.0.1:4433", "room", nullptr);
  uint8_t* bytes = nullptr;
  size_t len = 0;
  ASSERT_EQ(wzp_fc_signal_encode(json.data(), json.size(), WZP_FC_CALL_SIGNAL_VARIANT, &bytes, &len), WZP_OK);
  const Bytes encoded(bytes, bytes + len);
  wzp_free(bytes);
  // bincode: the variant index as a little-endian u32 first.
  ASSERT_GE(encoded.size(), 4U);
  EXPECT_EQ(encoded[0], WZP_FC_CALL_SIGNAL_VARIANT);
  char* back = nullptr;
  ASSERT_EQ(wzp_fc_signal_decode(encoded.data(), encoded.size(), WZP_FC_CALL_SIGNAL_VARIANT, &back), WZP_OK);
  EXPECT_EQ(Json::parse(take(back)), Json::parse(json));

  // Malformed bytes: every truncation, another variant, trailing bytes.
  for (size_t cut = 0; cut < encoded.size(); ++cut) {
    char* out = nullptr;
    EXPECT_EQ(wzp_fc_signal_decode(encoded.data(), cut, WZP_FC_CALL_SIGNAL_VARIANT, &out), WZP_ERR_MALFORMED)
        << "cut at " << cut;
    EXPECT_EQ(out, nullptr);
  }
  char* out = nullptr;
  EXPECT_EQ(wzp_fc_signal_decode(encoded.data(), encoded.size(), WZP_FC_CALL_SIGNAL_VARIANT + 1, &out),
            WZP_ERR_MALFORMED);
  Bytes longer = encoded;
  longer.push_back(0);
  EXPECT_EQ(wzp_fc_signal_decode(longer.data(), longer.size(), WZP_FC_CALL_SIGNAL_VARIANT, &out),
            WZP_ERR_MALFORMED);
  EXPECT_NE(std::string(wzp_last_error()), "");
}

TEST(CapiFcBridge, EveryMalformedFormIsRefusedWithAReason) {
  Users u;
  char* out = nullptr;
  // Wrapping: a signal that is not a SignalMessage, a fingerprint that is not one, NULLs.
  for (const char* bad : {"", "{", "{}", R"({"Hangup":{}})", R"({"Nope":1})", "[]", "42"}) {
    EXPECT_EQ(wzp_fc_wrap_signal(bad, std::strlen(bad), u.alice.c_str(), u.bob.c_str(), nullptr, nullptr,
                                 nullptr, 0, &out),
              WZP_ERR_JSON)
        << bad;
    EXPECT_NE(std::string(wzp_last_error()), "") << bad;
  }
  EXPECT_EQ(wzp_fc_wrap_signal(kHangup, std::strlen(kHangup), "not a fingerprint", u.bob.c_str(), nullptr,
                               nullptr, nullptr, 0, &out),
            WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_wrap_signal(kHangup, std::strlen(kHangup), u.alice.c_str(), u.bob.c_str(), nullptr,
                               nullptr, nullptr, 0, nullptr),
            WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);

  // Opening: every way a CallSignal can be wrong.
  const Json good = Json::parse(wrap(u, kHangup, nullptr, nullptr, nullptr));
  ASSERT_EQ(open_rc(good.dump()), WZP_OK);
  auto with = [&](const char* key, const Json& value) {
    Json j = good;
    j[key] = value;
    return j.dump();
  };
  auto without = [&](const char* key) {
    Json j = good;
    j.erase(key);
    return j.dump();
  };
  // Not the shape of a CallSignal: WZP_ERR_JSON.
  const std::vector<std::pair<std::string, std::string>> not_a_call_signal = {
      {"not JSON", "{"},
      {"an array", "[]"},
      {"no payload", without("payload")},
      {"no signal_type", without("signal_type")},
      {"an unknown signal_type", with("signal_type", "Shout")},
      {"a payload that is not JSON", with("payload", "{")},
      {"a payload without a signal", with("payload", R"({"relay_addr":null,"room":null})")},
      {"a payload whose signal is no SignalMessage", with("payload", R"({"signal":{"Nope":1}})")},
      {"a relay_addr that is not a string", with("payload", R"({"signal":"Hold","relay_addr":5})")},
  };
  for (const auto& [what, text] : not_a_call_signal) {
    EXPECT_EQ(open_rc(text), WZP_ERR_JSON) << what;
    EXPECT_NE(std::string(wzp_last_error()), "") << what;
  }
  // Well-formed but inconsistent: WZP_ERR_MALFORMED.
  const std::vector<std::pair<std::string, std::string>> inconsistent = {
      {"a tag that does not fit the signal", with("signal_type", "Answer")},
      {"a call_id that is not a UUID", with("payload", R"({"signal":"Hold","call_id":"nope"})")},
  };
  for (const auto& [what, text] : inconsistent) {
    EXPECT_EQ(open_rc(text), WZP_ERR_MALFORMED) << what;
    EXPECT_NE(std::string(wzp_last_error()), "") << what;
  }
  EXPECT_EQ(open_rc(with("sender_fingerprint", "alice")), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(open_rc(with("id", "")), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_open_signal(nullptr, 0, &out), WZP_ERR_INVALID_ARGUMENT);
}

TEST(CapiFcBridge, MissedCallRecordIsThirtyNineBytesAndJson) {
  const std::string json = R"({"caller":"0011223344556677","callee":"8899aabbccddeeff","time":1767225600,)"
                           R"("call_id":"0d6f1c7e-2b1a-4c55-9a0e-5b7e8f1a2c3d","media":"audio"})";
  uint8_t record[WZP_FC_MISSED_CALL_BYTES];
  ASSERT_EQ(wzp_fc_missed_call_encode(json.data(), json.size(), record), WZP_OK) << wzp_last_error();
  EXPECT_EQ(hex(record, 10), "01040011223344556677");  // version 1, type 4, the caller
  char* back = nullptr;
  ASSERT_EQ(wzp_fc_missed_call_decode(record, sizeof record, &back), WZP_OK);
  EXPECT_EQ(Json::parse(take(back)), Json::parse(json));

  EXPECT_EQ(wzp_fc_missed_call_decode(record, sizeof record - 1, &back), WZP_ERR_MALFORMED);
  for (const char* bad :
       {"{}", R"({"caller":"00","callee":"8899aabbccddeeff","time":1,"call_id":"x"})", "["}) {
    EXPECT_EQ(wzp_fc_missed_call_encode(bad, std::strlen(bad), record), WZP_ERR_JSON) << bad;
  }
  EXPECT_EQ(wzp_fc_missed_call_encode(nullptr, 0, record), WZP_ERR_INVALID_ARGUMENT);
}

// ---------------------------------------------------------------------------
// The manager on a virtual clock

struct Seen {
  wzp_fc_call_state state;
  wzp_fc_call_end end;
  bool operator==(const Seen&) const = default;
};

struct Phone {
  std::unique_ptr<wzp_identity, IdentityFree> id;
  std::unique_ptr<wzp_fc_manager, ManagerFree> manager;
  std::string fp;
  std::map<std::string, std::vector<Seen>> states;  // per call id
  std::vector<std::string> sent;                    // CallSignal JSON, in order
  std::vector<std::string> missed;                  // the records' JSON
  std::string last_detail;
};

wzp_fc_manager_stats stats_of(const Phone& p) {
  wzp_fc_manager_stats s;
  wzp_fc_manager_stats_init(&s);
  EXPECT_EQ(wzp_fc_manager_stats_get(p.manager.get(), &s), WZP_OK);
  return s;
}

// featherChat stood in for: SEND events become receive_bincode calls at the target.
class Channel {
 public:
  explicit Channel(uint32_t ring_timeout_ms = 30000, uint32_t connect_timeout_ms = 10000)
      : ring_(ring_timeout_ms), connect_(connect_timeout_ms) {}

  Phone& add(bool call_waiting = false) {
    auto& p = *phones_.emplace_back(std::make_unique<Phone>());
    wzp_identity* id = nullptr;
    EXPECT_EQ(wzp_identity_new_random(&id), WZP_OK);
    p.id.reset(id);
    p.fp = fingerprint_of(id);
    wzp_fc_manager_config c;
    wzp_fc_manager_config_init(&c);
    c.identity = id;
    c.manual_clock = 1;
    c.join_relay = 0;
    c.ring_timeout_ms = ring_;
    c.connect_timeout_ms = connect_;
    c.call_waiting = call_waiting ? 1 : 0;
    wzp_fc_manager* m = nullptr;
    EXPECT_EQ(wzp_fc_manager_new(&c, &m), WZP_OK) << wzp_last_error();
    p.manager.reset(m);
    return p;
  }

  // Collects every phone's events; SENDs are held (not delivered) until deliver().
  void collect() {
    wzp_fc_event e;
    wzp_fc_event_init(&e);
    for (auto& p : phones_) {
      while (wzp_fc_manager_next_event(p->manager.get(), &e, 0) == WZP_OK) {
        switch (e.type) {
          case WZP_FC_EVENT_SEND:
            p->sent.emplace_back(e.signal_json);
            held_.push_back({e.target, Bytes(e.signal_bincode, e.signal_bincode + e.signal_bincode_len)});
            break;
          case WZP_FC_EVENT_STATE:
            p->states[e.call_id].push_back({e.state, e.end});
            if (e.detail != nullptr) p->last_detail = e.detail;
            break;
          case WZP_FC_EVENT_MISSED: p->missed.emplace_back(e.signal_json); break;
          default: break;
        }
      }
    }
    wzp_fc_event_clear(&e);
  }

  struct Message {
    std::string target;
    Bytes bincode;
  };
  std::vector<Message> hold() {
    collect();
    return std::exchange(held_, {});
  }
  void deliver_one(const Message& m) {
    for (auto& p : phones_)
      if (p->fp == m.target)
        (void)wzp_fc_manager_receive_bincode(p->manager.get(), m.bincode.data(), m.bincode.size());
  }
  // Delivers until nothing more is sent.
  void deliver() {
    for (int round = 0; round < 50; ++round) {
      auto messages = hold();
      if (messages.empty()) return;
      for (const auto& m : messages) deliver_one(m);
    }
    FAIL() << "the phones never went quiet";
  }
  void advance(int64_t now_ms) {
    for (auto& p : phones_) EXPECT_EQ(wzp_fc_manager_advance(p->manager.get(), now_ms), WZP_OK);
    deliver();
  }

 private:
  uint32_t ring_, connect_;
  std::vector<std::unique_ptr<Phone>> phones_;
  std::vector<Message> held_;
};

std::string place(Phone& from, const Phone& to, const char* room = nullptr) {
  char id[WZP_FC_CALL_ID_LEN + 1] = {};
  EXPECT_EQ(wzp_fc_manager_place_call(from.manager.get(), to.fp.c_str(), "127.0.0.1:4433", room, id), WZP_OK)
      << wzp_last_error();
  EXPECT_TRUE(std::regex_match(std::string(id), kUuid)) << id;
  return id;
}

Json call_json(const Phone& p, const std::string& call_id) {
  char* out = nullptr;
  EXPECT_EQ(wzp_fc_manager_call_json(p.manager.get(), call_id.c_str(), &out), WZP_OK);
  return out != nullptr ? Json::parse(take(out)) : Json();
}

Json call_json_of(wzp_fc_manager* m, const char* call_id) {
  char* out = nullptr;
  EXPECT_EQ(wzp_fc_manager_call_json(m, call_id, &out), WZP_OK);
  return out != nullptr ? Json::parse(take(out)) : Json();
}

using S = Seen;
constexpr auto kOffering = WZP_FC_CALL_OFFERING;
constexpr auto kRinging = WZP_FC_CALL_RINGING;
constexpr auto kConnecting = WZP_FC_CALL_CONNECTING;
constexpr auto kActive = WZP_FC_CALL_ACTIVE;
constexpr auto kEnded = WZP_FC_CALL_ENDED;
constexpr auto kNone = WZP_FC_END_NONE;

TEST(CapiFcManager, AnsweredCallGoesThroughEveryStateAndIsRecorded) {
  Channel ch;
  Phone& alice = ch.add();
  Phone& bob = ch.add();
  const std::string id = place(alice, bob, "alice-and-bob");
  ch.deliver();
  ASSERT_EQ(wzp_fc_manager_accept(bob.manager.get(), id.c_str()), WZP_OK) << wzp_last_error();
  ch.deliver();
  ASSERT_EQ(wzp_fc_manager_media_connected(alice.manager.get(), id.c_str()), WZP_OK);
  ASSERT_EQ(wzp_fc_manager_media_connected(bob.manager.get(), id.c_str()), WZP_OK);
  ch.advance(5000);
  ASSERT_EQ(wzp_fc_manager_hangup(alice.manager.get(), id.c_str()), WZP_OK);
  ch.deliver();

  EXPECT_EQ(alice.states[id], (std::vector<S>{{kOffering, kNone},
                                              {kRinging, kNone},
                                              {kConnecting, kNone},
                                              {kActive, kNone},
                                              {kEnded, WZP_FC_END_HANGUP}}));
  EXPECT_EQ(bob.states[id],
            (std::vector<S>{
                {kRinging, kNone}, {kConnecting, kNone}, {kActive, kNone}, {kEnded, WZP_FC_END_HANGUP}}));
  // Offer, Answer (the Ringing went the other way), Hangup: each under a fresh message id.
  std::set<std::string> ids;
  for (const auto& s : alice.sent) ids.insert(Json::parse(s).at("id").get<std::string>());
  EXPECT_EQ(ids.size(), alice.sent.size());
  EXPECT_EQ(Json::parse(alice.sent.front()).at("signal_type"), "Offer");
  EXPECT_EQ(Json::parse(Json::parse(alice.sent.front()).at("payload").get<std::string>()).at("room"),
            "alice-and-bob");

  const Json record = call_json(bob, id);
  EXPECT_EQ(record.at("direction"), "incoming");
  EXPECT_EQ(record.at("peer"), alice.fp);
  EXPECT_EQ(record.at("state"), "ended");
  EXPECT_EQ(record.at("end"), "hangup");
  EXPECT_EQ(record.at("ended_here"), false);
  EXPECT_EQ(record.at("room"), "alice-and-bob");
  char* history = nullptr;
  ASSERT_EQ(wzp_fc_manager_history_json(alice.manager.get(), &history), WZP_OK);
  const Json alice_history = Json::parse(take(history));
  ASSERT_EQ(alice_history.size(), 1U);
  EXPECT_EQ(alice_history[0].at("call_id"), id);
  EXPECT_EQ(alice_history[0].at("ended_here"), true);
  EXPECT_EQ(stats_of(alice).live_calls, 0U);
}

TEST(CapiFcManager, RingTimeoutIsMissedOnBothSidesWithARecord) {
  Channel ch(30000);
  Phone& alice = ch.add();
  Phone& bob = ch.add();
  ch.advance(1000);
  const std::string id = place(alice, bob);
  ch.deliver();
  ch.advance(1000 + 29999);
  EXPECT_EQ(bob.states[id].back().state, kRinging);
  EXPECT_TRUE(bob.missed.empty());
  ch.advance(1000 + 30000);
  EXPECT_EQ(alice.states[id].back(), (S{kEnded, WZP_FC_END_MISSED}));
  EXPECT_EQ(bob.states[id].back(), (S{kEnded, WZP_FC_END_MISSED}));
  ASSERT_EQ(bob.missed.size(), 1U);
  const Json record = Json::parse(bob.missed[0]);
  EXPECT_EQ(record.at("call_id"), id);
  EXPECT_EQ(record.at("caller"),
            alice.fp.substr(0, 4) + alice.fp.substr(5, 4) + alice.fp.substr(10, 4) + alice.fp.substr(15, 4));
  EXPECT_TRUE(alice.missed.empty());
}

TEST(CapiFcManager, ConnectTimeoutFailsTheCall) {
  Channel ch(30000, 10000);
  Phone& alice = ch.add();
  Phone& bob = ch.add();
  const std::string id = place(alice, bob);
  ch.deliver();
  ASSERT_EQ(wzp_fc_manager_accept(bob.manager.get(), id.c_str()), WZP_OK);
  ch.deliver();
  ch.advance(9999);
  EXPECT_EQ(alice.states[id].back().state, kConnecting);
  ch.advance(10000);
  EXPECT_EQ(alice.states[id].back(), (S{kEnded, WZP_FC_END_FAILED}));
  EXPECT_EQ(bob.states[id].back(), (S{kEnded, WZP_FC_END_FAILED}));
}

TEST(CapiFcManager, RejectedCancelledAndFailedMedia) {
  Channel ch;
  Phone& alice = ch.add();
  Phone& bob = ch.add();
  const std::string rejected = place(alice, bob);
  ch.deliver();
  ASSERT_EQ(wzp_fc_manager_reject(bob.manager.get(), rejected.c_str()), WZP_OK);
  ch.deliver();
  EXPECT_EQ(alice.states[rejected].back(), (S{kEnded, WZP_FC_END_REJECTED}));
  EXPECT_EQ(Json::parse(bob.sent.back()).at("signal_type"), "Reject");

  const std::string cancelled = place(alice, bob);
  ch.deliver();
  ASSERT_EQ(wzp_fc_manager_hangup(alice.manager.get(), cancelled.c_str()), WZP_OK);
  ch.deliver();
  EXPECT_EQ(bob.states[cancelled].back(), (S{kEnded, WZP_FC_END_CANCELLED}));

  const std::string failed = place(alice, bob);
  ch.deliver();
  ASSERT_EQ(wzp_fc_manager_accept(bob.manager.get(), failed.c_str()), WZP_OK);
  ch.deliver();
  ASSERT_EQ(wzp_fc_manager_media_failed(bob.manager.get(), failed.c_str(), "relay unreachable"), WZP_OK);
  ch.deliver();
  EXPECT_EQ(bob.states[failed].back(), (S{kEnded, WZP_FC_END_FAILED}));
  EXPECT_EQ(alice.states[failed].back(), (S{kEnded, WZP_FC_END_FAILED}));
  EXPECT_NE(call_json(bob, failed).at("detail").get<std::string>().find("relay unreachable"),
            std::string::npos);

  // Errors for calls that are not there or not in the right state.
  EXPECT_EQ(wzp_fc_manager_accept(bob.manager.get(), failed.c_str()), WZP_ERR_NOT_FOUND);
  EXPECT_EQ(wzp_fc_manager_accept(bob.manager.get(), "nope"), WZP_ERR_NOT_FOUND);
  const std::string outgoing = place(alice, bob);
  EXPECT_EQ(wzp_fc_manager_accept(alice.manager.get(), outgoing.c_str()), WZP_ERR_INVALID_STATE);
  EXPECT_EQ(wzp_fc_manager_media_connected(alice.manager.get(), outgoing.c_str()), WZP_ERR_INVALID_STATE);
  char id[WZP_FC_CALL_ID_LEN + 1];
  EXPECT_EQ(wzp_fc_manager_place_call(alice.manager.get(), bob.fp.c_str(), nullptr, nullptr, id),
            WZP_ERR_INVALID_STATE);  // a live call with bob already
  EXPECT_EQ(wzp_fc_manager_place_call(alice.manager.get(), alice.fp.c_str(), "127.0.0.1:1", nullptr, id),
            WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_manager_place_call(alice.manager.get(), "bob", "127.0.0.1:1", nullptr, id),
            WZP_ERR_INVALID_ARGUMENT);
}

TEST(CapiFcManager, SecondCallIsBusyUnlessCallWaiting) {
  for (const bool waiting : {false, true}) {
    Channel ch;
    Phone& alice = ch.add();
    Phone& bob = ch.add(waiting);
    Phone& carol = ch.add();
    const std::string first = place(carol, bob);
    ch.deliver();
    ASSERT_EQ(wzp_fc_manager_accept(bob.manager.get(), first.c_str()), WZP_OK);
    ch.deliver();
    ASSERT_EQ(wzp_fc_manager_media_connected(bob.manager.get(), first.c_str()), WZP_OK);
    ch.deliver();
    const std::string second = place(alice, bob);
    ch.deliver();
    if (waiting) {
      EXPECT_EQ(bob.states[second].back().state, kRinging);
      EXPECT_EQ(stats_of(bob).busy, 0U);
    } else {
      EXPECT_EQ(alice.states[second].back(), (S{kEnded, WZP_FC_END_BUSY}));
      EXPECT_EQ(Json::parse(bob.sent.back()).at("signal_type"), "Busy");
      EXPECT_EQ(stats_of(bob).busy, 1U);
      EXPECT_EQ(bob.missed.size(), 1U);  // the caller who got Busy is a missed call
    }
    EXPECT_EQ(bob.states[first].back().state, kActive);
  }
}

void glare(bool alice_offer_first) {
  Channel ch;
  Phone& alice = ch.add();
  Phone& bob = ch.add();
  const std::string a = place(alice, bob);
  const std::string b = place(bob, alice);
  auto offers = ch.hold();
  ASSERT_EQ(offers.size(), 2U);
  if ((offers[0].target == bob.fp) != alice_offer_first) std::swap(offers[0], offers[1]);
  for (const auto& m : offers) ch.deliver_one(m);
  ch.deliver();
  const std::string kept = std::min(a, b);
  const std::string dropped = std::max(a, b);
  char* live = nullptr;
  for (Phone* p : {&alice, &bob}) {
    ASSERT_EQ(wzp_fc_manager_live_calls_json(p->manager.get(), &live), WZP_OK);
    const Json calls = Json::parse(take(live));
    ASSERT_EQ(calls.size(), 1U);
    EXPECT_EQ(calls[0].at("call_id"), kept);
    EXPECT_EQ(calls[0].at("state"), "connecting");
  }
  Phone& dropped_caller = dropped == a ? alice : bob;
  EXPECT_EQ(dropped_caller.states[dropped].back(), (S{kEnded, WZP_FC_END_GLARE}));
  EXPECT_EQ(stats_of(alice).glare + stats_of(bob).glare, 2U);
  EXPECT_TRUE(alice.missed.empty() && bob.missed.empty());
  ASSERT_EQ(wzp_fc_manager_media_connected(alice.manager.get(), kept.c_str()), WZP_OK);
  ASSERT_EQ(wzp_fc_manager_media_connected(bob.manager.get(), kept.c_str()), WZP_OK);
  ch.deliver();
  EXPECT_EQ(alice.states[kept].back().state, kActive);
  EXPECT_EQ(bob.states[kept].back().state, kActive);
}

TEST(CapiFcManager, GlareKeepsOneCallAliceFirst) { glare(true); }
TEST(CapiFcManager, GlareKeepsOneCallBobFirst) { glare(false); }

TEST(CapiFcManager, DuplicatesAndLateSignalsAreCountedNotActedOn) {
  Channel ch;
  Phone& alice = ch.add();
  Phone& bob = ch.add();
  const std::string id = place(alice, bob);
  auto offer = ch.hold();
  ASSERT_EQ(offer.size(), 1U);
  ch.deliver_one(offer[0]);
  ch.deliver_one(offer[0]);  // featherChat delivered it twice
  ch.deliver();
  EXPECT_EQ(bob.states[id], (std::vector<S>{{kRinging, kNone}}));
  EXPECT_EQ(stats_of(bob).duplicates, 1U);

  ASSERT_EQ(wzp_fc_manager_hangup(alice.manager.get(), id.c_str()), WZP_OK);
  ch.deliver();
  ch.deliver_one(offer[0]);  // and once more, after the call ended
  EXPECT_EQ(bob.states[id].back(), (S{kEnded, WZP_FC_END_CANCELLED}));
  const auto s = stats_of(bob);
  EXPECT_EQ(s.duplicates + s.late, 2U);
  EXPECT_EQ(s.live_calls, 0U);
}

TEST(CapiFcManager, AnOfferUnderSomeoneElsesFingerprintFails) {
  Channel ch;
  Phone& alice = ch.add();
  Phone& bob = ch.add();
  Phone& mallory = ch.add();
  place(mallory, bob);
  auto offer = ch.hold();
  ASSERT_EQ(offer.size(), 1U);
  // Mallory's offer, re-addressed as if alice sent it (featherChat's routing is not a signature).
  Json forged = Json::parse(mallory.sent.back());
  forged["sender_fingerprint"] = alice.fp;
  const std::string text = forged.dump();
  ASSERT_EQ(wzp_fc_manager_receive(bob.manager.get(), text.data(), text.size()), WZP_OK);
  ch.collect();
  std::string forged_id;
  for (const auto& [call_id, seen] : bob.states) forged_id = call_id;
  ASSERT_FALSE(forged_id.empty());
  EXPECT_EQ(call_json(bob, forged_id).at("peer"), alice.fp);
  EXPECT_EQ(wzp_fc_manager_accept(bob.manager.get(), forged_id.c_str()), WZP_ERR_BAD_SIGNATURE);
  ch.collect();
  EXPECT_EQ(bob.states[forged_id].back(), (S{kEnded, WZP_FC_END_FAILED}));
  EXPECT_NE(bob.last_detail.find("fingerprint"), std::string::npos) << bob.last_detail;

  // A signal addressed to someone else, and bytes that are not a CallSignal: refused, counted.
  const std::string hangup = wrap(Users{}, kHangup, nullptr, nullptr, nullptr);
  EXPECT_EQ(wzp_fc_manager_receive(bob.manager.get(), hangup.data(), hangup.size()),
            WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(wzp_fc_manager_receive(bob.manager.get(), "{", 1), WZP_ERR_JSON);
  const uint8_t junk[3] = {7, 0, 0};
  EXPECT_EQ(wzp_fc_manager_receive_bincode(bob.manager.get(), junk, sizeof junk), WZP_ERR_MALFORMED);
  EXPECT_EQ(stats_of(bob).malformed, 3U);
}

TEST(CapiFcManager, ConfigAndArgumentErrors) {
  wzp_fc_manager* m = nullptr;
  EXPECT_EQ(wzp_fc_manager_new(nullptr, &m), WZP_ERR_INVALID_ARGUMENT);
  wzp_fc_manager_config c;
  wzp_fc_manager_config_init(&c);
  EXPECT_EQ(c.ring_timeout_ms, 45000U);
  EXPECT_EQ(c.connect_timeout_ms, 20000U);
  EXPECT_EQ(c.join_relay, 1);
  EXPECT_EQ(wzp_fc_manager_new(&c, &m), WZP_ERR_INVALID_ARGUMENT);  // no identity
  Users u;
  c.identity = u.alice_id.get();
  c.default_relay = "no port";
  EXPECT_EQ(wzp_fc_manager_new(&c, &m), WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(m, nullptr);
  c.default_relay = nullptr;
  ASSERT_EQ(wzp_fc_manager_new(&c, &m), WZP_OK);
  std::unique_ptr<wzp_fc_manager, ManagerFree> owned(m);
  EXPECT_EQ(wzp_fc_manager_advance(m, 1), WZP_ERR_INVALID_STATE);  // the system clock
  char id[WZP_FC_CALL_ID_LEN + 1];
  EXPECT_EQ(wzp_fc_manager_place_call(m, u.bob.c_str(), nullptr, nullptr, id),
            WZP_ERR_INVALID_ARGUMENT);  // no relay given or configured
  wzp_fc_event e;
  wzp_fc_event_init(&e);
  EXPECT_EQ(wzp_fc_manager_next_event(m, &e, 0), WZP_ERR_WOULD_BLOCK);
  EXPECT_GE(wzp_fc_manager_event_fd(m), 0);
  EXPECT_STREQ(wzp_fc_call_state_name(WZP_FC_CALL_CONNECTING), "CONNECTING");
  EXPECT_STREQ(wzp_fc_call_end_name(WZP_FC_END_GLARE), "GLARE");
  EXPECT_STREQ(wzp_fc_event_type_name(99), "UNKNOWN");
}

// A call placed without a relay: the manager chooses it from presence, my_relay and the default.
struct PresenceFree {
  void operator()(wzp_fc_presence* p) const { wzp_fc_presence_free(p); }
};
struct RegistryFree {
  void operator()(wzp_presence* p) const { wzp_presence_free(p); }
};

TEST(CapiFcManager, ACallWithoutARelayGoesWhereThePolicySays) {
  Users u;
  wzp_presence_config rc;
  wzp_presence_config_init(&rc);
  wzp_presence* raw_registry = nullptr;
  ASSERT_EQ(wzp_presence_new(&rc, &raw_registry), WZP_OK);
  std::unique_ptr<wzp_presence, RegistryFree> registry(raw_registry);
  wzp_fc_presence_config pc;
  wzp_fc_presence_config_init(&pc);
  wzp_fc_presence* raw_presence = nullptr;
  ASSERT_EQ(wzp_fc_presence_new(&pc, &raw_presence), WZP_OK);
  std::unique_ptr<wzp_fc_presence, PresenceFree> presence(raw_presence);
  ASSERT_EQ(wzp_fc_presence_add_registry(presence.get(), registry.get(), "bobs-relay.example:4433"), WZP_OK);

  auto manager_with = [&](wzp_fc_presence* p, int policy, const char* mine, const char* fallback,
                          int join_relay = 0) {
    wzp_fc_manager_config c;
    wzp_fc_manager_config_init(&c);
    EXPECT_EQ(c.presence, nullptr);
    EXPECT_EQ(c.relay_policy, WZP_FC_RELAY_CALLER);
    EXPECT_EQ(c.my_relay, nullptr);
    c.identity = u.alice_id.get();
    c.manual_clock = 1;
    c.join_relay = join_relay;
    c.presence = p;
    c.relay_policy = policy;
    c.my_relay = mine;
    c.default_relay = fallback;
    wzp_fc_manager* m = nullptr;
    const int rc_new = wzp_fc_manager_new(&c, &m);
    return std::make_pair(rc_new, std::unique_ptr<wzp_fc_manager, ManagerFree>(m));
  };
  auto placed = [&](wzp_fc_manager* m) {
    char id[WZP_FC_CALL_ID_LEN + 1];
    EXPECT_EQ(wzp_fc_manager_place_call(m, u.bob.c_str(), nullptr, nullptr, id), WZP_OK) << wzp_last_error();
    const Json call = call_json_of(m, id);
    return std::make_pair(call.at("relay_addr"), call.at("relay_choice"));
  };

  {  // bob offline: CALLEE falls to my relay, DEFAULT to the relay-config default
    auto [rc1, callee_first] =
        manager_with(presence.get(), WZP_FC_RELAY_CALLEE, "mine.example:4433", "default.example:4433");
    ASSERT_EQ(rc1, WZP_OK);
    EXPECT_EQ(placed(callee_first.get()), std::make_pair(Json("mine.example:4433"), Json("CALLER_RELAY")));
    auto [rc2, default_first] =
        manager_with(presence.get(), WZP_FC_RELAY_DEFAULT, "mine.example:4433", "default.example:4433");
    ASSERT_EQ(rc2, WZP_OK);
    EXPECT_EQ(placed(default_first.get()),
              std::make_pair(Json("default.example:4433"), Json("CONFIG_DEFAULT")));
  }
  ASSERT_GE(wzp_presence_register_local(registry.get(), u.bob.c_str(), 1, nullptr, nullptr), 0);
  {  // bob online at his relay: CALLEE goes there; CALLER still prefers mine
    auto [rc1, callee_first] =
        manager_with(presence.get(), WZP_FC_RELAY_CALLEE, "mine.example:4433", nullptr);
    ASSERT_EQ(rc1, WZP_OK);
    EXPECT_EQ(placed(callee_first.get()),
              std::make_pair(Json("bobs-relay.example:4433"), Json("CALLEE_ONLINE")));
    auto [rc2, caller_first] =
        manager_with(presence.get(), WZP_FC_RELAY_CALLER, "mine.example:4433", nullptr);
    ASSERT_EQ(rc2, WZP_OK);
    EXPECT_EQ(placed(caller_first.get()), std::make_pair(Json("mine.example:4433"), Json("CALLER_RELAY")));
  }
  {  // a relay given to place_call is taken as it is; without presence or my_relay, the default
    auto [rc1, m] = manager_with(presence.get(), WZP_FC_RELAY_CALLEE, nullptr, nullptr);
    ASSERT_EQ(rc1, WZP_OK);
    char id[WZP_FC_CALL_ID_LEN + 1];
    ASSERT_EQ(wzp_fc_manager_place_call(m.get(), u.bob.c_str(), "given.example:1", nullptr, id), WZP_OK);
    EXPECT_EQ(call_json_of(m.get(), id).at("relay_choice"), Json());
    auto [rc2, plain] = manager_with(nullptr, WZP_FC_RELAY_CALLER, nullptr, "default.example:4433");
    ASSERT_EQ(rc2, WZP_OK);
    ASSERT_EQ(wzp_fc_manager_place_call(plain.get(), u.bob.c_str(), nullptr, nullptr, id), WZP_OK);
    EXPECT_EQ(call_json_of(plain.get(), id).at("relay_addr"), "default.example:4433");
  }
  ASSERT_EQ(wzp_presence_unregister_local(registry.get(), u.bob.c_str(), 1), 1);
  {  // no candidate left: the manager cannot join a relay, so the call is refused, named; without
     // join_relay the application joins, and the offer names no relay
    auto [rc1, m] = manager_with(presence.get(), WZP_FC_RELAY_CALLEE, nullptr, nullptr, 1);
    ASSERT_EQ(rc1, WZP_OK);
    EXPECT_EQ(wzp_fc_manager_place_call(m.get(), u.bob.c_str(), nullptr, nullptr, nullptr),
              WZP_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(wzp_last_error()).find("relay"), std::string::npos) << wzp_last_error();
    auto [rc2, unjoined] = manager_with(presence.get(), WZP_FC_RELAY_CALLEE, nullptr, nullptr);
    ASSERT_EQ(rc2, WZP_OK);
    EXPECT_EQ(placed(unjoined.get()), std::make_pair(Json(), Json("NONE")));
  }
  EXPECT_EQ(manager_with(nullptr, 3, nullptr, nullptr).first, WZP_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(manager_with(nullptr, WZP_FC_RELAY_CALLER, "no port", nullptr).first, WZP_ERR_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace wzp_capi_test

// The featherChat bridge: tags, wrapping and opening CallSignals, their binary form, and a clear
// error for every malformed case (featherChat spec §1.3–1.6).
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "featherchat/call_signal.hpp"

namespace wzp::featherchat {
namespace {

const std::string kAlice = "6871:1211:9cfc:9d6b:0f9f:1c8e:fb64:38b1";
const std::string kBob = "ab1c:0d2e:3f4a:5b6c:7d8e:9fa0:b1c2:d3e4";

wire::CallOffer offer() {
  wire::CallOffer o;
  o.identity_pub.fill(1);
  o.ephemeral_pub.fill(2);
  o.signature.assign(64, 3);
  o.supported_profiles = {wire::kProfileGood};
  return o;
}

TEST(CallSignalType, NamesAndIndicesFollowFeatherchatThenLibwzp) {
  const std::vector<std::string> names{"Offer", "Answer", "IceCandidate", "Hangup", "Reject", "Ringing",
                                       "Busy",  "Hold",   "Unhold",       "Mute",   "Unmute", "Transfer"};
  for (uint32_t i = 0; i < names.size(); ++i) {
    const auto type = call_signal_type_from_index(i);
    ASSERT_TRUE(type.has_value());
    EXPECT_EQ(call_signal_type_name(*type), names[i]);
    EXPECT_EQ(call_signal_type_from_name(names[i]), type);
  }
  EXPECT_FALSE(call_signal_type_from_index(12).has_value());
  EXPECT_FALSE(call_signal_type_from_name("offer").has_value());  // names are case-sensitive
}

TEST(CallSignalType, MappingFromSignals) {
  EXPECT_EQ(call_signal_type_for(offer()), CallSignalType::offer);
  EXPECT_EQ(call_signal_type_for(wire::CallAnswer{}), CallSignalType::answer);
  EXPECT_EQ(call_signal_type_for(wire::IceCandidate{"c"}), CallSignalType::ice_candidate);
  EXPECT_EQ(call_signal_type_for(wire::Hangup{}), CallSignalType::hangup);
  EXPECT_EQ(call_signal_type_for(wire::Hold{}), CallSignalType::hold);
  EXPECT_EQ(call_signal_type_for(wire::Unhold{}), CallSignalType::unhold);
  EXPECT_EQ(call_signal_type_for(wire::Mute{}), CallSignalType::mute);
  EXPECT_EQ(call_signal_type_for(wire::Unmute{}), CallSignalType::unmute);
  EXPECT_EQ(call_signal_type_for(wire::Transfer{}), CallSignalType::transfer);
  // The catch-all.
  EXPECT_EQ(call_signal_type_for(wire::Ping{1}), CallSignalType::offer);
  EXPECT_EQ(call_signal_type_for(wire::Pong{1}), CallSignalType::offer);
  EXPECT_EQ(call_signal_type_for(wire::TransferAck{}), CallSignalType::offer);
  EXPECT_EQ(call_signal_type_for(wire::PresenceUpdate{}), CallSignalType::offer);
  EXPECT_EQ(call_signal_type_for(wire::AuthToken{"t"}), CallSignalType::offer);
}

TEST(CallSignal, EveryMessageGetsAFreshUuid) {
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const auto id = new_message_id();
    ASSERT_TRUE(std::regex_match(id, uuid)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000U);
  // Offer, answer and hangup of one call: three ids (featherChat deduplicates by id).
  const auto a = wrap_signal(offer(), kAlice, kBob);
  const auto b = wrap_signal(wire::Hangup{}, kAlice, kBob);
  EXPECT_NE(a.id, b.id);
}

TEST(CallSignal, WrapsWithThePayloadByteExact) {
  const auto hangup = wrap_signal(wire::Hangup{}, kAlice, kBob);
  EXPECT_EQ(hangup.payload, R"({"signal":{"Hangup":{"reason":"Normal"}},"relay_addr":null,"room":null})");
  EXPECT_EQ(hangup.signal_type, CallSignalType::hangup);
  EXPECT_EQ(hangup.sender_fingerprint, kAlice);
  EXPECT_EQ(hangup.target, kBob);

  const auto o =
      wrap_signal(offer(), kAlice, kBob, CallRoute{"relay.example.com:4433", "myroom", std::nullopt});
  std::string expected = R"({"signal":{"CallOffer":{"identity_pub":[)";
  for (int i = 0; i < 32; ++i) expected += i ? ",1" : "1";
  expected += R"(],"ephemeral_pub":[)";
  for (int i = 0; i < 32; ++i) expected += i ? ",2" : "2";
  expected += R"(],"signature":[)";
  for (int i = 0; i < 64; ++i) expected += i ? ",3" : "3";
  expected += R"(],"supported_profiles":[{"codec":"Opus24k","fec_ratio":0.2,"frame_duration_ms":20,)"
              R"("frames_per_block":5}]}},"relay_addr":"relay.example.com:4433","room":"myroom"})";
  EXPECT_EQ(o.payload, expected);
  EXPECT_EQ(o.signal_type, CallSignalType::offer);

  auto opened = open_signal(o);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->signal, wire::SignalMessage{offer()});
  EXPECT_EQ(opened->relay_addr, "relay.example.com:4433");
  EXPECT_EQ(opened->room, "myroom");
}

TEST(CallSignal, FeatherchatTagsOnlyFallsBackToOffer) {
  EXPECT_EQ(wrap_signal(wire::Hold{}, kAlice, kBob).signal_type, CallSignalType::hold);
  EXPECT_EQ(wrap_signal(wire::Hold{}, kAlice, kBob, {}, true).signal_type, CallSignalType::offer);
  EXPECT_EQ(wrap_signal(wire::Transfer{}, kAlice, kBob, {}, true).signal_type, CallSignalType::offer);
  EXPECT_EQ(wrap_signal(wire::Hangup{}, kAlice, kBob, {}, true).signal_type, CallSignalType::hangup);
  EXPECT_TRUE(open_signal(wrap_signal(wire::Mute{}, kAlice, kBob, {}, true)).ok());
}

TEST(CallSignal, StateSignalsCarryDecodablePayloads) {
  auto ringing = state_signal(CallSignalType::ringing, kBob, kAlice, 1234);
  ASSERT_TRUE(ringing.ok());
  EXPECT_EQ(ringing->signal_type, CallSignalType::ringing);
  EXPECT_EQ(ringing->payload, R"({"signal":{"Ping":{"timestamp_ms":1234}},"relay_addr":null,"room":null})");
  auto reject = state_signal(CallSignalType::reject, kBob, kAlice, 0);
  ASSERT_TRUE(reject.ok());
  EXPECT_EQ(reject->payload, R"({"signal":{"Hangup":{"reason":"Declined"}},"relay_addr":null,"room":null})");
  auto busy = state_signal(CallSignalType::busy, kBob, kAlice, 0);
  ASSERT_TRUE(busy.ok());
  EXPECT_EQ(busy->payload, R"({"signal":{"Hangup":{"reason":"Busy"}},"relay_addr":null,"room":null})");
  for (const auto* s : {&*ringing, &*reject, &*busy}) EXPECT_TRUE(open_signal(*s).ok());

  auto not_state = state_signal(CallSignalType::answer, kBob, kAlice, 0);
  ASSERT_FALSE(not_state.ok());
  EXPECT_EQ(not_state.error().code, Errc::invalid_argument);
}

TEST(CallSignal, OpenRefusesEveryMalformedMessage) {
  const auto good = wrap_signal(wire::Hangup{}, kAlice, kBob);
  struct Case {
    std::string name;
    CallSignal message;
    Errc code;
    std::string says;
  };
  std::vector<Case> cases;
  auto with = [&](std::string name, auto change, Errc code, std::string says) {
    CallSignal m = good;
    change(m);
    cases.push_back({std::move(name), std::move(m), code, std::move(says)});
  };
  with(
      "no id", [](CallSignal& m) { m.id.clear(); }, Errc::invalid_argument, "without an id");
  with(
      "sender", [](CallSignal& m) { m.sender_fingerprint = "alice"; }, Errc::invalid_argument,
      "sender_fingerprint is not a fingerprint");
  with(
      "target", [](CallSignal& m) { m.target = "12:34"; }, Errc::invalid_argument,
      "target is not a fingerprint");
  with(
      "not JSON", [](CallSignal& m) { m.payload = "{"; }, Errc::json, "invalid call payload: ");
  with(
      "empty", [](CallSignal& m) { m.payload.clear(); }, Errc::json, "invalid call payload: ");
  with(
      "no signal", [](CallSignal& m) { m.payload = R"({"relay_addr":null})"; }, Errc::json,
      "invalid call payload: ");
  with(
      "unknown variant", [](CallSignal& m) { m.payload = R"({"signal":"Dance"})"; }, Errc::json,
      "invalid call payload: ");
  with(
      "relay not a string", [](CallSignal& m) { m.payload = R"({"signal":"Hold","relay_addr":5})"; },
      Errc::json, "invalid call payload: ");
  with(
      "array payload", [](CallSignal& m) { m.payload = "[1,2]"; }, Errc::json, "invalid call payload: ");
  with(
      "tag mismatch", [](CallSignal& m) { m.signal_type = CallSignalType::answer; }, Errc::malformed,
      "tagged Answer carries a Hangup");
  with(
      "busy without hangup",
      [](CallSignal& m) {
        m.payload = R"({"signal":"Hold"})";
        m.signal_type = CallSignalType::busy;
      },
      Errc::malformed, "tagged Busy carries a Hold");
  for (const auto& c : cases) {
    auto opened = open_signal(c.message);
    ASSERT_FALSE(opened.ok()) << c.name;
    EXPECT_EQ(opened.error().code, c.code) << c.name;
    EXPECT_NE(opened.error().message.find(c.says), std::string::npos)
        << c.name << ": " << opened.error().message;
  }
  // Accepted variations: missing relay_addr / room, unknown members, {"Hold":null}.
  CallSignal lenient = good;
  lenient.signal_type = CallSignalType::hold;
  lenient.payload = R"({"signal":{"Hold":null},"extra":[1]})";
  auto opened = open_signal(lenient);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_FALSE(opened->relay_addr.has_value());
}

TEST(CallSignal, BincodeLayoutAndRoundTrip) {
  CallSignal m{"call-123", kAlice, CallSignalType::ringing, "{}", kBob};
  const Bytes bytes = encode_bincode(m);
  // tag 7, then each string with its u64 LE length, the type as u32 LE.
  ASSERT_EQ(bytes.size(), 4 + (8 + 8) + (8 + 39) + 4 + (8 + 2) + (8 + 39));
  EXPECT_EQ(Bytes(bytes.begin(), bytes.begin() + 12), (Bytes{7, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(std::string(bytes.begin() + 12, bytes.begin() + 20), "call-123");
  EXPECT_EQ(Bytes(bytes.begin() + 67, bytes.begin() + 71), (Bytes{5, 0, 0, 0}));  // Ringing
  auto back = decode_bincode(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, m);
  // Another variant index, when featherChat's turns out different.
  auto other = decode_bincode(encode_bincode(m, 9), 9);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, m);
}

TEST(CallSignal, BincodeRefusesEveryMalformedForm) {
  const Bytes good = encode_bincode(CallSignal{"id", kAlice, CallSignalType::offer, "{}", kBob});
  auto refuse = [](const Bytes& bytes, const std::string& says) {
    auto r = decode_bincode(bytes);
    ASSERT_FALSE(r.ok()) << says;
    EXPECT_EQ(r.error().code, Errc::malformed);
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  };
  for (size_t cut = 0; cut < good.size(); ++cut) {
    auto r = decode_bincode(ByteView(good.data(), cut));
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_NE(r.error().message.find("truncated"), std::string::npos) << r.error().message;
  }
  Bytes other_variant = good;
  other_variant[0] = 6;
  refuse(other_variant, "not a CallSignal: WireMessage variant 6");
  Bytes bad_type = good;
  bad_type[4 + 8 + 2 + 8 + 39] = 12;
  refuse(bad_type, "signal_type 12 is unknown");
  Bytes trailing = good;
  trailing.push_back(0);
  refuse(trailing, "followed by 1 more bytes");
  Bytes huge = good;
  huge[4 + 7] = 1;  // id length 2^56 + 2
  refuse(huge, "id: ");
  Bytes bad_utf8 = good;
  bad_utf8[4 + 8] = 0xFF;
  refuse(bad_utf8, "id: invalid UTF-8");
}

}  // namespace
}  // namespace wzp::featherchat

#include "wire/signal_message.hpp"

#include <cmath>

#include "wire/framing.hpp"
#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

using test::unhex;

SignalMessage decode_ok(const std::string& text) {
  auto decoded = decode_json(text);
  EXPECT_TRUE(decoded.ok()) << text << "\n" << (decoded.ok() ? "" : decoded.error().message);
  return decoded.ok() ? *decoded : SignalMessage{Hold{}};
}

void expect_rejected(const std::string& text, std::string_view why = {}) {
  auto decoded = decode_json(text);
  ASSERT_FALSE(decoded.ok()) << "accepted: " << text << " (" << why << ")";
  EXPECT_EQ(decoded.error().code, Errc::json) << text;
  EXPECT_FALSE(decoded.error().message.empty());
}

TEST(SignalMessage, VectorsRoundTripByteExact) {
  const auto& vectors = test::wire_vectors().at("signal_messages");
  std::set<std::string> variants_seen;
  for (const auto& v : vectors) {
    const auto text = v.at("json").get<std::string>();
    SCOPED_TRACE(v.at("name").get<std::string>());
    const SignalMessage message = decode_ok(text);
    EXPECT_EQ(variant_name(message), v.at("variant").get<std::string>());
    variants_seen.insert(std::string(variant_name(message)));
    EXPECT_EQ(encode_json(message), text);

    auto framed = frame_signal(message);
    ASSERT_TRUE(framed.ok());
    EXPECT_EQ(to_hex(*framed), v.at("frame_hex").get<std::string>());
    auto from_stream = decode_signal_frame(unhex(v.at("frame_hex")));
    ASSERT_TRUE(from_stream.ok()) << from_stream.error().message;
    EXPECT_EQ(*from_stream, message);
  }
  EXPECT_EQ(variants_seen.size(), std::variant_size_v<SignalMessage>);  // every variant has a vector
}

TEST(SignalMessage, VectorFieldValues) {
  std::map<std::string, SignalMessage> by_name;
  for (const auto& v : test::wire_vectors().at("signal_messages")) {
    by_name.emplace(v.at("name").get<std::string>(), decode_ok(v.at("json")));
  }
  EXPECT_EQ(std::get<Ping>(by_name.at("ping_u64_max")).timestamp_ms, UINT64_MAX);
  EXPECT_EQ(std::get<AuthToken>(by_name.at("auth_token_escapes")).token,
            "q\"b\\s/n\nt\tc\x01"
            "d\x7f\xc3\xa9\xe2\x82\xac");
  EXPECT_FALSE(std::get<Transfer>(by_name.at("transfer_without_relay")).relay_addr.has_value());
  EXPECT_EQ(std::get<Transfer>(by_name.at("transfer_with_relay")).relay_addr, "relay.example.com:4433");
  EXPECT_EQ(std::get<Hangup>(by_name.at("hangup_declined")).reason, HangupReason::declined);
  const auto& offer = std::get<CallOffer>(by_name.at("call_offer_reference_client"));
  EXPECT_EQ(offer.supported_profiles,
            (std::vector<QualityProfile>{kProfileGood, kProfileDegraded, kProfileCatastrophic}));
  EXPECT_EQ(std::get<CallAnswer>(by_name.at("call_answer_simple")).chosen_profile, kProfileCatastrophic);
  EXPECT_EQ(std::get<PresenceUpdate>(by_name.at("presence_update")).fingerprints,
            (std::vector<std::string>{"aabb", "ccdd"}));
}

// The reference offer/answer carry the keys and signatures of handshake_material.
TEST(SignalMessage, HandshakeMaterialMatchesReferenceMessages) {
  const auto& hm = test::wire_vectors().at("handshake_material");
  std::map<std::string, SignalMessage> by_name;
  for (const auto& v : test::wire_vectors().at("signal_messages")) {
    by_name.emplace(v.at("name").get<std::string>(), decode_ok(v.at("json")));
  }
  const auto& offer = std::get<CallOffer>(by_name.at("call_offer_reference_client"));
  EXPECT_EQ(to_hex(offer.identity_pub), hm.at("caller_identity_pub_hex").get<std::string>());
  EXPECT_EQ(to_hex(offer.ephemeral_pub), hm.at("caller_ephemeral_pub_hex").get<std::string>());
  EXPECT_EQ(to_hex(offer.signature), hm.at("offer_signature_hex").get<std::string>());
  const auto& answer = std::get<CallAnswer>(by_name.at("call_answer_reference_relay"));
  EXPECT_EQ(to_hex(answer.identity_pub), hm.at("callee_identity_pub_hex").get<std::string>());
  EXPECT_EQ(to_hex(answer.ephemeral_pub), hm.at("callee_ephemeral_pub_hex").get<std::string>());
  EXPECT_EQ(to_hex(answer.signature), hm.at("answer_signature_hex").get<std::string>());
}

TEST(SignalMessage, HandshakeTranscriptsRoundTrip) {
  for (const auto& t : test::crypto_vectors().at("handshake_transcripts")) {
    SCOPED_TRACE(t.at("name").get<std::string>());
    for (const char* kind : {"call_offer", "call_answer"}) {
      const auto text = t.at(std::string(kind) + "_json").get<std::string>();
      const SignalMessage message = decode_ok(text);
      EXPECT_EQ(encode_json(message), text);
      auto framed = frame_signal(text);
      ASSERT_TRUE(framed.ok());
      EXPECT_EQ(to_hex(*framed), t.at(std::string(kind) + "_frame_hex").get<std::string>());
      auto from_stream = decode_signal_frame(unhex(t.at(std::string(kind) + "_frame_hex")));
      ASSERT_TRUE(from_stream.ok());
      EXPECT_EQ(*from_stream, message);
    }
    const auto offer = std::get<CallOffer>(decode_ok(t.at("call_offer_json")));
    EXPECT_EQ(to_hex(offer.identity_pub), t.at("caller").at("identity_pub_hex").get<std::string>());
    std::vector<QualityProfile> offered;
    for (const auto& name : t.at("offered_profiles")) offered.push_back(test::profile_named(name));
    EXPECT_EQ(offer.supported_profiles, offered);
    const auto answer = std::get<CallAnswer>(decode_ok(t.at("call_answer_json")));
    EXPECT_EQ(to_hex(answer.identity_pub), t.at("callee").at("identity_pub_hex").get<std::string>());
    EXPECT_EQ(answer.chosen_profile, test::profile_named(t.at("chosen_profile")));
    EXPECT_EQ(choose_profile(offer.supported_profiles), answer.chosen_profile);
  }
}

TEST(SignalMessage, AcceptVectors) {
  for (const auto& v : test::wire_vectors().at("signal_decode_accept")) {
    const auto text = v.at("json").get<std::string>();
    SCOPED_TRACE(text);
    const SignalMessage message = decode_ok(text);
    EXPECT_EQ(encode_json(message), v.at("equivalent").get<std::string>());
  }
}

TEST(SignalMessage, RejectVectors) {
  for (const auto& v : test::wire_vectors().at("signal_decode_reject")) {
    expect_rejected(v.at("json"), v.at("why").get<std::string>());
  }
}

TEST(SignalMessage, RejectionMessagesSayWhy) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"Ping":{}})", "missing field `timestamp_ms`"},
      {R"({"Ping":{"timestamp_ms":1,"timestamp_ms":2}})", "duplicate field `timestamp_ms`"},
      {R"({"Unknown":{}})", "unknown variant `Unknown`"},
      {R"("Ping")", "expected struct variant"},
      {R"({"Ping":{"timestamp_ms":-1}})", "Ping.timestamp_ms: invalid type: negative integer"},
      {R"({"Hangup":{"reason":"normal"}})", "unknown variant `normal`"},
      {R"({"AuthToken":{"token":"abc"}} x)", "invalid JSON"},
  };
  for (const auto& [text, expected] : cases) {
    auto decoded = decode_json(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_NE(decoded.error().message.find(expected), std::string::npos)
        << text << " -> " << decoded.error().message;
  }
}

TEST(SignalMessage, TolerantFormsAccepted) {
  // Enum values as single-key objects with null, structs as arrays, nested extras.
  EXPECT_EQ(decode_ok(R"({"Hangup":{"reason":{"Busy":null}}})"), SignalMessage{Hangup{HangupReason::busy}});
  EXPECT_EQ(decode_ok(R"({"Hangup":["Timeout"]})"), SignalMessage{Hangup{HangupReason::timeout}});
  EXPECT_EQ(decode_ok(R"({"Transfer":["x",null]})"), (SignalMessage{Transfer{"x", std::nullopt}}));
  EXPECT_EQ(decode_ok(R"({"Transfer":{"target_fingerprint":"x","relay_addr":null,"extra":[1,{"a":[]}]}})"),
            (SignalMessage{Transfer{"x", std::nullopt}}));
  EXPECT_EQ(decode_ok(R"({"Ping":{"timestamp_ms":1,"x":1,"x":2}})"), SignalMessage{Ping{1}});  // unknown dup
  const auto update =
      decode_ok(R"({"QualityUpdate":{"report":[1,2,3,4],"recommended_profile":{"codec":{"Opus6k":null},)"
                R"("fec_ratio":0.5,"frame_duration_ms":40,"frames_per_block":10,"future":true}}})");
  EXPECT_EQ(update, (SignalMessage{QualityUpdate{QualityReport{1, 2, 3, 4}, kProfileDegraded}}));
  EXPECT_EQ(decode_ok("\t\r\n\"Mute\" \n"), SignalMessage{Mute{}});
  EXPECT_EQ(decode_ok(R"({"Ping":{"timest\u0061mp_ms":7}})"), SignalMessage{Ping{7}});  // escaped key
}

TEST(SignalMessage, FecRatioNumberForms) {
  const auto profile_with = [](const std::string& number) {
    const auto message =
        decode_ok(R"({"CallAnswer":{"identity_pub":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,)"
                  R"(0,0,0,0,0,0,0,0,0,0,0,0],"ephemeral_pub":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,)"
                  R"(0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"signature":[],"chosen_profile":)"
                  R"({"codec":"Opus24k","fec_ratio":)" +
                  number + R"(,"frame_duration_ms":20,"frames_per_block":5}}})");
    return std::get<CallAnswer>(message).chosen_profile.fec_ratio;
  };
  EXPECT_EQ(test::f32_bits(profile_with("0.20000000298023224")), test::f32_bits(0.2f));
  EXPECT_EQ(profile_with("2"), 2.0f);
  EXPECT_EQ(profile_with("-3"), -3.0f);
  EXPECT_TRUE(std::signbit(profile_with("-0")));
  EXPECT_EQ(profile_with("2e-1"), 0.2f);
  EXPECT_EQ(profile_with("3.4028235e+38"), std::numeric_limits<float>::max());
  EXPECT_EQ(profile_with("18446744073709551615"), 18446744073709551615.0f);
  EXPECT_EQ(profile_with("1e-50"), 0.0f);
}

TEST(SignalMessage, HostileInputRejectedCleanly) {
  expect_rejected(R"({"Ping":{"timestamp_ms":18446744073709551616}})", "u64 overflow");
  expect_rejected(R"({"Ping":{"timestamp_ms":1e3}})", "exponent form is a float");
  expect_rejected(R"({"Ping":{"timestamp_ms":-0}})", "-0 is a float to serde");
  expect_rejected(R"({"Ping":{"timestamp_ms":"5"}})", "string for integer");
  expect_rejected(R"({"Ping":{"timestamp_ms":5}})"
                  "\xEF\xBB\xBF",
                  "stray bytes");
  expect_rejected("\xEF\xBB\xBF\"Hold\"", "byte-order mark");
  expect_rejected("{\"AuthToken\":{\"token\":\"\xff\"}}", "invalid UTF-8");
  expect_rejected("{\"AuthToken\":{\"token\":\"\xc0\xaf\"}}", "overlong UTF-8");
  expect_rejected("{\"AuthToken\":{\"token\":\"\xed\xa0\x80\"}}", "UTF-8 surrogate");
  expect_rejected(R"({"AuthToken":{"token":"\ud800"}})", "lone surrogate escape");
  expect_rejected("{\"AuthToken\":{\"token\":\"a\x01\"}}", "raw control character");
  expect_rejected(R"({"AuthToken":{"token":"abc"}}})", "unbalanced");
  expect_rejected("", "empty");
  expect_rejected("   ", "whitespace only");
  expect_rejected(std::string(R"({"AuthToken":{"token":"abc"}})") + '\0', "NUL after the value");
  expect_rejected(R"({"Hold":[]})", "unit variant with a sequence");
  expect_rejected(R"({"Ping":null})", "struct variant with null");
  expect_rejected(R"({})", "no variant key");
  expect_rejected(R"([])", "array at top level");
  expect_rejected(R"(5)", "number at top level");
  expect_rejected(R"(null)", "null at top level");
  expect_rejected(R"({"Ping":[5,6]})", "too many fields in array form");
  expect_rejected(R"({"Transfer":["x"]})", "too few fields in array form");
  expect_rejected(R"({"Hangup":{"reason":{"Busy":1}}})", "unit enum value with content");
  expect_rejected(R"({"Hangup":{"reason":{"Busy":null,"Error":null}}})", "two enum keys");
  expect_rejected(R"({"PresenceUpdate":{"fingerprints":["a",1],"relay_addr":"x"}})",
                  "non-string fingerprint");
  expect_rejected(
      R"({"Rekey":{"new_ephemeral_pub":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,)"
      R"(0,0,0],"signature":[1.0]}})",
      "float byte");
  expect_rejected(
      R"({"QualityUpdate":{"report":{"loss_pct":1,"rtt_4ms":2,"jitter_ms":3,"bitrate_cap_kbps":4},)"
      R"("recommended_profile":{"codec":"Opus24k","fec_ratio":1e39,"frame_duration_ms":20,)"
      R"("frames_per_block":5}}})",
      "fec_ratio beyond binary32");
  expect_rejected(
      R"({"QualityUpdate":{"report":{"loss_pct":1,"rtt_4ms":2,"jitter_ms":3,"bitrate_cap_kbps":4},)"
      R"("recommended_profile":{"codec":"Opus24k","fec_ratio":null,"frame_duration_ms":20,)"
      R"("frames_per_block":5}}})",
      "null fec_ratio (what NaN encodes to)");
}

TEST(SignalMessage, NestingDepthIsLimited) {
  const auto nested = [](size_t depth) {
    return R"({"Ping":{"timestamp_ms":1,"x":)" + std::string(depth, '[') + std::string(depth, ']') + "}}";
  };
  // The message itself uses two levels.
  EXPECT_TRUE(decode_json(nested(json::kMaxDepth - 2)).ok());
  expect_rejected(nested(json::kMaxDepth - 1), "too deep");
  expect_rejected(std::string(100000, '['), "very deep, unterminated");
  expect_rejected(std::string(100000, '[') + std::string(100000, ']'), "very deep");
  expect_rejected(std::string(100000, '{'), "very deep objects");
}

TEST(SignalMessage, EncoderEscapesAndRepairsStrings) {
  std::string all_controls;
  for (char c = 0; c < 0x20; ++c) all_controls += c;
  const std::string text = encode_json(AuthToken{all_controls});
  EXPECT_EQ(
      text,
      R"({"AuthToken":{"token":"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f)"
      R"(\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"}})");
  EXPECT_EQ(std::get<AuthToken>(decode_ok(text)).token, all_controls);

  // Invalid UTF-8 becomes U+FFFD so the output stays valid JSON.
  const std::string repaired = encode_json(AuthToken{"a\xff\xc3(\xed\xa0\x80z\xf4\x90\x80\x80"});
  EXPECT_EQ(std::get<AuthToken>(decode_ok(repaired)).token,
            "a\xEF\xBF\xBD\xEF\xBF\xBD(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz"
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(encode_json(AuthToken{"\xf0\x9f\x98\x80/\x7f"}),
            "{\"AuthToken\":{\"token\":\"\xf0\x9f\x98\x80/\x7f\"}}");
}

TEST(SignalMessage, NonFiniteFecRatioEncodesAsNull) {
  QualityProfile profile = kProfileGood;
  profile.fec_ratio = std::numeric_limits<float>::infinity();
  const std::string text =
      encode_json(CallAnswer{{}, {}, {}, profile, std::nullopt, std::nullopt, std::nullopt});
  EXPECT_NE(text.find("\"fec_ratio\":null"), std::string::npos);
  expect_rejected(text, "null is not a number");
}

// ---- property tests ----

std::string random_utf8(size_t max_len) {
  static const char* const pieces[] = {"a",
                                       "Z",
                                       "0",
                                       " ",
                                       "\"",
                                       "\\",
                                       "/",
                                       "\n",
                                       "\x01",
                                       "\x7f",
                                       "\xc3\xa9",
                                       "\xe2\x82\xac",
                                       "\xf0\x9f\x98\x80",
                                       "\xef\xbf\xbf",
                                       "{",
                                       "]",
                                       "\t"};
  std::string out;
  const size_t n = test::random_below(max_len + 1);
  for (size_t i = 0; i < n; ++i) out += pieces[test::random_below(std::size(pieces))];
  return out;
}

QualityProfile random_profile() {
  float ratio;
  do {
    ratio = std::bit_cast<float>(test::random_int<uint32_t>());
  } while (!std::isfinite(ratio));
  if (test::random_below(2)) ratio = static_cast<float>(test::random_below(200)) / 100.0f;
  return QualityProfile{static_cast<CodecId>(test::random_below(kCodecCount)), ratio,
                        test::random_int<uint8_t>(), test::random_int<uint8_t>()};
}

template <size_t N>
ByteArray<N> random_array() {
  ByteArray<N> out;
  for (auto& b : out) b = test::random_int<uint8_t>();
  return out;
}

SignalMessage random_message() {
  switch (test::random_below(std::variant_size_v<SignalMessage>)) {
    case 0: {
      CallOffer m{random_array<32>(),
                  random_array<32>(),
                  test::random_bytes(test::random_below(80)),
                  {},
                  std::nullopt,
                  std::nullopt,
                  std::nullopt};
      for (size_t i = test::random_below(5); i > 0; --i) m.supported_profiles.push_back(random_profile());
      return m;
    }
    case 1:
      return CallAnswer{random_array<32>(), random_array<32>(), test::random_bytes(64),
                        random_profile(),   std::nullopt,       std::nullopt,
                        std::nullopt};
    case 2: return IceCandidate{random_utf8(40)};
    case 3: return Rekey{random_array<32>(), test::random_bytes(test::random_below(70))};
    case 4:
      return QualityUpdate{QualityReport{test::random_int<uint8_t>(), test::random_int<uint8_t>(),
                                         test::random_int<uint8_t>(), test::random_int<uint8_t>()},
                           random_profile()};
    case 5: return Ping{test::random_int<uint64_t>()};
    case 6: return Pong{test::random_int<uint64_t>() >> test::random_below(64)};
    case 7: return Hangup{static_cast<HangupReason>(test::random_below(5))};
    case 8: return AuthToken{random_utf8(60)};
    case 9: return Hold{};
    case 10: return Unhold{};
    case 11: return Mute{};
    case 12: return Unmute{};
    case 13:
      return Transfer{random_utf8(20),
                      test::random_below(2) ? std::optional<std::string>(random_utf8(20)) : std::nullopt};
    case 14: return TransferAck{};
    default: {
      PresenceUpdate m{{}, random_utf8(25)};
      for (size_t i = test::random_below(6); i > 0; --i) m.fingerprints.push_back(random_utf8(32));
      return m;
    }
  }
}

TEST(SignalMessage, RandomMessagesRoundTrip) {
  for (int i = 0; i < 3000; ++i) {
    const SignalMessage message = random_message();
    const std::string text = encode_json(message);
    auto decoded = decode_json(text);
    ASSERT_TRUE(decoded.ok()) << text << "\n" << decoded.error().message;
    EXPECT_EQ(*decoded, message) << text;
    EXPECT_EQ(encode_json(*decoded), text);
  }
}

// Corrupted JSON: rejected with Errc::json, or accepted as a message whose
// canonical encoding decodes back to the same message.
TEST(SignalMessage, CorruptedJsonNeverCrashesAndStaysConsistent) {
  std::vector<std::string> seeds;
  for (const auto& v : test::wire_vectors().at("signal_messages")) seeds.push_back(v.at("json"));
  for (int i = 0; i < 40; ++i) seeds.push_back(encode_json(random_message()));
  size_t accepted = 0;
  for (const auto& seed : seeds) {
    for (const Bytes& bad : test::corruptions(Bytes(seed.begin(), seed.end()), 48)) {
      auto decoded = decode_json(as_chars(bad));
      if (!decoded.ok()) {
        EXPECT_EQ(decoded.error().code, Errc::json);
        continue;
      }
      ++accepted;
      const std::string canonical = encode_json(*decoded);
      auto again = decode_json(canonical);
      ASSERT_TRUE(again.ok()) << canonical;
      EXPECT_EQ(*again, *decoded);
    }
  }
  EXPECT_GT(accepted, 0u);  // some corruptions (digits, letters in strings) remain valid
}

}  // namespace
}  // namespace wzp::wire

#include "wire/call_payload.hpp"

#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

TEST(CallPayload, VectorsRoundTripByteExact) {
  for (const auto& v : test::wire_vectors().at("featherchat_call_payload")) {
    const auto text = v.at("json").get<std::string>();
    SCOPED_TRACE(text);
    auto decoded = decode_call_payload(text);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(encode_json(*decoded), text);
  }
  auto hold = decode_call_payload(
      test::wire_vectors().at("featherchat_call_payload").at(1).at("json").get<std::string>());
  ASSERT_TRUE(hold.ok());
  EXPECT_EQ(*hold, (CallPayload{Hold{}, std::nullopt, std::nullopt, std::nullopt}));
}

TEST(CallPayload, ToleratesMissingOptionsAndExtraKeys) {
  auto decoded = decode_call_payload(R"({"signal":"Mute","future":{"x":1}})");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, (CallPayload{Mute{}, std::nullopt, std::nullopt, std::nullopt}));
  decoded = decode_call_payload(R"({"room":"r","signal":{"Ping":{"timestamp_ms":3}},"relay_addr":"a:1"})");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, (CallPayload{Ping{3}, "a:1", "r", std::nullopt}));
  EXPECT_EQ(encode_json(*decoded), R"({"signal":{"Ping":{"timestamp_ms":3}},"relay_addr":"a:1","room":"r"})");
}

TEST(CallPayload, CallIdExtensionGoesLastAndOnlyWhenSet) {
  CallPayload p{Hangup{}, std::nullopt, "room-1", "0f8fad5b-d9cb-469f-a165-70867728950e"};
  const auto text = encode_json(p);
  EXPECT_EQ(text, R"({"signal":{"Hangup":{"reason":"Normal"}},"relay_addr":null,"room":"room-1",)"
                  R"("call_id":"0f8fad5b-d9cb-469f-a165-70867728950e"})");
  auto decoded = decode_call_payload(text);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, p);
  decoded = decode_call_payload(R"({"signal":"Hold","call_id":null})");
  ASSERT_TRUE(decoded.ok());
  EXPECT_FALSE(decoded->call_id.has_value());
  decoded = decode_call_payload(R"({"signal":"Hold","call_id":7})");
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("CallPayload.call_id"), std::string::npos)
      << decoded.error().message;
}

TEST(CallPayload, Rejections) {
  for (const char* text :
       {R"({"relay_addr":null,"room":null})", R"({"signal":"Bogus"})", R"({"signal":"Hold","room":5})",
        R"({"signal":"Hold","signal":"Mute"})", R"("Hold")", R"({"signal":"Hold"} {})"}) {
    auto decoded = decode_call_payload(text);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.error().code, Errc::json);
  }
}

}  // namespace
}  // namespace wzp::wire

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
  EXPECT_EQ(*hold, (CallPayload{Hold{}, std::nullopt, std::nullopt}));
}

TEST(CallPayload, ToleratesMissingOptionsAndExtraKeys) {
  auto decoded = decode_call_payload(R"({"signal":"Mute","future":{"x":1}})");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, (CallPayload{Mute{}, std::nullopt, std::nullopt}));
  decoded = decode_call_payload(R"({"room":"r","signal":{"Ping":{"timestamp_ms":3}},"relay_addr":"a:1"})");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, (CallPayload{Ping{3}, "a:1", "r"}));
  EXPECT_EQ(encode_json(*decoded), R"({"signal":{"Ping":{"timestamp_ms":3}},"relay_addr":"a:1","room":"r"})");
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

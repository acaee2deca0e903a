// The missed-call record (FC-7): its 39 bytes, its JSON, call ids, and every malformed form.
#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "featherchat/missed_call.hpp"

namespace wzp::featherchat {
namespace {

crypto::Fingerprint fp(std::string_view text) {
  auto f = crypto::Fingerprint::parse(text);
  EXPECT_TRUE(f.ok());
  return *f;
}

MissedCall sample() {
  return make_missed_call(fp("6871:1211:9cfc:9d6b:0f9f:1c8e:fb64:38b1"),
                          fp("ab1c:0d2e:3f4a:5b6c:7d8e:9fa0:b1c2:d3e4"), 0x6A0B1C2D,
                          "0f8fad5b-d9cb-469f-a165-70867728950e");
}

TEST(MissedCall, ThirtyNineBytesInTheSpecsLayout) {
  const auto bytes = encode(sample());
  EXPECT_EQ(to_hex(bytes),
            "0104"                              // version, type
            "687112119cfc9d6b"                  // caller's first 8 bytes
            "ab1c0d2e3f4a5b6c"                  // callee's first 8 bytes
            "6a0b1c2d"                          // Unix time, big-endian
            "0f8fad5bd9cb469fa16570867728950e"  // the call id's UUID bytes
            "01");                              // audio
  auto back = decode_missed_call(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, sample());
}

TEST(MissedCall, CallIds) {
  // A UUID in any case gives its bytes; anything else a stable SHA-256 prefix.
  EXPECT_EQ(call_id_bytes("0F8FAD5B-D9CB-469F-A165-70867728950E"),
            call_id_bytes("0f8fad5b-d9cb-469f-a165-70867728950e"));
  EXPECT_EQ(call_id_text(call_id_bytes("0f8fad5b-d9cb-469f-a165-70867728950e")),
            "0f8fad5b-d9cb-469f-a165-70867728950e");
  EXPECT_EQ(call_id_bytes("call-123"), call_id_bytes("call-123"));
  EXPECT_NE(call_id_bytes("call-123"), call_id_bytes("call-124"));
  EXPECT_EQ(to_hex(call_id_bytes("call-123")),
            "6c25371237b71c93cf9ddbfc64f1f15f");  // SHA-256's first 16 bytes
  EXPECT_NE(call_id_bytes("0f8fad5b-d9cb-469f-a165-70867728950"),
            call_id_bytes("0f8fad5b-d9cb-469f-a165-70867728950e"));
  EXPECT_NE(call_id_bytes("0f8fad5bxd9cb-469f-a165-70867728950e"),
            call_id_bytes("0f8fad5b-d9cb-469f-a165-70867728950e"));
}

TEST(MissedCall, JsonRoundTrip) {
  MissedCall video = sample();
  video.media = MediaType::video;
  const std::string json = encode_json(video);
  EXPECT_EQ(json, R"({"caller":"687112119cfc9d6b","callee":"ab1c0d2e3f4a5b6c","time":1779113005,)"
                  R"("call_id":"0f8fad5b-d9cb-469f-a165-70867728950e","media":"video"})");
  auto back = decode_missed_call_json(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, video);
}

TEST(MissedCall, RefusesMalformedRecords) {
  const auto good = encode(sample());
  auto refuse = [](ByteView bytes, const std::string& says) {
    auto r = decode_missed_call(bytes);
    ASSERT_FALSE(r.ok()) << says;
    EXPECT_EQ(r.error().code, Errc::malformed);
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  };
  refuse(ByteView(good.data(), 38), "39 bytes, not 38");
  Bytes longer(good.begin(), good.end());
  longer.push_back(0);
  refuse(longer, "39 bytes, not 40");
  auto changed = [&](size_t at, uint8_t value) {
    Bytes b(good.begin(), good.end());
    b[at] = value;
    return b;
  };
  refuse(changed(0, 2), "version 2");
  refuse(changed(1, 3), "record type 3 is not a missed call");
  refuse(changed(38, 0), "media type 0 is unknown");
  refuse(changed(38, 3), "media type 3 is unknown");
}

TEST(MissedCall, RefusesMalformedJson) {
  const std::string base = encode_json(sample());
  auto refuse = [](const std::string& json, const std::string& says) {
    auto r = decode_missed_call_json(json);
    ASSERT_FALSE(r.ok()) << json;
    EXPECT_EQ(r.error().code, Errc::json);
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  };
  refuse("{", "");
  refuse(R"({"caller":"687112119cfc9d6b"})", "callee");
  refuse(
      R"({"caller":"6871","callee":"ab1c0d2e3f4a5b6c","time":1,"call_id":"0f8fad5b-d9cb-469f-a165-70867728950e","media":"audio"})",
      "MissedCall.caller: expected 16 hex digits");
  refuse(
      R"({"caller":"687112119cfc9d6b","callee":"ab1c0d2e3f4a5b6c","time":4294967296,"call_id":"0f8fad5b-d9cb-469f-a165-70867728950e","media":"audio"})",
      "beyond 32 bits");
  refuse(
      R"({"caller":"687112119cfc9d6b","callee":"ab1c0d2e3f4a5b6c","time":-1,"call_id":"0f8fad5b-d9cb-469f-a165-70867728950e","media":"audio"})",
      "MissedCall.time");
  refuse(
      R"({"caller":"687112119cfc9d6b","callee":"ab1c0d2e3f4a5b6c","time":1,"call_id":"call-123","media":"audio"})",
      "not a UUID");
  refuse(
      R"({"caller":"687112119cfc9d6b","callee":"ab1c0d2e3f4a5b6c","time":1,"call_id":"0f8fad5b-d9cb-469f-a165-70867728950e","media":"fax"})",
      "neither audio nor video");
}

}  // namespace
}  // namespace wzp::featherchat

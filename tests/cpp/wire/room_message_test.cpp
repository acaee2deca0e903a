// The room extension's messages (wire/room_message.hpp) and its handshake field.
#include <gtest/gtest.h>

#include "wire/base64.hpp"
#include "wire/room_message.hpp"
#include "wire/signal_message.hpp"

namespace wzp::wire {
namespace {

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    std::string out;
    append_base64(out, bytes_of(plain));
    EXPECT_EQ(out, encoded);
    EXPECT_EQ(out.size(), base64_length(plain.size()));
    auto back = from_base64(encoded, "t");
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, bytes_of(plain));
  }
}

TEST(Base64, StrictDecoding) {
  for (std::string_view bad : {"Zg", "Zg=", "Z===", "====", "Zm9v\n", "Zh==", "Zm9=", "Zm-v", "=Zm9"}) {
    auto r = from_base64(bad, "t");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::json);
  }
}

TEST(RoomMessage, ExactJsonAndRoundTrip) {
  const std::pair<RoomMessage, std::string_view> cases[] = {
      {RoomPeers{{{"ab:cd", std::nullopt}, {"ef", "alice"}}},
       R"({"WzpRoomPeers":{"peers":[{"fingerprint":"ab:cd","alias":null},{"fingerprint":"ef","alias":"alice"}]}})"},
      {PeerJoined{{"ab", "a\"b"}}, R"({"WzpPeerJoined":{"fingerprint":"ab","alias":"a\"b"}})"},
      {PeerLeft{{"ab", std::nullopt}, 0x202, "idle", "no answer"},
       R"({"WzpPeerLeft":{"fingerprint":"ab","alias":null,"code":514,"origin":"idle","reason":"no answer"}})"},
      {PeerSignal{std::nullopt, "ab", Bytes{0, 1, 255}},
       R"({"WzpPeerSignal":{"from":null,"to":"ab","data":"AAH/"}})"},
      {PeerSignal{"ab", std::nullopt, {}}, R"({"WzpPeerSignal":{"from":"ab","to":null,"data":""}})"},
  };
  for (const auto& [message, text] : cases) {
    EXPECT_EQ(encode_json(message), text);
    auto value = json::parse(text);
    ASSERT_TRUE(value.ok());
    EXPECT_TRUE(is_room_message(*value));
    auto decoded = decode_room_message(*value);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, message);
  }
}

TEST(RoomMessage, OtherMessagesAreNotRoomMessages) {
  for (std::string_view text :
       {R"({"Hangup":{"reason":"Normal"}})", R"("Hold")", R"({"WzpPeerSignal":{},"x":1})", R"([1])"}) {
    auto value = json::parse(text);
    ASSERT_TRUE(value.ok());
    EXPECT_FALSE(is_room_message(*value)) << text;
  }
}

TEST(RoomMessage, MalformedOnesAreErrors) {
  for (std::string_view text : {R"({"WzpPeerSignal":{"to":"ab"}})", R"({"WzpPeerSignal":{"data":"***"}})",
                                R"({"WzpPeerLeft":{"fingerprint":"ab","code":-1,"origin":"x","reason":""}})",
                                R"({"WzpRoomPeers":{"peers":{}}})", R"({"WzpPeerJoined":{"alias":"x"}})"}) {
    auto value = json::parse(text);
    ASSERT_TRUE(value.ok());
    auto decoded = decode_room_message(*value);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.error().code, Errc::json);
  }
}

TEST(RoomMessage, TheLargestPeerSignalFitsTheRelaysJoinedSignalLimit) {
  PeerSignal largest{std::nullopt, std::string(39, 'f'), Bytes(kMaxPeerSignalBytes, 0xff)};
  EXPECT_LE(encode_json(largest).size(), 16u * 1024);
}

TEST(RoomMessage, HandshakeFieldIsEmittedLastAndReadBack) {
  CallAnswer answer;
  answer.signature = Bytes(64);
  answer.media_session_version = 2;
  answer.peers_version = kRoomPeersVersion;
  std::string text = encode_json(SignalMessage(answer));
  EXPECT_NE(text.find(R"("wzp_media_session":2,"wzp_peers":1}})"), std::string::npos) << text;
  auto decoded = decode_json(text);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<CallAnswer>(*decoded).peers_version, kRoomPeersVersion);
  // Absent: not emitted, not set.
  answer.peers_version.reset();
  text = encode_json(SignalMessage(answer));
  EXPECT_EQ(text.find("wzp_peers"), std::string::npos);
  EXPECT_FALSE(std::get<CallAnswer>(*decode_json(text)).peers_version.has_value());
}

}  // namespace
}  // namespace wzp::wire

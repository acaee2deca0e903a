#include "wire/sni.hpp"

#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

// The hash itself belongs to the crypto layer; here: the SNI forms.
TEST(Sni, VectorNamesAreValidLowercaseHex) {
  const auto& sni = test::wire_vectors().at("sni");
  for (const auto& room : sni.at("rooms")) {
    const auto name = room.at("sni").get<std::string>();
    EXPECT_EQ(name.size(), 2 * kRoomSniDigestBytes);
    EXPECT_TRUE(is_valid_sni(name)) << name;
    EXPECT_EQ(room_from_sni(name), name);  // already lowercase
    // The SNI is the hex of the digest prefix: rebuild it from its bytes plus filler.
    Bytes digest = test::unhex(name);
    digest.resize(32, 0xEE);
    EXPECT_EQ(room_sni_from_digest(digest), name);
  }
  std::map<std::string, std::string_view> special{
      {"default", kSniDefaultRoom}, {"_probe", kSniProbe}, {"localhost", kSniForward}};
  for (const auto& s : sni.at("special")) {
    const auto name = s.at("sni").get<std::string>();
    ASSERT_TRUE(special.count(name)) << name;
    EXPECT_TRUE(is_valid_sni(name));
  }
  EXPECT_EQ(room_sni_from_digest(Bytes(15, 0)), "");
}

TEST(Sni, DnsNameRules) {
  EXPECT_TRUE(is_valid_sni("a"));
  EXPECT_TRUE(is_valid_sni("my-room.example_1.com"));
  EXPECT_TRUE(is_valid_sni(std::string(63, 'a')));
  EXPECT_FALSE(is_valid_sni(std::string(64, 'a')));
  EXPECT_TRUE(is_valid_sni(std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') +
                           "." + std::string(61, 'd')));  // 253 bytes
  EXPECT_FALSE(is_valid_sni(std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') +
                            "." + std::string(62, 'd')));  // 254 bytes
  EXPECT_FALSE(is_valid_sni(""));
  EXPECT_FALSE(is_valid_sni("-room"));
  EXPECT_FALSE(is_valid_sni("room-"));
  EXPECT_FALSE(is_valid_sni("a..b"));
  EXPECT_FALSE(is_valid_sni("a."));
  EXPECT_FALSE(is_valid_sni("room name"));
  EXPECT_FALSE(is_valid_sni("r\xc3\xbcm"));
  EXPECT_FALSE(is_valid_sni("12345678901234567890123456789012"));  // all-digit last label
  EXPECT_FALSE(is_valid_sni("abc.123"));
  EXPECT_TRUE(is_valid_sni("123.abc"));
}

TEST(Sni, RoomFromSni) {
  EXPECT_EQ(room_from_sni(std::nullopt), "default");
  EXPECT_EQ(room_from_sni(""), "default");
  EXPECT_EQ(room_from_sni("192.0.2.1"), "default");
  EXPECT_EQ(room_from_sni("::1"), "default");
  EXPECT_EQ(room_from_sni("MyRoom"), "myroom");
  EXPECT_EQ(room_from_sni("_probe"), "_probe");
}

}  // namespace
}  // namespace wzp::wire

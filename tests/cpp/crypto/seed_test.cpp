#include <cctype>

#include "crypto/seed.hpp"
#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

TEST(Seed, HexParseVectors) {
  for (const auto& v : section("seed_hex_parse")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    auto seed = Seed::from_hex(v.at("input").get<std::string>());
    ASSERT_EQ(seed.ok(), v.at("ok").get<bool>());
    if (seed.ok()) {
      EXPECT_EQ(seed->to_hex(), v.at("seed_hex").get<std::string>());
    } else {
      EXPECT_EQ(seed.error().message, v.at("error").get<std::string>());
      const bool length_error = seed.error().message.starts_with("expected 32 bytes");
      EXPECT_EQ(seed.error().code, length_error ? Errc::invalid_length : Errc::invalid_hex);
    }
  }
}

TEST(Seed, NonAsciiHexCharacterShownLikeTheReference) {
  // The reference formats the offending byte as a Rust char (byte value = code point).
  auto e_acute = Seed::from_hex(
      "\xe9"
      "0");
  ASSERT_FALSE(e_acute.ok());
  EXPECT_EQ(e_acute.error().message, "invalid hex: Invalid character '\xc3\xa9' at position 0");
  auto nbsp = Seed::from_hex("0\xa0");
  ASSERT_FALSE(nbsp.ok());
  EXPECT_EQ(nbsp.error().message, "invalid hex: Invalid character '\\u{a0}' at position 1");
  auto control = Seed::from_hex(
      "\x01"
      "0");
  ASSERT_FALSE(control.ok());
  EXPECT_EQ(control.error().message, "invalid hex: Invalid character '\\u{1}' at position 0");
  auto c1 = Seed::from_hex(
      "\x85"
      "0");
  ASSERT_FALSE(c1.ok());
  EXPECT_EQ(c1.error().message, "invalid hex: Invalid character '\\u{85}' at position 0");
}

TEST(Seed, FromBytesChecksLength) {
  const Bytes ok(32, 7);
  EXPECT_TRUE(Seed::from_bytes(ok).ok());
  auto short_seed = Seed::from_bytes(Bytes(31, 7));
  ASSERT_FALSE(short_seed.ok());
  EXPECT_EQ(short_seed.error().code, Errc::invalid_length);
  EXPECT_EQ(short_seed.error().message, "expected 32 bytes, got 31");
}

TEST(Seed, RandomSeedsDifferAndRoundTripThroughHexAndMnemonic) {
  for (int i = 0; i < 200; ++i) {
    const Seed seed = Seed::random();
    auto from_hex = Seed::from_hex(seed.to_hex());
    ASSERT_TRUE(from_hex.ok());
    EXPECT_TRUE(*from_hex == seed);
    auto from_words = Seed::from_mnemonic(seed.to_mnemonic());
    ASSERT_TRUE(from_words.ok()) << from_words.error().message;
    EXPECT_TRUE(*from_words == seed);
  }
  EXPECT_FALSE(Seed::random() == Seed::random());
}

TEST(Seed, UppercaseHexRoundTrip) {
  const Seed seed = Seed::random();
  std::string upper = seed.to_hex();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto parsed = Seed::from_hex(upper);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(*parsed == seed);
}

TEST(Secret, MoveWipesTheSource) {
  auto a = *Secret<32>::from(Bytes(32, 0x5a));
  Secret<32> b(std::move(a));
  EXPECT_EQ(hex(b.view()), hex(Bytes(32, 0x5a)));
  EXPECT_EQ(hex(a.view()), std::string(64, '0'));  // NOLINT(bugprone-use-after-move): wiped on move
  Secret<32> c;
  c = std::move(b);
  EXPECT_EQ(hex(b.view()), std::string(64, '0'));  // NOLINT(bugprone-use-after-move)
  EXPECT_FALSE(Secret<32>::from(Bytes(31)).has_value());
}

}  // namespace
}  // namespace wzp::crypto::test

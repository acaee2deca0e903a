#include "crypto/fingerprint.hpp"

#include "crypto/identity.hpp"
#include "crypto/sha256.hpp"
#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

TEST(Fingerprint, ParseVectors) {
  for (const auto& v : section("fingerprint_parse")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    auto fp = Fingerprint::parse(v.at("input").get<std::string>());
    ASSERT_EQ(fp.ok(), v.at("ok").get<bool>());
    if (fp.ok()) {
      EXPECT_EQ(fp->to_hex(), v.at("fingerprint_hex").get<std::string>());
      EXPECT_EQ(fp->to_display(), v.at("display").get<std::string>());
    } else {
      EXPECT_EQ(fp.error().message, v.at("error").get<std::string>());
      EXPECT_EQ(fp.error().code, fp.error().message == "fingerprint too short" ? Errc::fingerprint_too_short
                                                                               : Errc::invalid_hex);
    }
  }
}

TEST(Fingerprint, IsTheFirst16BytesOfSha256OfThePublicKey) {
  const auto id = Identity::from_seed(Seed::random());
  const auto hash = sha256(id.public_key());
  EXPECT_EQ(id.fingerprint().to_hex(), hex(ByteView(hash).first(16)));
}

TEST(Fingerprint, DisplayFormatAndRoundTrip) {
  for (int i = 0; i < 50; ++i) {
    const auto fp = Identity::from_seed(Seed::random()).fingerprint();
    const std::string display = fp.to_display();
    ASSERT_EQ(display.size(), 39U);
    EXPECT_EQ(std::count(display.begin(), display.end(), ':'), 7);
    for (size_t k = 4; k < display.size(); k += 5) EXPECT_EQ(display[k], ':');
    auto parsed = Fingerprint::parse(display);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, fp);
    auto parsed_hex = Fingerprint::parse(fp.to_hex());
    ASSERT_TRUE(parsed_hex.ok());
    EXPECT_EQ(*parsed_hex, fp);
  }
}

TEST(Fingerprint, NonAsciiCharactersAreDropped) {
  auto fp = Fingerprint::parse(
      "\xc3\xa9"
      "6871:1211:0e91:ecb3:09f6:6f51:d257:ccaa\xff");
  ASSERT_TRUE(fp.ok());
  EXPECT_EQ(fp->to_hex(), "687112110e91ecb309f66f51d257ccaa");
}

}  // namespace
}  // namespace wzp::crypto::test

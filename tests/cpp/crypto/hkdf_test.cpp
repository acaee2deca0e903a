#include "crypto/hkdf.hpp"

#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

// RFC 5869 appendix A.1 (basic test case with SHA-256).
TEST(Hkdf, Rfc5869TestCase1) {
  const Bytes ikm(22, 0x0b);
  const Bytes salt = unhex("000102030405060708090a0b0c");
  const Bytes info = unhex("f0f1f2f3f4f5f6f7f8f9");
  const auto prk = hkdf::extract(salt, ikm);
  EXPECT_EQ(hex(prk.view()), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  Bytes okm(42);
  ASSERT_TRUE(hkdf::expand(prk, info, okm).ok());
  EXPECT_EQ(hex(okm), "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(Hkdf, ExpandLimits) {
  const auto prk = hkdf::extract({}, bytes_of("ikm"));
  Bytes too_long(hkdf::kMaxOutput + 1);
  EXPECT_EQ(hkdf::expand(prk, {}, too_long).error().code, Errc::invalid_argument);
  Bytes longest(hkdf::kMaxOutput);
  EXPECT_TRUE(hkdf::expand(prk, {}, longest).ok());
  // The first block of a long expand is the 32-byte expand.
  EXPECT_EQ(hex(ByteView(longest).first(32)), hex(hkdf::expand32(prk, "").view()));
}

}  // namespace
}  // namespace wzp::crypto::test

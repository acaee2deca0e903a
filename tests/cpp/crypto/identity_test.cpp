#include "crypto/identity.hpp"

#include "crypto/hkdf.hpp"
#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

TEST(Identity, DerivationVectors) {
  for (const auto& v : section("identity")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    auto seed = Seed::from_hex(v.at("seed_hex").get<std::string>());
    ASSERT_TRUE(seed.ok());
    // Intermediate HKDF values.
    const auto prk = hkdf::extract({}, seed->bytes());
    EXPECT_EQ(hex(prk.view()), v.at("hkdf_prk_hex").get<std::string>());
    EXPECT_EQ(hex(hkdf::expand32(prk, kEd25519Info).view()), v.at("ed25519_seed_hex").get<std::string>());
    // A 32-zero-byte salt is the same as no salt.
    EXPECT_EQ(hex(hkdf::extract(Bytes(32, 0), seed->bytes()).view()),
              v.at("hkdf_prk_hex").get<std::string>());

    const auto id = Identity::from_seed(*seed);
    EXPECT_EQ(hex(id.public_key()), v.at("ed25519_public_hex").get<std::string>());
    EXPECT_EQ(hex(id.ed25519_secret_key().view()), v.at("libsodium_ed25519_sk_hex").get<std::string>());
    EXPECT_EQ(hex(id.ed25519_secret_key().view().first(32)), v.at("ed25519_seed_hex").get<std::string>());
    EXPECT_EQ(hex(id.x25519_secret().view()), v.at("x25519_secret_hex").get<std::string>());
    EXPECT_EQ(hex(id.x25519_public_key()), v.at("x25519_public_hex").get<std::string>());
    // Pre-clamping the secret gives the same public key.
    const auto clamped = unhex_secret<32>(v.at("x25519_secret_clamped_hex"));
    EXPECT_EQ(hex(x25519_public(clamped)), v.at("x25519_public_hex").get<std::string>());
    EXPECT_EQ(id.fingerprint().to_hex(), v.at("fingerprint_hex").get<std::string>());
    EXPECT_EQ(id.fingerprint().to_display(), v.at("fingerprint_display").get<std::string>());
    EXPECT_TRUE(v.at("used_in_tests").is_array());
  }
}

TEST(Identity, DerivationIsDeterministicAndSeedsDiffer) {
  const Seed seed = Seed::random();
  EXPECT_EQ(Identity::from_seed(seed).public_key(), Identity::from_seed(seed).public_key());
  EXPECT_NE(Identity::from_seed(seed).public_key(), Identity::from_seed(Seed::random()).public_key());
}

TEST(Identity, SignatureVectors) {
  for (const auto& v : section("signatures")) {
    SCOPED_TRACE(v.at("message_label").get<std::string>());
    auto seed = Seed::from_hex(v.at("seed_hex").get<std::string>());
    ASSERT_TRUE(seed.ok());
    const auto id = Identity::from_seed(*seed);
    EXPECT_EQ(hex(id.public_key()), v.at("ed25519_public_hex").get<std::string>());
    const Bytes message = unhex(v.at("message_hex"));
    const auto sig = id.sign(message);
    EXPECT_EQ(hex(sig), v.at("signature_hex").get<std::string>());
    EXPECT_TRUE(verify(id.public_key(), message, sig));
  }
}

TEST(Identity, VerifyCases) {
  for (const auto& v : section("verify_cases")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const bool accepted =
        verify(unhex(v.at("public_hex")), unhex(v.at("message_hex")), unhex(v.at("signature_hex")));
    EXPECT_EQ(accepted, v.at("libsodium_accepts").get<bool>());
  }
}

TEST(Identity, VerifyRejectsWrongDataKeyAndLengths) {
  const auto a = Identity::from_seed(Seed::random());
  const auto b = Identity::from_seed(Seed::random());
  const auto sig = a.sign(bytes_of("correct data"));
  EXPECT_TRUE(verify(a.public_key(), bytes_of("correct data"), sig));
  EXPECT_FALSE(verify(a.public_key(), bytes_of("wrong data"), sig));
  EXPECT_FALSE(verify(b.public_key(), bytes_of("correct data"), sig));
  EXPECT_FALSE(verify(ByteView(a.public_key()).first(31), bytes_of("correct data"), sig));
  EXPECT_FALSE(verify(a.public_key(), bytes_of("correct data"), ByteView(sig).first(63)));
}

}  // namespace
}  // namespace wzp::crypto::test

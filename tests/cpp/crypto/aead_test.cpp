#include "crypto/aead.hpp"

#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

TEST(Aead, Vectors) {
  for (const auto& v : section("aead")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const auto key = unhex_secret<32>(v.at("key_hex"));
    const auto nonce = unhex_array<12>(v.at("nonce_hex"));
    if (v.contains("session_id_hex")) {
      EXPECT_EQ(hex(session_id_of(key)), v.at("session_id_hex").get<std::string>());
      EXPECT_EQ(hex(ByteView(nonce).first(4)), v.at("session_id_hex").get<std::string>());
    }
    const Bytes aad = unhex(v.at("aad_hex"));
    Bytes sealed = {0xee};  // appends after existing bytes
    aead::seal_append(key, nonce, aad, unhex(v.at("plaintext_hex")), sealed);
    EXPECT_EQ(hex(ByteView(sealed).subspan(1)), v.at("ciphertext_and_tag_hex").get<std::string>());
    Bytes opened;
    ASSERT_TRUE(aead::open_append(key, nonce, aad, ByteView(sealed).subspan(1), opened).ok());
    EXPECT_EQ(hex(opened), v.at("plaintext_hex").get<std::string>());
  }
}

TEST(Aead, RejectsTamperingAndShortInput) {
  const auto key = *Secret<32>::from(Bytes(32, 1));
  const Nonce nonce{};
  Bytes sealed;
  aead::seal_append(key, nonce, bytes_of("aad"), bytes_of("payload"), sealed);
  for (size_t i = 0; i < sealed.size() * 8; ++i) {
    Bytes bad = sealed;
    bad[i / 8] ^= static_cast<uint8_t>(1U << (i % 8));
    Bytes out = {9};
    auto r = aead::open_append(key, nonce, bytes_of("aad"), bad, out);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::decrypt_failed);
    EXPECT_EQ(r.error().message, "decryption failed (bad key or tampered data)");
    EXPECT_EQ(out, Bytes{9});  // unchanged on failure
  }
  Bytes out;
  EXPECT_FALSE(aead::open_append(key, nonce, bytes_of("aad"), ByteView(sealed).first(15), out).ok());
  EXPECT_FALSE(aead::open_append(key, nonce, bytes_of("aaD"), sealed, out).ok());
}

}  // namespace
}  // namespace wzp::crypto::test

#include "crypto/x25519.hpp"

#include "crypto/session_key.hpp"
#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

TEST(X25519, EdgeCases) {
  for (const auto& v : section("x25519_edge_cases")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const auto secret = unhex_secret<32>(v.at("our_secret_hex"));
    auto shared = x25519(secret, unhex_array<32>(v.at("peer_public_hex")));
    const int rc = v.at("libsodium_rc").get<int>();
    ASSERT_EQ(shared.ok(), rc == 0);
    if (shared.ok()) {
      EXPECT_EQ(hex(shared->view()), v.at("original_shared_hex").get<std::string>());
    } else {
      EXPECT_EQ(shared.error().code, Errc::weak_key);
      // What the reference would have derived from the all-zero secret.
      if (v.contains("original_session_key_hex")) {
        const auto zero_shared = unhex_secret<32>(v.at("original_shared_hex"));
        EXPECT_EQ(hex(SessionKey::from_shared_secret(zero_shared).key().view()),
                  v.at("original_session_key_hex").get<std::string>());
      }
    }
  }
}

TEST(X25519, EphemeralPairsAgree) {
  const auto a = EphemeralKeyPair::generate();
  const auto b = EphemeralKeyPair::generate();
  EXPECT_NE(a.public_key, b.public_key);
  auto ab = x25519(a.secret, b.public_key);
  auto ba = x25519(b.secret, a.public_key);
  ASSERT_TRUE(ab.ok() && ba.ok());
  EXPECT_TRUE(*ab == *ba);
}

}  // namespace
}  // namespace wzp::crypto::test

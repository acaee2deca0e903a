#include "crypto/nonce.hpp"

#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

TEST(Nonce, ReferenceLayoutVectors) {
  for (const auto& v : section("nonces")) {
    const auto dir = v.at("direction").get<int>() == 0 ? NonceDirection::send : NonceDirection::recv;
    EXPECT_EQ(hex(reference_nonce(unhex_array<4>(v.at("session_id_hex")), v.at("seq").get<uint32_t>(), dir)),
              v.at("nonce_hex").get<std::string>());
  }
}

TEST(Nonce, IndexedLayout) {
  EXPECT_EQ(hex(indexed_nonce({0xaa, 0xbb, 0xcc, 0xdd}, 0x0102030405060708ULL)), "aabbccdd0102030405060708");
  EXPECT_NE(indexed_nonce({1, 2, 3, 4}, 1), indexed_nonce({1, 2, 3, 4}, 1ULL << 32 | 1));
}

}  // namespace
}  // namespace wzp::crypto::test

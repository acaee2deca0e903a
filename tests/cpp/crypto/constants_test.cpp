// The constants of the vector file against the library's, plus the provenance
// fields (informational).
#include "crypto/aead.hpp"
#include "crypto/anti_replay.hpp"
#include "crypto/handshake.hpp"
#include "crypto/identity.hpp"
#include "crypto/rekey.hpp"
#include "crypto/room_hash.hpp"
#include "crypto/session_key.hpp"
#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

TEST(Constants, MatchTheVectorFile) {
  const auto& c = vectors().at("constants");
  EXPECT_EQ(vectors().at("schema_version").get<int>(), 1);
  EXPECT_EQ(c.at("hkdf_info_ed25519").get<std::string>(), kEd25519Info);
  EXPECT_EQ(c.at("hkdf_info_x25519").get<std::string>(), kX25519Info);
  EXPECT_EQ(c.at("hkdf_info_session_key").get<std::string>(), kSessionKeyInfo);
  EXPECT_EQ(c.at("hkdf_info_rekey").get<std::string>(), kRekeyInfo);
  EXPECT_EQ(c.at("offer_context").get<std::string>(), kOfferLabel);
  EXPECT_EQ(c.at("answer_context").get<std::string>(), kAnswerLabel);
  EXPECT_EQ(c.at("room_hash_prefix").get<std::string>(), kRoomHashPrefix);
  EXPECT_EQ(c.at("anti_replay_window").get<uint64_t>(), kReplayWindowSize);
  EXPECT_EQ(c.at("rekey_interval_packets").get<uint64_t>(), kRekeyIntervalPackets);
  EXPECT_EQ(c.at("aead_tag_bytes").get<size_t>(), aead::kTagSize);
}

TEST(Constants, CrossChecksAreInformational) {
  const auto& x = vectors().at("cross_checks");
  std::cout << "vectors cross-checked against libsodium " << x.at("libsodium_version").get<std::string>()
            << " (" << x.at("libsodium_checks_passed").get<int>() << " checks); running libsodium "
            << sodium_version_string() << "\n";
  SUCCEED();
}

}  // namespace
}  // namespace wzp::crypto::test

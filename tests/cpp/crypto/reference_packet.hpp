// Checks one known-answer packet against a pair of ReferenceSessions.
#pragma once

#include "crypto/nonce.hpp"
#include "crypto/reference_session.hpp"
#include "vectors.hpp"

namespace wzp::crypto::test {

/// `p` has header_hex, plaintext_hex, nonce_hex and ciphertext_and_tag_hex:
/// `sender` must produce exactly that nonce and ciphertext, `receiver` must open it.
inline void expect_reference_packet(ReferenceSession& sender, ReferenceSession& receiver,
                                    const nlohmann::json& p) {
  EXPECT_EQ(hex(reference_nonce(sender.session_id(), sender.send_counter(), NonceDirection::send)),
            p.at("nonce_hex").get<std::string>());
  const Bytes header = unhex(p.at("header_hex"));
  auto sealed = sender.encrypt(header, unhex(p.at("plaintext_hex")));
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(hex(*sealed), p.at("ciphertext_and_tag_hex").get<std::string>());
  auto opened = receiver.decrypt(header, *sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(hex(*opened), p.at("plaintext_hex").get<std::string>());
}

}  // namespace wzp::crypto::test

#include "crypto/reference_session.hpp"

#include "reference_packet.hpp"

namespace wzp::crypto::test {
namespace {

SessionKey key_of(const nlohmann::json& hex_value) {
  return SessionKey::from_bytes(unhex(hex_value)).value();
}

TEST(ReferenceSession, StreamVectors) {
  for (const auto& s : section("session_streams")) {
    SCOPED_TRACE(s.at("name").get<std::string>());
    const SessionKey key = key_of(s.at("key_hex"));
    EXPECT_EQ(hex(key.session_id()), s.at("session_id_hex").get<std::string>());
    ReferenceSession sender(key);
    ReferenceSession receiver(key);
    for (const auto& p : s.at("packets")) {
      ASSERT_EQ(sender.send_counter(), p.at("seq").get<uint32_t>());
      expect_reference_packet(sender, receiver, p);
    }
  }
}

TEST(ReferenceSession, WrongAadOrKeyFailsAndKeepsTheCounter) {
  const SessionKey key = SessionKey::from_bytes(Bytes(32, 0x42)).value();
  ReferenceSession a(key);
  ReferenceSession b(key);
  auto sealed = a.encrypt(bytes_of("correct-header"), bytes_of("secret data"));
  ASSERT_TRUE(sealed.ok());
  auto wrong = b.decrypt(bytes_of("wrong-header"), *sealed);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::decrypt_failed);
  EXPECT_EQ(wrong.error().message, "decryption failed (bad key or tampered data)");
  EXPECT_EQ(b.recv_counter(), 0U);
  EXPECT_TRUE(b.decrypt(bytes_of("correct-header"), *sealed).ok());
  EXPECT_EQ(b.recv_counter(), 1U);

  ReferenceSession other(SessionKey::from_bytes(Bytes(32, 0xbb)).value());
  auto c = ReferenceSession(SessionKey::from_bytes(Bytes(32, 0xaa)).value())
               .encrypt(bytes_of("hdr"), bytes_of("x"));
  EXPECT_FALSE(other.decrypt(bytes_of("hdr"), *c).ok());
}

TEST(ReferenceSession, HundredPacketsInOrder) {
  const SessionKey key = SessionKey::from_bytes(Bytes(32, 0x42)).value();
  ReferenceSession a(key);
  ReferenceSession b(key);
  for (int i = 0; i < 100; ++i) {
    const std::string msg = "message " + std::to_string(i);
    auto sealed = a.encrypt(bytes_of("hdr"), bytes_of(msg));
    ASSERT_TRUE(sealed.ok());
    auto opened = b.decrypt(bytes_of("hdr"), *sealed);
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(*opened, bytes_of(msg));
  }
}

TEST(ReferenceSession, RekeyVectors) {
  for (const auto& r : section("rekey")) {
    SCOPED_TRACE(r.at("name").get<std::string>());
    const auto a_secret = unhex_secret<32>(r.at("side_a_new_secret_hex"));
    const auto b_secret = unhex_secret<32>(r.at("side_b_new_secret_hex"));
    auto shared = x25519(a_secret, unhex_array<32>(r.at("side_b_new_pub_hex")));
    ASSERT_TRUE(shared.ok());
    EXPECT_EQ(hex(shared->view()), r.at("x25519_shared_hex").get<std::string>());

    // The manager on its own.
    RekeyManager manager(unhex_secret<32>(r.at("old_key_hex")));
    EXPECT_EQ(hex(manager.initiate(a_secret)), r.at("side_a_new_pub_hex").get<std::string>());
    auto new_key = manager.complete(unhex_array<32>(r.at("side_b_new_pub_hex")), 0);
    ASSERT_TRUE(new_key.ok());
    EXPECT_EQ(hex(new_key->view()), r.at("new_key_hex").get<std::string>());
    EXPECT_EQ(hex(manager.current_key().view()), r.at("new_key_hex").get<std::string>());

    // Two sessions that exchanged some traffic, then rekey symmetrically.
    const SessionKey old_key = key_of(r.at("old_key_hex"));
    ReferenceSession a(old_key);
    ReferenceSession b(old_key);
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(b.decrypt(bytes_of("h"), *a.encrypt(bytes_of("h"), bytes_of("p"))).ok());
    const auto a_pub = a.initiate_rekey(a_secret);
    const auto b_pub = b.initiate_rekey(b_secret);
    EXPECT_EQ(hex(a_pub), r.at("side_a_new_pub_hex").get<std::string>());
    EXPECT_EQ(hex(b_pub), r.at("side_b_new_pub_hex").get<std::string>());
    ASSERT_TRUE(a.complete_rekey(b_pub).ok());
    ASSERT_TRUE(b.complete_rekey(a_pub).ok());
    EXPECT_EQ(hex(a.session_id()), r.at("new_session_id_hex").get<std::string>());
    EXPECT_EQ(hex(b.session_id()), r.at("new_session_id_hex").get<std::string>());
    EXPECT_EQ(a.send_counter(), 0U);
    EXPECT_EQ(a.recv_counter(), 0U);
    EXPECT_EQ(a.last_rekey_at(), 3U);  // send + receive counters before the reset
    EXPECT_EQ(b.last_rekey_at(), 3U);

    if (r.contains("first_packet_after_rekey")) {
      expect_reference_packet(a, b, r.at("first_packet_after_rekey"));
    }
  }
}

TEST(ReferenceSession, RekeyErrors) {
  ReferenceSession s(SessionKey::from_bytes(Bytes(32, 0xbb)).value());
  auto no_pending = s.complete_rekey(X25519Public{9});
  ASSERT_FALSE(no_pending.ok());
  EXPECT_EQ(no_pending.error().code, Errc::rekey_failed);
  EXPECT_EQ(no_pending.error().message, "rekey failed: no pending rekey");
  const auto pub = s.initiate_rekey();
  EXPECT_NE(pub, X25519Public{});
  auto weak = s.complete_rekey(X25519Public{});
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().code, Errc::weak_key);
  // Random rekey changes the key.
  const auto before = s.session_id();
  ASSERT_TRUE(s.complete_rekey(EphemeralKeyPair::generate().public_key).ok());
  EXPECT_NE(s.session_id(), before);
}

TEST(ReferenceSession, ShouldRekeyVectors) {
  for (const auto& v : section("should_rekey")) {
    RekeyManager m(*Secret<32>::from(Bytes(32, 1)));
    m.initiate();
    ASSERT_TRUE(
        m.complete(EphemeralKeyPair::generate().public_key, v.at("last_rekey_at").get<uint64_t>()).ok());
    EXPECT_EQ(m.should_rekey(v.at("packet_count").get<uint64_t>()), v.at("should_rekey").get<bool>())
        << v.dump();
  }
  ReferenceSession fresh(SessionKey::from_bytes(Bytes(32, 1)).value());
  EXPECT_FALSE(fresh.should_rekey(65535));
  EXPECT_TRUE(fresh.should_rekey(65536));
}

}  // namespace
}  // namespace wzp::crypto::test

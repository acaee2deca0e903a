// crypto.json nonce, AEAD, session stream, rekey and anti-replay vectors through the C ABI.
#include "capi/capi_test.hpp"

namespace wzp_capi_test {
namespace {

TEST(CapiSession, ReferenceNonces) {
  for (const auto& v : crypto_section("nonces")) {
    const Bytes sid = unhex(v.at("session_id_hex"));
    uint8_t nonce[12];
    ASSERT_WZP_OK(wzp_reference_nonce(sid.data(), v.at("seq").get<uint32_t>(),
                                      v.at("direction").get<uint8_t>(), nonce));
    EXPECT_EQ(hex(nonce), v.at("nonce_hex").get<std::string>());
  }
  uint8_t sid[4] = {1, 2, 3, 4}, nonce[12];
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_reference_nonce(sid, 0, 2, nonce));
}

TEST(CapiSession, RawAead) {
  for (const auto& v : crypto_section("aead")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const Bytes key = unhex(v.at("key_hex")), nonce = unhex(v.at("nonce_hex"));
    const Bytes aad = unhex(v.at("aad_hex")), pt = unhex(v.at("plaintext_hex"));
    const Bytes expected = unhex(v.at("ciphertext_and_tag_hex"));
    if (v.contains("session_id_hex")) {
      // The nonce is the reference nonce of that session id.
      uint8_t built[12];
      const uint32_t counter =
          static_cast<uint32_t>(nonce[4]) << 24 | nonce[5] << 16 | nonce[6] << 8 | nonce[7];
      ASSERT_WZP_OK(wzp_reference_nonce(unhex(v.at("session_id_hex")).data(), counter, nonce[8], built));
      EXPECT_EQ(hex(built), hex(nonce));
    }

    Bytes ct(pt.size() + WZP_AEAD_TAG_BYTES);
    size_t n = 0;
    ASSERT_WZP_OK(wzp_aead_seal(key.data(), nonce.data(), aad.data(), aad.size(), pt.data(), pt.size(),
                                ct.data(), ct.size(), &n));
    ct.resize(n);
    EXPECT_EQ(hex(ct), hex(expected));

    Bytes back(ct.size());
    ASSERT_WZP_OK(wzp_aead_open(key.data(), nonce.data(), aad.data(), aad.size(), ct.data(), ct.size(),
                                back.data(), back.size(), &n));
    back.resize(n);
    EXPECT_EQ(hex(back), hex(pt));

    // Any changed byte of ciphertext, tag or AAD fails to open.
    for (size_t i = 0; i < ct.size(); ++i) {
      Bytes bad = ct;
      bad[i] ^= 0x80;
      EXPECT_WZP(WZP_ERR_DECRYPT_FAILED, wzp_aead_open(key.data(), nonce.data(), aad.data(), aad.size(),
                                                       bad.data(), bad.size(), back.data(), back.size(), &n));
    }
    if (!aad.empty()) {
      Bytes bad_aad = aad;
      bad_aad.back() ^= 1;
      EXPECT_WZP(WZP_ERR_DECRYPT_FAILED,
                 wzp_aead_open(key.data(), nonce.data(), bad_aad.data(), bad_aad.size(), ct.data(), ct.size(),
                               back.data(), back.size(), &n));
    }
    EXPECT_WZP(WZP_ERR_DECRYPT_FAILED,
               wzp_aead_open(key.data(), nonce.data(), aad.data(), aad.size(), ct.data(),
                             WZP_AEAD_TAG_BYTES - 1, back.data(), back.size(), &n));
  }
}

TEST(CapiSession, ReferenceSessionStreams) {
  for (const auto& v : crypto_section("session_streams")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const Bytes key = unhex(v.at("key_hex"));
    Session sender = session_from_key(key, WZP_SESSION_REFERENCE);
    Session receiver = session_from_key(key, WZP_SESSION_REFERENCE, WZP_ROLE_CALLEE);
    EXPECT_EQ(hex(session_id(sender.get())), v.at("session_id_hex").get<std::string>());
    EXPECT_EQ(wzp_session_profile(sender.get()), nullptr);
    for (const auto& p : v.at("packets")) {
      const Bytes header = unhex(p.at("header_hex")), pt = unhex(p.at("plaintext_hex"));
      const Bytes expected = unhex(p.at("ciphertext_and_tag_hex"));
      // The reference session ignores the seq argument: its counter is implicit.
      const auto seq = static_cast<uint16_t>(0xBEEF + p.at("seq").get<int>());
      int rc = 0;
      EXPECT_EQ(hex(seal(sender.get(), header, seq, pt, &rc)), hex(expected));
      EXPECT_WZP(WZP_OK, rc);

      // A different header or key does not open it, and does not advance the counter.
      Bytes other_header = header;
      other_header.push_back('!');
      open(receiver.get(), other_header, seq, expected, &rc);
      EXPECT_WZP(WZP_ERR_DECRYPT_FAILED, rc);
      Session wrong_key = session_from_key(Bytes(32, 0x01), WZP_SESSION_REFERENCE);
      open(wrong_key.get(), header, seq, expected, &rc);
      EXPECT_WZP(WZP_ERR_DECRYPT_FAILED, rc);

      EXPECT_EQ(hex(open(receiver.get(), header, seq, expected, &rc)), hex(pt));
      EXPECT_WZP(WZP_OK, rc);
    }
  }
}

TEST(CapiSession, RekeyVectors) {
  for (const auto& r : crypto_section("rekey")) {
    SCOPED_TRACE(r.at("name").get<std::string>());
    const Bytes old_key = unhex(r.at("old_key_hex"));
    Session a = session_from_key(old_key, WZP_SESSION_REFERENCE);
    Session b = session_from_key(old_key, WZP_SESSION_REFERENCE, WZP_ROLE_CALLEE);

    uint8_t a_pub[WZP_PUBLIC_KEY_BYTES], b_pub[WZP_PUBLIC_KEY_BYTES];
    ASSERT_WZP_OK(wzp_session_rekey_begin(a.get(), unhex(r.at("side_a_new_secret_hex")).data(), a_pub));
    ASSERT_WZP_OK(wzp_session_rekey_begin(b.get(), unhex(r.at("side_b_new_secret_hex")).data(), b_pub));
    EXPECT_EQ(hex(a_pub), r.at("side_a_new_pub_hex").get<std::string>());
    EXPECT_EQ(hex(b_pub), r.at("side_b_new_pub_hex").get<std::string>());
    ASSERT_WZP_OK(wzp_session_rekey_complete(a.get(), b_pub));
    ASSERT_WZP_OK(wzp_session_rekey_complete(b.get(), a_pub));
    EXPECT_EQ(hex(session_id(a.get())), r.at("new_session_id_hex").get<std::string>());
    EXPECT_EQ(hex(session_id(b.get())), r.at("new_session_id_hex").get<std::string>());

    // The new key is the vector's: a session made from it seals identically.
    Session fresh = session_from_key(unhex(r.at("new_key_hex")), WZP_SESSION_REFERENCE);
    const Bytes probe_header = bytes_of("hdr"), probe = bytes_of("probe");
    const Bytes from_a = seal(a.get(), probe_header, 0, probe);
    EXPECT_EQ(hex(from_a), hex(seal(fresh.get(), probe_header, 0, probe)));
    EXPECT_EQ(hex(open(b.get(), probe_header, 0, from_a)), hex(probe));

    if (r.contains("first_packet_after_rekey")) {
      const auto& p = r.at("first_packet_after_rekey");
      Session a2 = session_from_key(old_key, WZP_SESSION_REFERENCE);
      Session b2 = session_from_key(old_key, WZP_SESSION_REFERENCE, WZP_ROLE_CALLEE);
      ASSERT_WZP_OK(wzp_session_rekey_begin(a2.get(), unhex(r.at("side_a_new_secret_hex")).data(), a_pub));
      ASSERT_WZP_OK(wzp_session_rekey_begin(b2.get(), unhex(r.at("side_b_new_secret_hex")).data(), b_pub));
      ASSERT_WZP_OK(wzp_session_rekey_complete(a2.get(), b_pub));
      ASSERT_WZP_OK(wzp_session_rekey_complete(b2.get(), a_pub));
      const Bytes header = unhex(p.at("header_hex")), pt = unhex(p.at("plaintext_hex"));
      const Bytes ct = seal(a2.get(), header, 0, pt);
      EXPECT_EQ(hex(ct), p.at("ciphertext_and_tag_hex").get<std::string>());
      EXPECT_EQ(hex(open(b2.get(), header, 0, ct)), hex(pt));
      EXPECT_EQ(hex(session_id(a2.get())) + "0000000000000000", p.at("nonce_hex").get<std::string>());
    }
  }
}

TEST(CapiSession, RekeyErrors) {
  for (wzp_session_mode mode : {WZP_SESSION_V2, WZP_SESSION_REFERENCE}) {
    SCOPED_TRACE(mode);
    Session s = session_from_key(Bytes(32, 0x33), mode);
    uint8_t peer[WZP_PUBLIC_KEY_BYTES] = {9};
    EXPECT_WZP(WZP_ERR_INVALID_STATE, wzp_session_rekey_complete(s.get(), peer));
    uint8_t pub[WZP_PUBLIC_KEY_BYTES];
    ASSERT_WZP_OK(wzp_session_rekey_begin(s.get(), nullptr, pub));
    const uint8_t zero[WZP_PUBLIC_KEY_BYTES] = {};
    EXPECT_WZP(WZP_ERR_WEAK_KEY, wzp_session_rekey_complete(s.get(), zero));
  }
}

TEST(CapiSession, V2RekeyKeepsBothSidesTalking) {
  const Bytes key(32, 0x5a);
  Session caller = session_from_key(key, WZP_SESSION_V2, WZP_ROLE_CALLER);
  Session callee = session_from_key(key, WZP_SESSION_V2, WZP_ROLE_CALLEE);
  const Bytes header = bytes_of("h");
  const Bytes before = seal(caller.get(), header, 1, bytes_of("before"));
  EXPECT_EQ(text_of(open(callee.get(), header, 1, before)), "before");

  uint8_t a_pub[WZP_PUBLIC_KEY_BYTES], b_pub[WZP_PUBLIC_KEY_BYTES];
  ASSERT_WZP_OK(wzp_session_rekey_begin(caller.get(), nullptr, a_pub));
  ASSERT_WZP_OK(wzp_session_rekey_begin(callee.get(), nullptr, b_pub));
  ASSERT_WZP_OK(wzp_session_rekey_complete(caller.get(), b_pub));
  ASSERT_WZP_OK(wzp_session_rekey_complete(callee.get(), a_pub));
  const Bytes after = seal(caller.get(), header, 2, bytes_of("after"));
  EXPECT_EQ(text_of(open(callee.get(), header, 2, after)), "after");
  const Bytes back = seal(callee.get(), header, 7, bytes_of("reply"));
  EXPECT_EQ(text_of(open(caller.get(), header, 7, back)), "reply");
}

TEST(CapiSession, RekeyDue) {
  for (const auto& v : crypto_section("should_rekey")) {
    EXPECT_EQ(wzp_rekey_due(v.at("last_rekey_at").get<uint64_t>(), v.at("packet_count").get<uint64_t>()),
              v.at("should_rekey").get<bool>() ? 1 : 0)
        << v.dump();
  }
}

TEST(CapiSession, AntiReplayWindow) {
  for (const auto& v : crypto_section("anti_replay")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    wzp_replay_window* raw = nullptr;
    ASSERT_WZP_OK(wzp_replay_window_new(&raw));
    ReplayWindow window(raw);
    size_t step = 0;
    for (const auto& s : v.at("steps")) {
      const int rc = wzp_replay_window_check(window.get(), s.at("seq").get<uint16_t>());
      EXPECT_EQ(rc, s.at("accept").get<bool>() ? WZP_OK : WZP_ERR_REPLAY)
          << "step " << step << " seq " << s.at("seq");
      ++step;
    }
  }
}

TEST(CapiSession, V2SurvivesLossAndReorderingAndRejectsReplays) {
  const Bytes key(32, 0x21);
  Session caller = session_from_key(key, WZP_SESSION_V2, WZP_ROLE_CALLER);
  Session callee = session_from_key(key, WZP_SESSION_V2, WZP_ROLE_CALLEE);
  EXPECT_EQ(hex(session_id(caller.get())), hex(session_id(callee.get())));
  std::vector<Bytes> sent;
  for (uint16_t seq = 0; seq < 40; ++seq)
    sent.push_back(seal(caller.get(), bytes_of("hdr"), seq, Bytes(seq, seq)));
  // Deliver odd packets in reverse, drop the even ones.
  for (int seq = 39; seq >= 1; seq -= 2) {
    int rc = 0;
    EXPECT_EQ(open(callee.get(), bytes_of("hdr"), static_cast<uint16_t>(seq), sent[seq], &rc),
              Bytes(seq, seq));
    EXPECT_WZP(WZP_OK, rc);
  }
  int rc = 0;
  open(callee.get(), bytes_of("hdr"), 7, sent[7], &rc);
  EXPECT_WZP(WZP_ERR_REPLAY, rc);
  // The sequence number is authenticated: a packet presented under another seq fails.
  open(callee.get(), bytes_of("hdr"), 4, sent[6], &rc);
  EXPECT_WZP(WZP_ERR_DECRYPT_FAILED, rc);
  // A late but new packet inside the window still opens.
  EXPECT_EQ(open(callee.get(), bytes_of("hdr"), 6, sent[6], &rc), Bytes(6, 6));
  // The caller cannot open its own packets: one key per direction.
  open(caller.get(), bytes_of("hdr"), 0, sent[0], &rc);
  EXPECT_WZP(WZP_ERR_DECRYPT_FAILED, rc);
}

TEST(CapiSession, V2NeverReusesANonce) {
  Session s = session_from_key(Bytes(32, 0x44), WZP_SESSION_V2);
  int rc = 0;
  seal(s.get(), bytes_of("h"), 10, bytes_of("a"), &rc);
  ASSERT_WZP_OK(rc);
  for (uint16_t seq : {uint16_t{10}, uint16_t{9}}) {
    seal(s.get(), bytes_of("h"), seq, bytes_of("b"), &rc);
    EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, rc);
  }
  seal(s.get(), bytes_of("h"), 11, bytes_of("c"), &rc);
  EXPECT_WZP(WZP_OK, rc);
  // A jump of half the sequence space or more reads as going back.
  seal(s.get(), bytes_of("h"), 11 + 32768, bytes_of("x"), &rc);
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, rc);
  // Forward jumps below that are fine, and the sequence advances across the 16-bit wrap.
  seal(s.get(), bytes_of("h"), 11 + 32767, bytes_of("d"), &rc);
  EXPECT_WZP(WZP_OK, rc);
  seal(s.get(), bytes_of("h"), 65535, bytes_of("e"), &rc);
  EXPECT_WZP(WZP_OK, rc);
  seal(s.get(), bytes_of("h"), 2, bytes_of("f"), &rc);
  EXPECT_WZP(WZP_OK, rc);
}

TEST(CapiSession, RoleAndModeAreValidated) {
  const Bytes key(32, 1);
  wzp_session_config cfg;
  wzp_session_config_init(&cfg);
  EXPECT_EQ(cfg.struct_size, sizeof cfg);
  EXPECT_EQ(cfg.mode, WZP_SESSION_V2);
  EXPECT_EQ(cfg.role, WZP_ROLE_CALLER);
  wzp_session* raw = nullptr;
  cfg.mode = static_cast<wzp_session_mode>(7);
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_session_new(key.data(), &cfg, &raw));
  wzp_session_config_init(&cfg);
  cfg.role = static_cast<wzp_role>(-3);
  EXPECT_WZP(WZP_ERR_INVALID_ARGUMENT, wzp_session_new(key.data(), &cfg, &raw));
  EXPECT_STREQ(wzp_last_error(), "unknown role -3");
  EXPECT_EQ(raw, nullptr);
  ASSERT_WZP_OK(wzp_session_new(key.data(), nullptr, &raw));  // NULL config: defaults (v2 caller)
  Session s(raw);
  uint8_t peer[WZP_PUBLIC_KEY_BYTES];
  EXPECT_WZP(WZP_ERR_NOT_FOUND, wzp_session_peer_public_key(s.get(), peer));
  EXPECT_WZP(WZP_ERR_NOT_FOUND, wzp_session_peer_fingerprint(s.get(), peer));
}

}  // namespace
}  // namespace wzp_capi_test

#include "crypto/handshake.hpp"

#include "crypto/hkdf.hpp"
#include "reference_packet.hpp"

namespace wzp::crypto::test {
namespace {

Identity identity_of(const nlohmann::json& side) {
  return Identity::from_seed(Seed::from_hex(side.at("seed_hex").get<std::string>()).value());
}

TEST(Handshake, TranscriptVectors) {
  for (const auto& t : section("handshake_transcripts")) {
    SCOPED_TRACE(t.at("name").get<std::string>());
    const auto& c = t.at("caller");
    const auto& s = t.at("callee");
    const Identity caller_id = identity_of(c);
    const Identity callee_id = identity_of(s);
    EXPECT_EQ(hex(caller_id.public_key()), c.at("identity_pub_hex").get<std::string>());
    EXPECT_EQ(hex(callee_id.public_key()), s.at("identity_pub_hex").get<std::string>());

    auto caller = CallerHandshake::start(caller_id, unhex_secret<32>(c.at("ephemeral_secret_hex")));
    const SignedEphemeral& offer = caller.offer();
    EXPECT_EQ(offer.identity_pub, caller_id.public_key());
    EXPECT_EQ(hex(offer.ephemeral_pub), c.at("ephemeral_pub_hex").get<std::string>());
    EXPECT_EQ(hex(handshake_signed_bytes(offer.ephemeral_pub, Role::caller)),
              c.at("offer_signed_message_hex").get<std::string>());
    EXPECT_EQ(hex(offer.signature), c.at("offer_signature_hex").get<std::string>());

    auto callee = CalleeHandshake::accept(callee_id, offer, unhex_secret<32>(s.at("ephemeral_secret_hex")));
    ASSERT_TRUE(callee.ok()) << callee.error().message;
    const SignedEphemeral& answer = callee->answer;
    EXPECT_EQ(answer.identity_pub, callee_id.public_key());
    EXPECT_EQ(hex(answer.ephemeral_pub), s.at("ephemeral_pub_hex").get<std::string>());
    EXPECT_EQ(hex(handshake_signed_bytes(answer.ephemeral_pub, Role::callee)),
              s.at("answer_signed_message_hex").get<std::string>());
    EXPECT_EQ(hex(answer.signature), s.at("answer_signature_hex").get<std::string>());

    auto caller_session = caller.finish(answer);
    ASSERT_TRUE(caller_session.ok()) << caller_session.error().message;
    const std::string key_hex = t.at("session_key_hex").get<std::string>();
    EXPECT_EQ(hex(caller_session->key().view()), key_hex);
    EXPECT_EQ(hex(callee->session.key().view()), key_hex);
    EXPECT_EQ(hex(caller_session->session_id()), t.at("session_id_hex").get<std::string>());
    EXPECT_EQ(hex(callee->session.session_id()), t.at("session_id_hex").get<std::string>());

    // Intermediate values.
    auto shared = x25519(unhex_secret<32>(c.at("ephemeral_secret_hex")), answer.ephemeral_pub);
    ASSERT_TRUE(shared.ok());
    EXPECT_EQ(hex(shared->view()), t.at("x25519_shared_secret_hex").get<std::string>());
    EXPECT_EQ(hex(hkdf::extract({}, shared->view()).view()), t.at("session_hkdf_prk_hex").get<std::string>());

    // Packets, in list order, on fresh reference sessions (the profiles and the
    // JSON framing belong to the wire layer).
    ReferenceSession caller_media(*caller_session);
    ReferenceSession callee_media(callee->session);
    for (const auto& p : t.at("packets")) {
      const bool from_caller = p.at("direction").get<std::string>() == "caller_to_callee";
      ReferenceSession& sender = from_caller ? caller_media : callee_media;
      ReferenceSession& receiver = from_caller ? callee_media : caller_media;
      EXPECT_EQ(sender.send_counter(), p.at("sender_seq").get<uint32_t>());
      expect_reference_packet(sender, receiver, p);
    }
  }
}

TEST(Handshake, RandomEphemeralsAgree) {
  const auto caller_id = Identity::from_seed(Seed::random());
  const auto callee_id = Identity::from_seed(Seed::random());
  auto caller = CallerHandshake::start(caller_id);
  auto callee = CalleeHandshake::accept(callee_id, caller.offer());
  ASSERT_TRUE(callee.ok());
  auto session = caller.finish(callee->answer);
  ASSERT_TRUE(session.ok());
  EXPECT_TRUE(session->key() == callee->session.key());
  EXPECT_EQ(callee->answer.signature.size(), 64U);
  // The ephemeral secret is single-use.
  auto again = caller.finish(callee->answer);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::invalid_state);
}

void expect_offer_rejected(const SignedEphemeral& offer) {
  auto r = CalleeHandshake::accept(Identity::from_seed(Seed::random()), offer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::bad_signature);
  EXPECT_NE(r.error().message.find("caller signature verification failed"), std::string::npos);
}

TEST(Handshake, TamperedOffersAreRejected) {
  const auto caller_id = Identity::from_seed(Seed::random());
  const auto caller = CallerHandshake::start(caller_id);

  SignedEphemeral wrong_data = caller.offer();  // signature over other bytes
  const auto sig = caller_id.sign(bytes_of("wrong-data-intentionally"));
  wrong_data.signature.assign(sig.begin(), sig.end());
  expect_offer_rejected(wrong_data);

  SignedEphemeral xored = caller.offer();  // first 8 bytes XOR 0xff
  for (size_t i = 0; i < 8; ++i) xored.signature[i] ^= 0xff;
  expect_offer_rejected(xored);

  for (size_t len : {0, 63, 65}) {
    SignedEphemeral resized = caller.offer();
    resized.signature.resize(len, 0);
    expect_offer_rejected(resized);
  }

  SignedEphemeral other_identity = caller.offer();
  other_identity.identity_pub = Identity::from_seed(Seed::random()).public_key();
  expect_offer_rejected(other_identity);

  SignedEphemeral other_ephemeral = caller.offer();
  other_ephemeral.ephemeral_pub[0] ^= 1;
  expect_offer_rejected(other_ephemeral);

  // Every single-bit flip of the signature is caught.
  for (size_t bit = 0; bit < 512; bit += 7) {
    SignedEphemeral flipped = caller.offer();
    flipped.signature[bit / 8] ^= static_cast<uint8_t>(1U << (bit % 8));
    expect_offer_rejected(flipped);
  }
}

TEST(Handshake, TamperedAnswerIsRejected) {
  auto caller = CallerHandshake::start(Identity::from_seed(Seed::random()));
  auto callee = CalleeHandshake::accept(Identity::from_seed(Seed::random()), caller.offer());
  ASSERT_TRUE(callee.ok());
  SignedEphemeral answer = callee->answer;
  answer.signature[10] ^= 0x40;
  auto r = caller.finish(answer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::bad_signature);
  EXPECT_NE(r.error().message.find("callee signature verification failed"), std::string::npos);
  // The honest answer still completes afterwards.
  EXPECT_TRUE(caller.finish(callee->answer).ok());
}

TEST(Handshake, LowOrderEphemeralsAreWeakKeys) {
  // Validly signed all-zero ephemerals: only a malicious peer sends these.
  const auto attacker = Identity::from_seed(Seed::random());
  SignedEphemeral offer;
  offer.identity_pub = attacker.public_key();
  const auto sig = attacker.sign(handshake_signed_bytes(offer.ephemeral_pub, Role::caller));
  offer.signature.assign(sig.begin(), sig.end());
  auto accepted = CalleeHandshake::accept(Identity::from_seed(Seed::random()), offer);
  ASSERT_FALSE(accepted.ok());
  EXPECT_EQ(accepted.error().code, Errc::weak_key);

  auto caller = CallerHandshake::start(Identity::from_seed(Seed::random()));
  SignedEphemeral answer;
  answer.identity_pub = attacker.public_key();
  const auto answer_sig = attacker.sign(handshake_signed_bytes(answer.ephemeral_pub, Role::callee));
  answer.signature.assign(answer_sig.begin(), answer_sig.end());
  auto finished = caller.finish(answer);
  ASSERT_FALSE(finished.ok());
  EXPECT_EQ(finished.error().code, Errc::weak_key);
}

TEST(Handshake, OfferSignatureDoesNotVerifyAsAnswer) {
  // The labels separate the two messages.
  const auto id = Identity::from_seed(Seed::random());
  const auto caller = CallerHandshake::start(id);
  auto as_answer = CallerHandshake::start(Identity::from_seed(Seed::random())).finish(caller.offer());
  ASSERT_FALSE(as_answer.ok());
  EXPECT_EQ(as_answer.error().code, Errc::bad_signature);
}

}  // namespace
}  // namespace wzp::crypto::test

// End-to-end Hello/KeyShare messages and safety words: known answers computed
// independently (tests/data/e2e_key_share_gen.py), then every way a relay or a
// non-member could alter, truncate, misroute or replay a message elsewhere.
#include "crypto/e2e_key_share.hpp"

#include <sodium.h>

#include <algorithm>

#include "crypto/aead.hpp"
#include "crypto/hkdf.hpp"
#include "crypto/safety_words.hpp"
#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

using e2e::RoomContext;

const nlohmann::json& kat() {
  static const nlohmann::json doc = [] {
    std::ifstream in(std::string(WZP_TEST_DATA_DIR) + "/e2e_key_share.json");
    if (!in) throw std::runtime_error("cannot open e2e_key_share.json");
    return nlohmann::json::parse(in);
  }();
  return doc;
}

Identity identity_of(const nlohmann::json& side) {
  return Identity::from_seed(Seed::from_hex(side.at("seed_hex").get<std::string>()).value());
}

struct Room {
  Identity alice = identity_of(kat().at("alice"));
  Identity bob = identity_of(kat().at("bob"));
  Identity carol = Identity::from_seed(Seed::from_bytes(Bytes(32, 0xC3)).value());
  RoomContext ctx = e2e::room_context(kat().at("room").get<std::string>());
  Secret<32> base_key = unhex_secret<32>(kat().at("key_share").at("base_key_hex"));
  X25519Secret ephemeral = unhex_secret<32>(kat().at("key_share").at("ephemeral_secret_hex"));

  Bytes share_to_bob(uint64_t kid = 9, bool replaces = false) const {
    return e2e::seal_key_share(alice, bob.fingerprint(), bob.x25519_public_key(), kid, replaces, base_key,
                               ctx)
        .value();
  }
};

Bytes sign_input(std::string_view label, const RoomContext& ctx, ByteView body) {
  Bytes out = bytes_of(label);
  out.insert(out.end(), ctx.begin(), ctx.end());
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Replaces the last 64 bytes with the signer's signature over the rest: what a
// member (not the relay) could send.
Bytes resigned(const Identity& signer, Bytes msg, std::string_view label, const RoomContext& ctx) {
  const size_t body = msg.size() - 64;
  const auto sig = signer.sign(sign_input(label, ctx, ByteView(msg).first(body)));
  std::copy(sig.begin(), sig.end(), msg.begin() + static_cast<std::ptrdiff_t>(body));
  return msg;
}

// The format built by hand from the primitives, with any flags byte and
// ephemeral public value (a test-side second implementation).
Bytes build_share(const Identity& sender, const Identity& recipient, uint64_t kid, uint8_t flags,
                  const Secret<32>& base_key, const RoomContext& ctx, const X25519Secret& eph) {
  const X25519Public eph_pub = x25519_public(eph);
  Bytes msg = bytes_of("WZPE");
  msg.push_back(2);
  msg.push_back(1);
  msg.insert(msg.end(), sender.public_key().begin(), sender.public_key().end());
  const auto fp = recipient.fingerprint().bytes();  // a copy: fingerprint() returns a temporary
  msg.insert(msg.end(), fp.begin(), fp.end());
  for (int s = 56; s >= 0; s -= 8) msg.push_back(static_cast<uint8_t>(kid >> s));
  msg.push_back(flags);
  msg.insert(msg.end(), eph_pub.begin(), eph_pub.end());
  Bytes salt(eph_pub.begin(), eph_pub.end());
  salt.insert(salt.end(), recipient.x25519_public_key().begin(), recipient.x25519_public_key().end());
  const auto key =
      hkdf::derive32(salt, x25519(eph, recipient.x25519_public_key())->view(), "wzp-e2e key share v1");
  Bytes aad(ctx.begin(), ctx.end());
  aad.insert(aad.end(), msg.begin(), msg.end());
  aead::seal_append(key, Nonce{}, aad, base_key.view(), msg);
  msg.resize(msg.size() + 64);
  return resigned(sender, std::move(msg), "wzp-e2e key share v1", ctx);
}

// ---------------------------------------------------------------------------
// Known answers

TEST(E2eKeyShare, IdentitiesAndContextMatchVectors) {
  const Room r;
  EXPECT_EQ(hex(r.ctx), kat().at("ctx_hex").get<std::string>());
  for (const auto& [name, id] :
       {std::pair<const char*, const Identity*>{"alice", &r.alice}, {"bob", &r.bob}}) {
    const auto& v = kat().at(name);
    EXPECT_EQ(hex(id->public_key()), v.at("ed25519_pub_hex").get<std::string>()) << name;
    EXPECT_EQ(hex(id->x25519_public_key()), v.at("x25519_pub_hex").get<std::string>()) << name;
    EXPECT_EQ(id->fingerprint().to_hex(), v.at("fingerprint_hex").get<std::string>()) << name;
  }
}

TEST(E2eKeyShare, HelloMatchesVectorsAndDecodes) {
  const Room r;
  for (const auto& [name, id] :
       {std::pair<const char*, const Identity*>{"alice", &r.alice}, {"bob", &r.bob}}) {
    const Bytes hello = e2e::encode_hello(*id, r.ctx);
    ASSERT_EQ(hello.size(), e2e::kHelloSize);
    EXPECT_EQ(hex(hello), kat().at("hello").at(std::string(name) + "_hex").get<std::string>()) << name;
    const auto decoded = e2e::decode_hello(unhex(kat().at("hello").at(std::string(name) + "_hex")), r.ctx);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(decoded->identity_pub, id->public_key());
    EXPECT_EQ(decoded->x25519_pub, id->x25519_public_key());
    EXPECT_EQ(decoded->fingerprint(), id->fingerprint());
  }
}

TEST(E2eKeyShare, SealMatchesVectorAndBobOpens) {
  const Room r;
  const auto& v = kat().at("key_share");
  const auto kid = v.at("kid").get<uint64_t>();
  auto sealed = e2e::seal_key_share(r.alice, r.bob.fingerprint(), r.bob.x25519_public_key(), kid,
                                    v.at("replaces").get<bool>(), r.base_key, r.ctx, r.ephemeral);
  ASSERT_TRUE(sealed.ok()) << sealed.error().message;
  ASSERT_EQ(sealed->size(), e2e::kKeyShareSize);
  EXPECT_EQ(hex(*sealed), v.at("message_hex").get<std::string>());
  EXPECT_EQ(hex(ByteView(*sealed).subspan(95, 48)), v.at("sealed_hex").get<std::string>());
  // The hand-built second implementation agrees.
  EXPECT_EQ(*sealed, build_share(r.alice, r.bob, kid, 0x01, r.base_key, r.ctx, r.ephemeral));

  const auto opened = e2e::open_key_share(r.bob, unhex(v.at("message_hex")), r.ctx);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->sender_pub, r.alice.public_key());
  EXPECT_EQ(opened->sender(), r.alice.fingerprint());
  EXPECT_EQ(opened->kid, kid);
  EXPECT_TRUE(opened->replaces);
  EXPECT_TRUE(opened->base_key == r.base_key);
}

// ---------------------------------------------------------------------------
// Round trips with fresh ephemerals

TEST(E2eKeyShare, FreshEphemeralsRoundTrip) {
  const Room r;
  const Bytes a = r.share_to_bob(0xFFFFFFFFFFFFFFFF, false);
  const Bytes b = r.share_to_bob(0xFFFFFFFFFFFFFFFF, false);
  EXPECT_NE(a, b);         // a new ephemeral (and so a new AEAD key) each time
  EXPECT_EQ(a[62], 0x00);  // flags: replaces = false, reserved bits 0
  for (const Bytes& m : {a, b}) {
    const auto opened = e2e::open_key_share(r.bob, m, r.ctx);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(opened->kid, 0xFFFFFFFFFFFFFFFFU);
    EXPECT_FALSE(opened->replaces);
    EXPECT_TRUE(opened->base_key == r.base_key);
  }
  // Bob to alice, a random key.
  Secret<32> key;
  randombytes_buf(key.data(), key.size());
  auto back =
      e2e::seal_key_share(r.bob, r.alice.fingerprint(), r.alice.x25519_public_key(), 0, true, key, r.ctx);
  ASSERT_TRUE(back.ok());
  const auto opened = e2e::open_key_share(r.alice, *back, r.ctx);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->sender(), r.bob.fingerprint());
  EXPECT_TRUE(opened->replaces);
  EXPECT_TRUE(opened->base_key == key);
}

// ---------------------------------------------------------------------------
// Refusals

TEST(E2eKeyShare, WrongRecipientIsInvalidArgument) {
  const Room r;
  const auto opened = e2e::open_key_share(r.carol, r.share_to_bob(), r.ctx);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, Errc::invalid_argument);
  // Even the sender cannot open its own share.
  const auto own = e2e::open_key_share(r.alice, r.share_to_bob(), r.ctx);
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.error().code, Errc::invalid_argument);
}

TEST(E2eKeyShare, RecipientRewrittenToCarolFailsSignature) {
  const Room r;
  Bytes m = r.share_to_bob();
  const auto carol_fp = r.carol.fingerprint().bytes();  // a copy: fingerprint() returns a temporary
  std::copy(carol_fp.begin(), carol_fp.end(), m.begin() + 38);
  for (const Identity* who : {&r.carol, &r.bob}) {
    const auto opened = e2e::open_key_share(*who, m, r.ctx);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, Errc::bad_signature);
  }
}

TEST(E2eKeyShare, EverySingleBitFlipIsRefused) {
  const Room r;
  const Bytes hello = e2e::encode_hello(r.alice, r.ctx);
  for (size_t bit = 0; bit < hello.size() * 8; ++bit) {
    Bytes m = hello;
    m[bit / 8] ^= static_cast<uint8_t>(1U << (bit % 8));
    const auto decoded = e2e::decode_hello(m, r.ctx);
    ASSERT_FALSE(decoded.ok()) << "hello bit " << bit;
    const Errc code = decoded.error().code;
    EXPECT_TRUE(code == Errc::bad_signature || code == Errc::malformed) << "hello bit " << bit;
  }
  const Bytes share = r.share_to_bob(5, true);
  for (size_t bit = 0; bit < share.size() * 8; ++bit) {
    Bytes m = share;
    m[bit / 8] ^= static_cast<uint8_t>(1U << (bit % 8));
    const auto opened = e2e::open_key_share(r.bob, m, r.ctx);
    ASSERT_FALSE(opened.ok()) << "key share bit " << bit;
    const Errc code = opened.error().code;
    EXPECT_TRUE(code == Errc::bad_signature || code == Errc::malformed) << "key share bit " << bit;
  }
}

TEST(E2eKeyShare, EveryTruncationAndExtensionIsMalformed) {
  const Room r;
  const Bytes hello = e2e::encode_hello(r.alice, r.ctx);
  const Bytes share = r.share_to_bob();
  for (size_t len = 0; len < hello.size(); ++len) {
    // A copy of exactly `len` bytes, so a sanitizer sees any read past it.
    const Bytes cut(hello.begin(), hello.begin() + static_cast<std::ptrdiff_t>(len));
    const auto decoded = e2e::decode_hello(cut, r.ctx);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error().code, Errc::malformed) << "hello length " << len;
  }
  for (size_t len = 0; len < share.size(); ++len) {
    const Bytes cut(share.begin(), share.begin() + static_cast<std::ptrdiff_t>(len));
    const auto opened = e2e::open_key_share(r.bob, cut, r.ctx);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, Errc::malformed) << "key share length " << len;
  }
  Bytes long_hello = hello, long_share = share;
  long_hello.push_back(0);
  long_share.push_back(0);
  EXPECT_EQ(e2e::decode_hello(long_hello, r.ctx).error().code, Errc::malformed);
  EXPECT_EQ(e2e::open_key_share(r.bob, long_share, r.ctx).error().code, Errc::malformed);
  // Each decoder refuses the other's message.
  EXPECT_EQ(e2e::decode_hello(share, r.ctx).error().code, Errc::malformed);
  EXPECT_EQ(e2e::open_key_share(r.bob, hello, r.ctx).error().code, Errc::malformed);
}

TEST(E2eKeyShare, AnotherRoomIsRefused) {
  const Room r;
  const RoomContext other = e2e::room_context("another room");
  ASSERT_NE(other, r.ctx);
  const auto hello = e2e::decode_hello(e2e::encode_hello(r.alice, r.ctx), other);
  ASSERT_FALSE(hello.ok());
  EXPECT_EQ(hello.error().code, Errc::bad_signature);
  const auto share = e2e::open_key_share(r.bob, r.share_to_bob(), other);
  ASSERT_FALSE(share.ok());
  EXPECT_EQ(share.error().code, Errc::bad_signature);
}

TEST(E2eKeyShare, SignedByTheSenderButBrokenInside) {
  const Room r;
  // A tampered sealed key under a valid signature: the AEAD refuses it.
  Bytes m = r.share_to_bob();
  m[100] ^= 0x01;
  const auto tampered = e2e::open_key_share(r.bob, resigned(r.alice, m, e2e::kKeyShareLabel, r.ctx), r.ctx);
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.error().code, Errc::decrypt_failed);
  // The kid changed after sealing: it is in the AAD.
  m = r.share_to_bob();
  m[61] ^= 0x01;
  const auto kid = e2e::open_key_share(r.bob, resigned(r.alice, m, e2e::kKeyShareLabel, r.ctx), r.ctx);
  ASSERT_FALSE(kid.ok());
  EXPECT_EQ(kid.error().code, Errc::decrypt_failed);
  // A low-order ephemeral (all zero).
  m = r.share_to_bob();
  std::fill(m.begin() + 63, m.begin() + 95, uint8_t{0});
  const auto weak = e2e::open_key_share(r.bob, resigned(r.alice, m, e2e::kKeyShareLabel, r.ctx), r.ctx);
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().code, Errc::weak_key);
  // Someone else's signature over alice's share.
  const auto forged =
      e2e::open_key_share(r.bob, resigned(r.carol, r.share_to_bob(), e2e::kKeyShareLabel, r.ctx), r.ctx);
  ASSERT_FALSE(forged.ok());
  EXPECT_EQ(forged.error().code, Errc::bad_signature);
}

TEST(E2eKeyShare, ReservedFlagBitsAreIgnoredWhenRead) {
  const Room r;
  for (const uint8_t flags : {uint8_t{0xFE}, uint8_t{0xFF}, uint8_t{0x80}, uint8_t{0x01}}) {
    const Bytes m = build_share(r.alice, r.bob, 3, flags, r.base_key, r.ctx, r.ephemeral);
    const auto opened = e2e::open_key_share(r.bob, m, r.ctx);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(opened->replaces, (flags & 1) != 0) << int{flags};
    EXPECT_TRUE(opened->base_key == r.base_key);
  }
}

TEST(E2eKeyShare, LowOrderRecipientKeyIsRefusedWhenSealing) {
  const Room r;
  const auto sealed =
      e2e::seal_key_share(r.alice, r.bob.fingerprint(), X25519Public{}, 1, false, r.base_key, r.ctx);
  ASSERT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.error().code, Errc::weak_key);
}

TEST(E2eKeyShare, ClassifyRecognisesOnlyOurMessages) {
  const Room r;
  EXPECT_EQ(e2e::classify(e2e::encode_hello(r.alice, r.ctx)), e2e::MessageType::hello);
  EXPECT_EQ(e2e::classify(r.share_to_bob()), e2e::MessageType::key_share);
  EXPECT_EQ(e2e::classify(bytes_of("WZPE\x01\x01")), e2e::MessageType::hello);  // header only: ours, broken
  EXPECT_EQ(e2e::classify(Bytes{}), std::nullopt);
  EXPECT_EQ(e2e::classify(bytes_of("WZPE")), std::nullopt);
  EXPECT_EQ(e2e::classify(bytes_of("WZPE\x01")), std::nullopt);
  EXPECT_EQ(e2e::classify(bytes_of("WZPF\x01\x01")), std::nullopt);
  EXPECT_EQ(e2e::classify(bytes_of(std::string_view("WZPE\x00\x01", 6))), std::nullopt);
  EXPECT_EQ(e2e::classify(bytes_of("WZPE\x03\x01")), std::nullopt);
  EXPECT_EQ(e2e::classify(bytes_of("WZPE\x01\x02")), std::nullopt);
  EXPECT_EQ(e2e::classify(bytes_of(R"({"type":"chat","text":"hello"})")), std::nullopt);
}

// ---------------------------------------------------------------------------
// Safety words

TEST(SafetyWords, MatchVectors) {
  const auto& v = kat().at("safety_words");
  const Bytes material = unhex(v.at("material_hex"));
  EXPECT_EQ(safety_words(material), v.at("words").get<std::vector<std::string>>());
  EXPECT_EQ(safety_words(material, 23), v.at("words_23").get<std::vector<std::string>>());
  EXPECT_EQ(safety_words(material, 1000), v.at("words_23").get<std::vector<std::string>>());  // capped
  EXPECT_TRUE(safety_words(material, 0).empty());
  EXPECT_NE(safety_words(bytes_of("other material")), safety_words(material));
}

TEST(SafetyWords, RoomWordsMatchVectorsInAnyOrder) {
  const Room r;
  const auto& v = kat().at("room_safety_words");
  std::vector<std::pair<Fingerprint, uint64_t>> members;
  for (const auto& m : v.at("members")) {
    members.emplace_back(Fingerprint(unhex_array<16>(m.at("fingerprint_hex"))), m.at("kid").get<uint64_t>());
  }
  ASSERT_EQ(members.size(), 2U);
  const auto expected = v.at("words").get<std::vector<std::string>>();
  EXPECT_EQ(room_safety_words(members, r.ctx), expected);
  std::reverse(members.begin(), members.end());
  EXPECT_EQ(room_safety_words(members, r.ctx), expected);
}

TEST(SafetyWords, RoomWordsIgnoreOrderAndFollowKeys) {
  const Room r;
  std::vector<std::pair<Fingerprint, uint64_t>> members = {
      {r.alice.fingerprint(), 1}, {r.bob.fingerprint(), 2}, {r.carol.fingerprint(), 3}};
  const auto words = room_safety_words(members, r.ctx);
  ASSERT_EQ(words.size(), 5U);
  const auto by_kid = [](const auto& a, const auto& b) { return a.second < b.second; };
  size_t orders = 0;
  do {  // all 6 orders
    EXPECT_EQ(room_safety_words(members, r.ctx), words);
    ++orders;
  } while (std::next_permutation(members.begin(), members.end(), by_kid));
  EXPECT_EQ(orders, 6U);
  auto changed = members;
  changed[1].second += 1;  // one member's key changed
  EXPECT_NE(room_safety_words(changed, r.ctx), words);
  EXPECT_NE(room_safety_words(members, e2e::room_context("another room")), words);
  members.pop_back();  // one member fewer
  EXPECT_NE(room_safety_words(members, r.ctx), words);
}

}  // namespace
}  // namespace wzp::crypto::test

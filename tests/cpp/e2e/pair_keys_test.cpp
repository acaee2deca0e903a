// The end-to-end keys of a 1:1 call from the users' own CallOffer/CallAnswer: each side's send
// key is the other's receive key, the directions differ, both read the same safety words, a
// frame sealed by one opens at the other only, and a reference-mode session gives no keys.
#include <gtest/gtest.h>

#include "crypto/seed.hpp"
#include "e2e/frame_protection.hpp"
#include "e2e/pair_keys.hpp"
#include "handshake/signal_handshake.hpp"
#include "wire/media_packet.hpp"

namespace wzp::e2e {
namespace {

struct Handshake {
  crypto::Identity alice = crypto::Identity::from_seed(crypto::Seed::random());
  crypto::Identity bob = crypto::Identity::from_seed(crypto::Seed::random());
  std::optional<handshake::CallSession> caller_session, callee_session;

  explicit Handshake(handshake::SessionMode mode = handshake::SessionMode::v2) {
    handshake::Options options;
    options.preferred = mode;
    handshake::Caller caller(alice, options);
    auto answered = handshake::answer_offer(bob, wire::SignalMessage{caller.offer()}, options);
    EXPECT_TRUE(answered.ok());
    auto session = caller.accept(wire::SignalMessage{answered->answer});
    EXPECT_TRUE(session.ok());
    caller_session.emplace(std::move(*session));
    callee_session.emplace(std::move(answered->session));
  }
};

Bytes datagram(uint16_t seq) {
  wire::MediaHeader h;
  h.seq = seq;
  h.timestamp = seq * 960u;
  return wire::encode_media_packet(wire::MediaPacket{h, Bytes(40, static_cast<uint8_t>(seq)), std::nullopt});
}

TEST(PairKeys, BothSidesDeriveMatchingKeysAndWords) {
  Handshake h;
  auto a = pair_keys(*h.caller_session, true);
  auto b = pair_keys(*h.callee_session, false);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->send.kid(), b->receive.kid());
  EXPECT_TRUE(a->send.base == b->receive.base);
  EXPECT_EQ(a->receive.kid(), b->send.kid());
  EXPECT_TRUE(a->receive.base == b->send.base);
  EXPECT_NE(a->send.prefix, a->receive.prefix);
  EXPECT_FALSE(a->send.base == a->receive.base);
  EXPECT_EQ(a->safety_words.size(), 5u);
  EXPECT_EQ(a->safety_words, b->safety_words);

  // Another handshake between the same users: other keys, other words.
  Handshake again;
  auto c = pair_keys(*again.caller_session, true);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->send.base == a->send.base);
  EXPECT_NE(c->safety_words, a->safety_words);
}

TEST(PairKeys, AFrameOpensOnlyAtThePeer) {
  Handshake h;
  auto a = pair_keys(*h.caller_session, true);
  auto b = pair_keys(*h.callee_session, false);
  ASSERT_TRUE(a.ok() && b.ok());
  FrameProtection sender(Policy::required), receiver(Policy::required), self(Policy::required);
  ASSERT_TRUE(sender.set_send_key(a->send).ok());
  ASSERT_TRUE(receiver.add_receive_key("alice", b->receive.kid(), b->receive.base, false).ok());
  // The sender's own receive key (bob's direction) must not open alice's frames.
  ASSERT_TRUE(self.add_receive_key("bob", a->receive.kid(), a->receive.base, false).ok());
  const Bytes plain = datagram(1);
  Bytes sealed = plain;
  ASSERT_TRUE(sender.protect(sealed).ok());
  Bytes scratch;
  auto opened = receiver.unprotect(0, sealed, scratch);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(Bytes(opened->begin(), opened->end()), plain);
  Bytes other;
  auto refused = self.unprotect(0, sealed, other);
  EXPECT_FALSE(refused.ok());
}

TEST(PairKeys, AReferenceSessionGivesNoKeys) {
  Handshake h(handshake::SessionMode::reference);
  auto a = pair_keys(*h.caller_session, true);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, Errc::invalid_state);
}

}  // namespace
}  // namespace wzp::e2e

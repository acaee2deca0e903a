#include "crypto/media_session.hpp"

#include <sodium.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "crypto/aead.hpp"
#include "vectors.hpp"

namespace wzp::crypto::test {
namespace {

SessionKey random_key() {
  Bytes k(32);
  randombytes_buf(k.data(), k.size());
  return SessionKey::from_bytes(k).value();
}

// A stand-in for the 12-byte MediaHeader: the seq travels in the clear.
Bytes header_for(uint16_t seq) {
  Bytes h(12, 0x5a);
  store_be16(h.data() + 2, seq);
  return h;
}

Bytes payload_for(uint64_t n) {
  const std::string s = "frame " + std::to_string(n);
  return bytes_of(s);
}

struct Pair {
  SessionKey key = random_key();
  MediaSession caller{key, Role::caller};
  MediaSession callee{key, Role::callee};
};

TEST(MediaSession, BothDirectionsRoundTrip) {
  Pair p;
  for (uint16_t seq = 0; seq < 20; ++seq) {
    auto up = p.caller.seal(header_for(seq), seq, payload_for(seq));
    ASSERT_TRUE(up.ok());
    auto got = p.callee.open(header_for(seq), seq, *up);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, payload_for(seq));
    auto down = p.callee.seal(header_for(seq), seq, payload_for(1000 + seq));
    ASSERT_TRUE(down.ok());
    auto back = p.caller.open(header_for(seq), seq, *down);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, payload_for(1000 + seq));
  }
  EXPECT_EQ(p.caller.stats().packets_sealed, 20U);
  EXPECT_EQ(p.callee.stats().packets_opened, 20U);
  EXPECT_EQ(p.callee.highest_receive_index(), 19U);
  EXPECT_EQ(p.caller.last_send_index(), 19U);
}

TEST(MediaSession, DirectionsNeverShareKeyOrNonce) {
  Pair p;
  const Bytes same_plaintext(100, 0x11);
  auto up = p.caller.seal(header_for(7), 7, same_plaintext);
  auto down = p.callee.seal(header_for(7), 7, same_plaintext);
  ASSERT_TRUE(up.ok() && down.ok());
  EXPECT_NE(*up, *down);
  // No shared keystream: the XOR of the ciphertexts is not the XOR of the plaintexts (zero).
  size_t equal_bytes = 0;
  for (size_t i = 0; i < same_plaintext.size(); ++i) equal_bytes += (*up)[i] == (*down)[i];
  EXPECT_LT(equal_bytes, 10U);
  const auto c2s = DirectionKey::derive(p.key.key(), kMediaKeyInfoCallerToCallee);
  const auto s2c = DirectionKey::derive(p.key.key(), kMediaKeyInfoCalleeToCaller);
  EXPECT_FALSE(c2s.key == s2c.key);
  EXPECT_NE(indexed_nonce(c2s.key_id, 7), indexed_nonce(s2c.key_id, 7));
  // A packet reflected back to its sender does not open.
  auto reflected = p.caller.open(header_for(7), 7, *up);
  ASSERT_FALSE(reflected.ok());
  EXPECT_EQ(reflected.error().code, Errc::decrypt_failed);
  // Neither does a packet under the reference's session (same key, other nonce scheme).
  MediaSession second_caller(p.key, Role::caller);
  EXPECT_FALSE(second_caller.open(header_for(7), 7, *up).ok());
}

TEST(MediaSession, SequenceExtension) {
  EXPECT_EQ(extend_sequence(5, 0), 5U);
  EXPECT_EQ(extend_sequence(0, 65535), 65536U);
  EXPECT_EQ(extend_sequence(65535, 65536), 65535U);
  EXPECT_EQ(extend_sequence(0x7FFF, 0), 0x7FFFU);         // ahead by 0x7FFF
  EXPECT_EQ(extend_sequence(0x8000, 0x10000), 0x8000U);   // behind by 0x8000
  EXPECT_EQ(extend_sequence(0x0000, 0x18001), 0x20000U);  // 0x7FFF ahead
  EXPECT_FALSE(extend_sequence(0xFFFF, 3).has_value());   // would be negative
  EXPECT_EQ(extend_sequence(0x1234, (uint64_t{7} << 16) | 0x1200), (uint64_t{7} << 16) | 0x1234);
}

// Random loss, duplication and reordering (within the window): every packet
// delivered at least once is opened exactly once, every extra copy is a replay.
TEST(MediaSession, LossReorderAndDuplicationProperty) {
  std::mt19937 rng(20240601);
  for (int run = 0; run < 4; ++run) {
    Pair p;
    const auto first_seq = static_cast<uint16_t>(rng());  // exercises the 16-bit wrap
    const size_t count = 5000;
    struct Packet {
      uint16_t seq;
      uint64_t n;
      Bytes wire;
    };
    std::vector<Packet> sent;
    for (size_t n = 0; n < count; ++n) {
      const auto seq = static_cast<uint16_t>(first_seq + n);
      auto c = p.caller.seal(header_for(seq), seq, payload_for(n));
      ASSERT_TRUE(c.ok());
      sent.push_back({seq, n, std::move(*c)});
    }
    // Channel: 15% loss, 10% duplicated, local shuffles of up to 40 positions.
    std::vector<Packet> channel;
    for (const auto& pkt : sent) {
      if (rng() % 100 < 15) continue;
      channel.push_back(pkt);
      if (rng() % 100 < 10) channel.push_back(pkt);
    }
    for (size_t i = 0; i + 1 < channel.size(); ++i) {
      const size_t j = std::min(channel.size() - 1, i + rng() % 40);
      std::swap(channel[i], channel[j]);
    }
    std::map<uint64_t, int> opened;
    size_t replays = 0;
    for (const auto& pkt : channel) {
      auto r = p.callee.open(header_for(pkt.seq), pkt.seq, pkt.wire);
      if (r.ok()) {
        EXPECT_EQ(*r, payload_for(pkt.n));
        ++opened[pkt.n];
      } else {
        ASSERT_EQ(r.error().code, Errc::replay) << r.error().message;
        ++replays;
      }
    }
    std::set<uint64_t> delivered;
    for (const auto& pkt : channel) delivered.insert(pkt.n);
    EXPECT_EQ(opened.size(), delivered.size());
    for (const auto& [n, times] : opened) EXPECT_EQ(times, 1) << n;
    EXPECT_EQ(replays, channel.size() - delivered.size());
    EXPECT_EQ(p.callee.stats().replays_rejected, replays);
    EXPECT_EQ(p.callee.stats().decrypt_failures, 0U);
    // Replaying everything again is rejected entirely.
    for (const auto& pkt : channel) {
      auto r = p.callee.open(header_for(pkt.seq), pkt.seq, pkt.wire);
      EXPECT_FALSE(r.ok());
    }
  }
}

TEST(MediaSession, BitFlipsInCiphertextOrAadAreRejectedWithoutSideEffects) {
  Pair p;
  std::mt19937 rng(7);
  for (uint16_t seq = 100; seq < 160; ++seq) {
    const Bytes header = header_for(seq);
    auto c = p.caller.seal(header, seq, payload_for(seq));
    ASSERT_TRUE(c.ok());
    Bytes bad_cipher = *c;
    bad_cipher[rng() % bad_cipher.size()] ^= static_cast<uint8_t>(1U << (rng() % 8));
    auto r1 = p.callee.open(header, seq, bad_cipher);
    ASSERT_FALSE(r1.ok());
    EXPECT_EQ(r1.error().code, Errc::decrypt_failed);
    EXPECT_EQ(r1.error().message, "decryption failed (bad key or tampered data)");
    Bytes bad_header = header;
    bad_header[rng() % bad_header.size()] ^= static_cast<uint8_t>(1U << (rng() % 8));
    EXPECT_FALSE(p.callee.open(bad_header, seq, *c).ok());
    // A wrong seq (as if the clear header had been edited) does not open either.
    EXPECT_FALSE(p.callee.open(header, static_cast<uint16_t>(seq + 1), *c).ok());
    EXPECT_FALSE(p.callee.open(header, seq, ByteView(*c).first(15)).ok());
    // The genuine packet still opens: failures recorded nothing.
    auto ok = p.callee.open(header, seq, *c);
    ASSERT_TRUE(ok.ok());
  }
  EXPECT_EQ(p.callee.stats().packets_opened, 60U);
  EXPECT_GE(p.callee.stats().decrypt_failures, 180U);
}

TEST(MediaSession, ForgedFarAheadPacketCannotMoveTheWindow) {
  Pair p;
  for (uint16_t seq = 0; seq < 10; ++seq) {
    ASSERT_TRUE(
        p.callee.open(header_for(seq), seq, *p.caller.seal(header_for(seq), seq, payload_for(seq))).ok());
  }
  Bytes forged(40);
  randombytes_buf(forged.data(), forged.size());
  const uint16_t far = 9 + 0x7FFF;  // the farthest "ahead" value
  EXPECT_EQ(p.callee.open(header_for(far), far, forged).error().code, Errc::decrypt_failed);
  EXPECT_EQ(p.callee.highest_receive_index(), 9U);
  auto next = p.caller.seal(header_for(10), 10, payload_for(10));
  EXPECT_TRUE(p.callee.open(header_for(10), 10, *next).ok());
}

TEST(MediaSession, SenderRefusesToReuseAnIndex) {
  Pair p;
  ASSERT_TRUE(p.caller.seal(header_for(5), 5, payload_for(0)).ok());
  for (uint16_t seq : {uint16_t{5}, uint16_t{4}, uint16_t{5 + 0x8000}}) {
    auto r = p.caller.seal(header_for(seq), seq, payload_for(1));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::invalid_argument);
  }
  // Gaps are fine (up to 0x7FFF ahead).
  EXPECT_TRUE(p.caller.seal(header_for(5 + 0x7FFF), 5 + 0x7FFF, payload_for(2)).ok());
  EXPECT_EQ(p.caller.last_send_index(), 5U + 0x7FFF);
}

TEST(MediaSession, ReceiverFindsARollOverBeforeTheFirstPacket) {
  Pair p;
  std::vector<std::pair<uint16_t, Bytes>> sent;
  for (uint32_t n = 0; n < 12; ++n) {
    const auto seq = static_cast<uint16_t>(65530 + n);
    sent.emplace_back(seq, *p.caller.seal(header_for(seq), seq, payload_for(n)));
  }
  // The first six (before the wrap) are lost; seq 0 has index 65536.
  for (size_t i = 6; i < sent.size(); ++i) {
    auto r = p.callee.open(header_for(sent[i].first), sent[i].first, sent[i].second);
    ASSERT_TRUE(r.ok()) << i;
    EXPECT_EQ(*r, payload_for(i));
  }
  EXPECT_EQ(p.callee.highest_receive_index(), 65536U + 5);
  // A late pre-wrap packet still opens.
  EXPECT_TRUE(p.callee.open(header_for(sent[3].first), sent[3].first, sent[3].second).ok());
}

TEST(MediaSession, RekeyKeepsInFlightPacketsAndChangesKeys) {
  Pair p;
  uint16_t seq = 0;
  auto send = [&](MediaSession& from, MediaSession& to) {
    const uint16_t s = seq++;
    auto c = from.seal(header_for(s), s, payload_for(s));
    ASSERT_TRUE(c.ok());
    auto r = to.open(header_for(s), s, *c);
    ASSERT_TRUE(r.ok()) << r.error().message;
  };
  for (int i = 0; i < 5; ++i) send(p.caller, p.callee);

  const auto caller_pub = p.caller.initiate_rekey();
  const auto callee_pub = p.callee.initiate_rekey();
  // The callee seals one packet under the old key that arrives after the caller switched.
  const uint16_t in_flight_seq = 1000;
  auto in_flight = p.callee.seal(header_for(in_flight_seq), in_flight_seq, payload_for(1));
  ASSERT_TRUE(p.caller.complete_rekey(callee_pub).ok());
  EXPECT_TRUE(p.caller.open(header_for(in_flight_seq), in_flight_seq, *in_flight).ok());
  ASSERT_TRUE(p.callee.complete_rekey(caller_pub).ok());
  EXPECT_EQ(p.caller.key_generation(), 1U);
  EXPECT_EQ(p.callee.key_generation(), 1U);
  for (int i = 0; i < 5; ++i) send(p.caller, p.callee);

  // The new keys differ from the old: a session still on generation 0 cannot open.
  MediaSession stale(p.key, Role::callee);
  const uint16_t s = seq++;
  auto c = p.caller.seal(header_for(s), s, payload_for(s));
  EXPECT_FALSE(stale.open(header_for(s), s, *c).ok());
  EXPECT_TRUE(p.callee.open(header_for(s), s, *c).ok());
}

TEST(MediaSession, RekeyErrors) {
  Pair p;
  auto none = p.caller.complete_rekey(EphemeralKeyPair::generate().public_key);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Errc::rekey_failed);
  EXPECT_EQ(none.error().message, "rekey failed: no pending rekey");
  p.caller.initiate_rekey();
  auto weak = p.caller.complete_rekey(X25519Public{});
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().code, Errc::weak_key);
  EXPECT_EQ(p.caller.key_generation(), 0U);
}

TEST(MediaSession, PacketLimitPerKeyRequiresARekey) {
  const SessionKey key = random_key();
  MediaSessionOptions options;
  options.max_packets_per_key = 10;
  options.rekey_interval = 8;
  MediaSession caller(key, Role::caller, options);
  MediaSession callee(key, Role::callee, options);
  uint16_t seq = 0;
  for (; seq < 10; ++seq) {
    EXPECT_EQ(caller.should_rekey(), seq >= 8);
    ASSERT_TRUE(caller.seal(header_for(seq), seq, payload_for(seq)).ok());
  }
  auto refused = caller.seal(header_for(seq), seq, payload_for(seq));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::invalid_state);
  const auto a = caller.initiate_rekey();
  const auto b = callee.initiate_rekey();
  ASSERT_TRUE(caller.complete_rekey(b).ok());
  ASSERT_TRUE(callee.complete_rekey(a).ok());
  EXPECT_FALSE(caller.should_rekey());
  auto after = caller.seal(header_for(seq), seq, payload_for(seq));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(callee.open(header_for(seq), seq, *after).ok());
}

TEST(MediaSession, SealAppendDoesNotReallocateWithCapacity) {
  Pair p;
  Bytes out;
  out.reserve(4096);
  const uint8_t* data = out.data();
  const Bytes frame(100, 3);
  for (uint16_t seq = 0; seq < 20; ++seq)
    ASSERT_TRUE(p.caller.seal_append(header_for(seq), seq, frame, out).ok());
  EXPECT_EQ(out.data(), data);
  EXPECT_EQ(out.size(), 20 * (100 + aead::kTagSize));
}

}  // namespace
}  // namespace wzp::crypto::test

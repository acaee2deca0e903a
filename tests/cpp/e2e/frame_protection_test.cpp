// FrameProtection: the SFrame stage between the packetiser and the transport. Real media
// datagrams (with and without a quality report trailer) go through protect/unprotect; every
// way a relay could alter, replay, reorder or withhold them is checked against what comes out.
#include "e2e/frame_protection.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "crypto/sframe.hpp"
#include "crypto/sframe_header.hpp"
#include "e2e/policy.hpp"
#include "e2e/sender_key.hpp"
#include "wire/media_header.hpp"
#include "wire/media_packet.hpp"
#include "wire/quality_report.hpp"

namespace wzp::e2e {
namespace {

constexpr size_t kHeader = wire::kMediaHeaderSize;
const std::string kAlice = "alice";
const std::string kBob = "bob";
const wire::QualityReport kReport{51, 20, 7, 64};

// A distinctive payload (no byte pattern an SFrame frame would produce by chance).
Bytes payload_for(uint16_t seq, size_t size = 40) {
  Bytes payload(size);
  for (size_t i = 0; i < size; ++i) payload[i] = static_cast<uint8_t>(0x5A ^ (i * 37 + seq * 11 + 3));
  return payload;
}

wire::MediaHeader header_for(uint16_t seq) {
  wire::MediaHeader h;
  h.codec = wire::CodecId::opus24k;
  h.fec_ratio_encoded = 0x6B;  // F6 in byte 0, F5..F0 in byte 1
  h.seq = seq;
  h.timestamp = 960u * seq + 17;
  h.fec_block = 3;
  h.fec_symbol = 1;
  // Reed-Solomon repair packets carry kRepairMarker (1) in byte 10; byte 11 (csrc_count) is 0
  // from every sender: it takes the end-to-end marker.
  h.is_repair = seq % 2 == 1;
  h.reserved = h.is_repair ? 0x01 : 0;
  h.csrc_count = 0;
  return h;
}

// A media datagram as the packetiser makes it (byte 11 = 0, byte 1's low bits = 0); odd
// sequence numbers are repair packets.
Bytes datagram(uint16_t seq, bool with_report, size_t payload_size = 40) {
  std::optional<wire::QualityReport> report;
  if (with_report) report = kReport;
  return wire::encode_media_packet(
      wire::MediaPacket{header_for(seq), payload_for(seq, payload_size), report});
}

Bytes sealed(FrameProtection& tx, Bytes plain) {
  auto st = tx.protect(plain);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
  return plain;
}

// unprotect, with the result copied out of the scratch buffer.
Result<Bytes> unseal(FrameProtection& rx, ByteView protected_datagram, uint16_t source = 1) {
  Bytes scratch;
  auto r = rx.unprotect(source, protected_datagram, scratch);
  if (!r) return r.error();
  return Bytes(r->begin(), r->end());
}

bool contains(ByteView haystack, ByteView needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

crypto::sframe::Header sframe_header_of(ByteView protected_datagram) {
  auto parsed = crypto::sframe::parse_header(protected_datagram.subspan(kHeader));
  EXPECT_TRUE(parsed.ok());
  return parsed ? parsed->header : crypto::sframe::Header{};
}

std::optional<ParticipantKeys> participant(const FrameProtection& p, const std::string& fp) {
  for (auto& k : p.participants()) {
    if (k.fingerprint == fp) return k;
  }
  return std::nullopt;
}

// One sender (alice) and one receiver that holds its key.
struct Link {
  explicit Link(Policy policy = Policy::required) : tx(policy), rx(policy) {
    EXPECT_TRUE(tx.set_send_key(key).ok());
    EXPECT_TRUE(rx.add_receive_key(kAlice, key.kid(), key.base, false).ok());
  }
  SenderKey key = SenderKey::fresh();
  FrameProtection tx, rx;
};

// A manually advanced clock for the hold timeout (no sleeping).
uint64_t g_now_ns = 5'000'000'000;
uint64_t fake_now() noexcept { return g_now_ns; }
struct FakeClock {
  FakeClock() { clock::set_source(&fake_now); }
  ~FakeClock() { clock::set_source(nullptr); }
  void advance_ms(uint64_t ms) { g_now_ns += ms * 1'000'000; }
};

// ---------------------------------------------------------------- round trip

TEST(FrameProtection, RoundTripGivesBackTheExactDatagram) {
  for (const bool with_report : {false, true}) {
    for (const uint16_t seq : {6, 7}) {  // a source packet, a repair packet
      SCOPED_TRACE(std::string(with_report ? "with" : "without") + " a quality report, seq " +
                   std::to_string(seq));
      Link link;
      const Bytes plain = datagram(seq, with_report);
      const Bytes prot = sealed(link.tx, plain);

      // The header stays readable: byte 11 marks the frame, nothing else changes (byte 1's
      // two unused bits are written 0, as the plain datagram has them).
      ASSERT_GE(prot.size(), kHeader);
      EXPECT_EQ(prot[kEncryptedMarkerOffset], kEncryptedMarker);
      for (size_t i = 0; i < kHeader; ++i) {
        if (i == kEncryptedMarkerOffset) continue;
        if (i == 1) {
          EXPECT_EQ(prot[1] & 0xFC, plain[1] & 0xFC);
          continue;
        }
        EXPECT_EQ(prot[i], plain[i]) << "header byte " << i;
      }
      // SFrame overhead: its header and a 16-byte tag.
      const auto sf = sframe_header_of(prot);
      EXPECT_EQ(sf.kid, link.key.kid());
      EXPECT_EQ(sf.ctr, 0u);
      EXPECT_EQ(prot.size(), plain.size() + crypto::sframe::header_size(sf) + crypto::sframe::kTagSize);

      // The relay still reads the header and the quality report where it expects them.
      auto view = wire::parse_media_packet(prot);
      ASSERT_TRUE(view.ok());
      EXPECT_EQ(view->header.seq, seq);
      EXPECT_EQ(view->header.timestamp, header_for(seq).timestamp);
      EXPECT_EQ(view->header.csrc_count, kEncryptedMarker);
      EXPECT_EQ(view->header.reserved, header_for(seq).reserved) << "the repair marker stays";
      EXPECT_EQ(view->header.is_repair, seq == 7);
      if (with_report) {
        ASSERT_TRUE(view->quality_report.has_value());
        EXPECT_EQ(*view->quality_report, kReport);
        EXPECT_TRUE(std::equal(plain.end() - 4, plain.end(), prot.end() - 4)) << "the trailer is unchanged";
      } else {
        EXPECT_FALSE(view->quality_report.has_value());
      }

      // No plaintext leaks: neither the whole payload nor any 8 bytes of it.
      const Bytes payload = payload_for(seq);
      const ByteView body = ByteView(prot).subspan(kHeader);
      EXPECT_FALSE(contains(body, payload));
      for (size_t i = 0; i + 8 <= payload.size(); ++i) {
        EXPECT_FALSE(contains(body, ByteView(payload).subspan(i, 8))) << "payload bytes " << i << "..";
      }

      auto opened = unseal(link.rx, prot);
      ASSERT_TRUE(opened.ok()) << opened.error().message;
      EXPECT_EQ(*opened, plain);
      EXPECT_EQ((*opened)[kEncryptedMarkerOffset], 0);
      auto back = wire::decode_media_packet(*opened);
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(back->payload, payload);

      const auto tc = link.tx.counters();
      const auto rc = link.rx.counters();
      EXPECT_EQ(tc.encrypted, 1u);
      EXPECT_EQ(rc.decrypted, 1u);
      EXPECT_EQ(rc.decrypt_failed + rc.malformed + rc.replayed + rc.held, 0u);
      auto alice = participant(link.rx, kAlice);
      ASSERT_TRUE(alice.has_value());
      EXPECT_EQ(alice->state, KeyState::ok);
      EXPECT_EQ(alice->kid, link.key.kid());
      EXPECT_EQ(alice->decrypted, 1u);
    }
  }
}

TEST(FrameProtection, EmptyPayloadRoundTrips) {
  Link link;
  for (const bool with_report : {false, true}) {
    const Bytes plain = datagram(with_report ? 2 : 1, with_report, 0);
    auto opened = unseal(link.rx, sealed(link.tx, plain));
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(*opened, plain);
  }
}

// Byte 1's two low bits are rewritten by relays (cleared) and are not authenticated: whatever
// they hold in transit, the frame opens and parses as the original.
TEST(FrameProtection, RelayRewriteOfByteOneKeepsAuthentication) {
  for (const bool with_report : {false, true}) {
    Link link;
    for (uint8_t bits = 0; bits < 4; ++bits) {
      SCOPED_TRACE("byte 1 low bits " + std::to_string(bits) + (with_report ? " with report" : ""));
      const auto seq = static_cast<uint16_t>(10 + 2 * bits);
      // As it arrives with the bits set by someone on the path...
      const Bytes plain = datagram(seq, with_report);
      Bytes prot = sealed(link.tx, plain);
      prot[1] = static_cast<uint8_t>((prot[1] & 0xFC) | bits);
      auto opened = unseal(link.rx, prot);
      ASSERT_TRUE(opened.ok()) << opened.error().message;
      EXPECT_EQ(wire::decode_media_packet(*opened).value(), wire::decode_media_packet(plain).value());
      Bytes masked = *opened;
      masked[1] &= 0xFC;
      EXPECT_EQ(masked, plain) << "only the unauthenticated bits may differ";
      // ... and as the relay forwards it (byte 1 &= 0xFC): exactly the original.
      const auto seq2 = static_cast<uint16_t>(seq + 1);
      const Bytes plain2 = datagram(seq2, with_report);
      Bytes prot2 = sealed(link.tx, plain2);
      prot2[1] = static_cast<uint8_t>(prot2[1] | bits);
      prot2[1] &= 0xFC;
      auto opened2 = unseal(link.rx, prot2);
      ASSERT_TRUE(opened2.ok()) << opened2.error().message;
      EXPECT_EQ(*opened2, plain2);
    }
    EXPECT_EQ(link.rx.counters().decrypted, 8u);
    EXPECT_EQ(link.rx.counters().decrypt_failed, 0u);
  }
}

// ---------------------------------------------------------------- tampering

// Every single-bit change of a protected datagram (except byte 1's two unauthenticated bits,
// above) is refused, never handed on as a datagram; the failures do not poison the replay
// window (the genuine datagram still opens afterwards).
TEST(FrameProtection, EveryBitFlipIsRefused) {
  for (const bool with_report : {false, true}) {
    SCOPED_TRACE(with_report ? "with a quality report" : "without a quality report");
    Link link;
    const Bytes plain = datagram(21, with_report);
    const Bytes prot = sealed(link.tx, plain);
    size_t flips = 0, would_block = 0;
    for (size_t byte = 0; byte < prot.size(); ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        if (byte == 1 && bit < 2) continue;
        Bytes bad = prot;
        bad[byte] ^= static_cast<uint8_t>(1u << bit);
        ++flips;
        auto r = unseal(link.rx, bad);
        ASSERT_FALSE(r.ok()) << "byte " << byte << " bit " << bit << " opened";
        if (r.error().code == Errc::would_block) ++would_block;
      }
    }
    const auto c = link.rx.counters();
    EXPECT_EQ(c.decrypted, 0u);
    EXPECT_EQ(c.clear_refused, 8u) << "byte 11 no longer the marker: a clear frame, refused (required)";
    EXPECT_GT(c.decrypt_failed, 0u);
    // The header's fields (the codec's bits among them) are checked by the tag, not parsed here:
    // only the Q bit is read, so a flipped Q (a trailer that is not there) is malformed or fails
    // the tag.
    EXPECT_EQ(c.held, would_block) << "a KID prefix nobody gave us: held for its key";
    EXPECT_GT(c.held, 0u);
    EXPECT_EQ(c.decrypt_failed + c.malformed + c.clear_refused + c.held + c.missing_key, flips);
    EXPECT_TRUE(link.rx.take_ready().empty()) << "no held forgery opens later";
    auto opened = unseal(link.rx, prot);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(*opened, plain);
  }
}

TEST(FrameProtection, TamperedFrameMarksTheSenderDecryptFailed) {
  Link link;
  const Bytes plain = datagram(3, true);
  const Bytes prot = sealed(link.tx, plain);
  Bytes bad = prot;
  bad[kHeader + 12] ^= 0x40;  // a ciphertext byte
  auto r = unseal(link.rx, bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::decrypt_failed);
  EXPECT_EQ(link.rx.counters().decrypt_failed, 1u);
  auto alice = participant(link.rx, kAlice);
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->state, KeyState::decrypt_failed);
  EXPECT_EQ(alice->decrypt_failed, 1u);
  ASSERT_TRUE(link.rx.has_changes());
  auto changes = link.rx.take_changes();
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes.back().state, KeyState::decrypt_failed);

  // A frame too short for its own SFrame header: malformed.
  Bytes truncated(prot.begin(), prot.begin() + kHeader + 1);
  truncated[0] &= static_cast<uint8_t>(~0x02);  // no Q bit: no trailer expected
  ASSERT_FALSE(unseal(link.rx, truncated).ok());
  EXPECT_EQ(link.rx.counters().malformed, 1u);

  ASSERT_TRUE(unseal(link.rx, prot).ok());
  EXPECT_EQ(participant(link.rx, kAlice)->state, KeyState::ok);
}

TEST(FrameProtection, ReplayedFrameIsRefused) {
  Link link;
  const Bytes plain = datagram(5, false);
  const Bytes prot = sealed(link.tx, plain);
  ASSERT_TRUE(unseal(link.rx, prot).ok());
  auto again = unseal(link.rx, prot);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::replay);
  const auto c = link.rx.counters();
  EXPECT_EQ(c.replayed, 1u);
  EXPECT_EQ(c.decrypted, 1u);
  EXPECT_EQ(participant(link.rx, kAlice)->replayed, 1u);
  // Reordering is not replay: an older, unseen frame still opens once.
  const Bytes p1 = sealed(link.tx, datagram(6, false));
  const Bytes p2 = sealed(link.tx, datagram(7, false));
  ASSERT_TRUE(unseal(link.rx, p2).ok());
  ASSERT_TRUE(unseal(link.rx, p1).ok());
  EXPECT_FALSE(unseal(link.rx, p1).ok());
  EXPECT_EQ(link.rx.counters().replayed, 2u);
}

// ---------------------------------------------------------------- ratchet

TEST(FrameProtection, ReceiverDerivesRatchetedStepsItself) {
  Link link;
  SenderKey key = link.key;
  for (uint16_t step = 0; step <= 3; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    if (step > 0) {
      key.ratchet();
      ASSERT_TRUE(link.tx.set_send_key(key).ok());
    }
    EXPECT_EQ(step_of(key.kid()), step);
    EXPECT_EQ(prefix_of(key.kid()), link.key.prefix);
    for (uint16_t i = 0; i < 2; ++i) {
      const Bytes plain = datagram(static_cast<uint16_t>(step * 10 + i), i == 1);
      const Bytes prot = sealed(link.tx, plain);
      EXPECT_EQ(sframe_header_of(prot).kid, key.kid());
      auto opened = unseal(link.rx, prot);
      ASSERT_TRUE(opened.ok()) << opened.error().message;
      EXPECT_EQ(*opened, plain);
    }
  }
  EXPECT_EQ(participant(link.rx, kAlice)->kid, key.kid());
  EXPECT_EQ(link.rx.counters().decrypted, 8u);
}

TEST(FrameProtection, ReceiverSkipsStepsItNeverSaw) {
  Link link;
  SenderKey key = link.key;
  for (int i = 0; i < 3; ++i) key.ratchet();
  ASSERT_TRUE(link.tx.set_send_key(key).ok());
  const Bytes plain = datagram(1, true);
  auto opened = unseal(link.rx, sealed(link.tx, plain));
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(*opened, plain);
  EXPECT_EQ(participant(link.rx, kAlice)->kid, kid_of(link.key.prefix, 3));
}

TEST(FrameProtection, StepTooFarAheadDoesNotMoveTheKey) {
  Link link;
  SenderKey step1 = link.key;
  step1.ratchet();
  SenderKey far = step1;  // step 1 + kMaxRatchetAhead = 65: too far from step 0, just reachable from 1
  for (int i = 0; i < FrameProtection::kMaxRatchetAhead; ++i) far.ratchet();
  ASSERT_EQ(far.step, FrameProtection::kMaxRatchetAhead + 1);

  FrameProtection far_tx(Policy::required);
  ASSERT_TRUE(far_tx.set_send_key(far).ok());
  const Bytes far_plain = datagram(100, false);
  const Bytes far_prot = sealed(far_tx, far_plain);
  auto r = unseal(link.rx, far_prot);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_EQ(link.rx.counters().missing_key, 1u);
  EXPECT_EQ(participant(link.rx, kAlice)->state, KeyState::missing_key);

  // Frames at the real steps still open: the key did not move.
  const Bytes p0 = datagram(1, false);
  auto o0 = unseal(link.rx, sealed(link.tx, p0));
  ASSERT_TRUE(o0.ok()) << o0.error().message;
  EXPECT_EQ(*o0, p0);
  ASSERT_TRUE(link.tx.set_send_key(step1).ok());
  const Bytes p1 = datagram(2, true);
  auto o1 = unseal(link.rx, sealed(link.tx, p1));
  ASSERT_TRUE(o1.ok()) << o1.error().message;
  EXPECT_EQ(*o1, p1);
  // Now exactly kMaxRatchetAhead steps ahead: derivable.
  auto o_far = unseal(link.rx, far_prot);
  ASSERT_TRUE(o_far.ok()) << o_far.error().message;
  EXPECT_EQ(*o_far, far_plain);
}

TEST(FrameProtection, ForgedHigherStepDoesNotMoveTheKey) {
  Link link;
  // Someone without the base key claims step 5 of alice's prefix.
  SenderKey forged = SenderKey::fresh();
  forged.prefix = link.key.prefix;
  for (int i = 0; i < 5; ++i) forged.ratchet();
  FrameProtection forger(Policy::required);
  ASSERT_TRUE(forger.set_send_key(forged).ok());
  auto r = unseal(link.rx, sealed(forger, datagram(1, false)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::decrypt_failed);
  EXPECT_EQ(link.rx.counters().decrypt_failed, 1u);

  // A genuine step-2 frame with a corrupted tag does not move the key either.
  SenderKey step2 = link.key;
  step2.ratchet();
  step2.ratchet();
  FrameProtection tx2(Policy::required);
  ASSERT_TRUE(tx2.set_send_key(step2).ok());
  const Bytes plain2 = datagram(2, true);
  const Bytes prot2 = sealed(tx2, plain2);
  Bytes bad2 = prot2;
  bad2[bad2.size() - 5] ^= 0x01;  // last tag byte (before the 4-byte report)
  ASSERT_FALSE(unseal(link.rx, bad2).ok());
  EXPECT_EQ(link.rx.counters().decrypt_failed, 2u);
  EXPECT_EQ(participant(link.rx, kAlice)->kid, link.key.kid()) << "still at step 0";

  // Step 0 and step 1 (below both forgeries) still open: the receiver's base stayed at 0.
  const Bytes p0 = datagram(3, false);
  ASSERT_TRUE(unseal(link.rx, sealed(link.tx, p0)).ok());
  SenderKey step1 = link.key;
  step1.ratchet();
  ASSERT_TRUE(link.tx.set_send_key(step1).ok());
  const Bytes p1 = datagram(4, false);
  auto o1 = unseal(link.rx, sealed(link.tx, p1));
  ASSERT_TRUE(o1.ok()) << o1.error().message;
  EXPECT_EQ(*o1, p1);
  auto o2 = unseal(link.rx, prot2);
  ASSERT_TRUE(o2.ok()) << o2.error().message;
  EXPECT_EQ(*o2, plain2);
}

// ---------------------------------------------------------------- hold and release

TEST(FrameProtection, FramesAwaitingTheirKeyAreHeldThenReleasedInOrder) {
  SenderKey key = SenderKey::fresh();
  FrameProtection tx(Policy::required), rx(Policy::required);
  ASSERT_TRUE(tx.set_send_key(key).ok());
  const std::vector<uint16_t> sources{7, 8, 7, 9, 7};
  std::vector<Bytes> plains, prots;
  for (size_t i = 0; i < sources.size(); ++i) {
    plains.push_back(datagram(static_cast<uint16_t>(40 + i), i % 2 == 0));
    prots.push_back(sealed(tx, plains.back()));
    auto r = unseal(rx, prots.back(), sources[i]);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::would_block);
  }
  // The relay delivers the first one twice while it waits: it is released once.
  ASSERT_EQ(unseal(rx, prots[0], sources[0]).error().code, Errc::would_block);
  EXPECT_EQ(rx.counters().held, sources.size() + 1);
  EXPECT_EQ(rx.counters().decrypted, 0u);
  EXPECT_TRUE(rx.take_ready().empty()) << "no key yet";

  ASSERT_TRUE(rx.add_receive_key(kAlice, key.kid(), key.base, false).ok());
  auto ready = rx.take_ready();
  ASSERT_EQ(ready.size(), sources.size());
  for (size_t i = 0; i < ready.size(); ++i) {
    EXPECT_EQ(ready[i].first, sources[i]) << i;
    EXPECT_EQ(ready[i].second, plains[i]) << i;
  }
  const auto c = rx.counters();
  EXPECT_EQ(c.released, sources.size());
  EXPECT_EQ(c.decrypted, sources.size());
  EXPECT_EQ(c.replayed, 1u);
  EXPECT_EQ(c.missing_key, 0u);
  EXPECT_TRUE(rx.take_ready().empty()) << "released once";
}

TEST(FrameProtection, HeldFramesAreBoundedByMaxHeld) {
  SenderKey key = SenderKey::fresh();
  FrameProtection tx(Policy::required), rx(Policy::required);
  ASSERT_TRUE(tx.set_send_key(key).ok());
  constexpr size_t kPushed = FrameProtection::kMaxHeld + 44;
  std::vector<Bytes> plains;
  for (size_t i = 0; i < kPushed; ++i) {
    plains.push_back(datagram(static_cast<uint16_t>(i), false, 8));
    auto r = unseal(rx, sealed(tx, plains.back()), static_cast<uint16_t>(i));
    ASSERT_FALSE(r.ok());
    ASSERT_EQ(r.error().code, Errc::would_block);
  }
  EXPECT_EQ(rx.counters().held, kPushed);
  EXPECT_EQ(rx.counters().missing_key, 44u) << "the oldest are given up on";
  ASSERT_TRUE(rx.add_receive_key(kAlice, key.kid(), key.base, false).ok());
  auto ready = rx.take_ready();
  ASSERT_EQ(ready.size(), FrameProtection::kMaxHeld);
  for (size_t i = 0; i < ready.size(); ++i) {
    EXPECT_EQ(ready[i].first, static_cast<uint16_t>(44 + i));
    EXPECT_EQ(ready[i].second, plains[44 + i]);
  }
}

TEST(FrameProtection, HeldFramesExpireAfterTheHoldTime) {
  FakeClock clock;
  SenderKey key = SenderKey::fresh();
  FrameProtection tx(Policy::required), rx(Policy::required);
  ASSERT_TRUE(tx.set_send_key(key).ok());
  const Bytes old_plain = datagram(1, false);
  ASSERT_EQ(unseal(rx, sealed(tx, old_plain)).error().code, Errc::would_block);
  clock.advance_ms(FrameProtection::kHoldMs);
  const Bytes new_plain = datagram(2, false);
  ASSERT_EQ(unseal(rx, sealed(tx, new_plain)).error().code, Errc::would_block);
  EXPECT_TRUE(rx.take_ready().empty());
  EXPECT_EQ(rx.counters().missing_key, 0u) << "exactly kHoldMs: still held";
  clock.advance_ms(1);
  EXPECT_TRUE(rx.take_ready().empty());
  EXPECT_EQ(rx.counters().missing_key, 1u) << "the first frame waited longer than kHoldMs: given up on";
  ASSERT_TRUE(rx.add_receive_key(kAlice, key.kid(), key.base, false).ok());
  auto ready = rx.take_ready();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].second, new_plain);
  EXPECT_EQ(rx.counters().released, 1u);
}

// ---------------------------------------------------------------- key changes

TEST(FrameProtection, FreshKeyReplacesButInFlightFramesStillOpen) {
  Link link;
  const Bytes old_plain = datagram(1, true);
  const Bytes in_flight = sealed(link.tx, old_plain);  // sent under the old key, arrives late

  const SenderKey fresh = SenderKey::fresh();
  ASSERT_NE(fresh.prefix, link.key.prefix);
  ASSERT_TRUE(link.tx.set_send_key(fresh).ok());
  ASSERT_TRUE(link.rx.add_receive_key(kAlice, fresh.kid(), fresh.base, true).ok());
  EXPECT_EQ(participant(link.rx, kAlice)->kid, fresh.kid());

  const Bytes new_plain = datagram(2, false);
  const Bytes new_prot = sealed(link.tx, new_plain);
  EXPECT_EQ(sframe_header_of(new_prot).kid, fresh.kid());
  EXPECT_EQ(sframe_header_of(new_prot).ctr, 0u) << "a new key starts its counter over";
  auto o_new = unseal(link.rx, new_prot);
  ASSERT_TRUE(o_new.ok()) << o_new.error().message;
  EXPECT_EQ(*o_new, new_plain);
  auto o_old = unseal(link.rx, in_flight);
  ASSERT_TRUE(o_old.ok()) << o_old.error().message;
  EXPECT_EQ(*o_old, old_plain);

  // Another sender cannot take over a prefix that is alice's (current or still kept).
  for (const uint64_t kid : {fresh.kid(), link.key.kid(), kid_of(fresh.prefix, 9)}) {
    auto st = link.rx.add_receive_key(kBob, kid, SenderKey::fresh().base, true);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, Errc::invalid_argument);
  }
  EXPECT_FALSE(participant(link.rx, kBob).has_value());
  const Bytes later = datagram(3, false);
  auto o_later = unseal(link.rx, sealed(link.tx, later));
  ASSERT_TRUE(o_later.ok()) << o_later.error().message;
  EXPECT_EQ(*o_later, later);
  EXPECT_EQ(link.rx.receive_prefixes().at(kAlice), kid_of(fresh.prefix, 0));
}

// Regression (the defect was in src/e2e/frame_protection.cpp, open_locked line 211: `view.kid = max(view.kid,
// kid)`): KIDs of different keys are compared as numbers, so a late frame under a sender's old key (whose
// random prefix happens to be larger) makes participants() report the old key as "the newest key of its we
// hold" after the sender moved to a fresh one. Expected: kid == fresh.kid(); actual: old.kid().
TEST(FrameProtection, ParticipantKidStaysTheNewestAfterALateOldFrame) {
  SenderKey old_key = SenderKey::fresh(), fresh = SenderKey::fresh();
  old_key.prefix = kPrefixMask;  // the largest prefix: the old KID compares above the new one
  fresh.prefix = 1;
  FrameProtection tx(Policy::required), rx(Policy::required);
  ASSERT_TRUE(tx.set_send_key(old_key).ok());
  ASSERT_TRUE(rx.add_receive_key(kAlice, old_key.kid(), old_key.base, false).ok());
  const Bytes late = sealed(tx, datagram(1, false));
  ASSERT_TRUE(tx.set_send_key(fresh).ok());
  ASSERT_TRUE(rx.add_receive_key(kAlice, fresh.kid(), fresh.base, true).ok());
  ASSERT_TRUE(unseal(rx, sealed(tx, datagram(2, false))).ok());
  EXPECT_EQ(participant(rx, kAlice)->kid, fresh.kid());
  ASSERT_TRUE(unseal(rx, late).ok()) << "in flight under the old key: still opens";
  EXPECT_EQ(participant(rx, kAlice)->kid, fresh.kid()) << "the newest key is still the fresh one";
}

// Regression (the defect was in src/e2e/frame_protection.cpp, add_receive_key, lines 286-291): a KeyShare
// with `replaces` set and a KID the receiver already holds is not "old news": it pushes another Epoch for the
// same KID with an empty replay window. A relay can re-deliver a signed key share it saw (key shares carry no
// freshness); after kEpochsPerSender copies the original epoch (and its replay record) is evicted and every
// frame already received under that KID opens again. Expected: the replay is refused (Errc::replay); actual:
// it opens.
TEST(FrameProtection, RepeatedReplacingKeyShareDoesNotReopenTheReplayWindow) {
  Link link;
  const SenderKey fresh = SenderKey::fresh();
  ASSERT_TRUE(link.tx.set_send_key(fresh).ok());
  ASSERT_TRUE(link.rx.add_receive_key(kAlice, fresh.kid(), fresh.base, true).ok());
  std::vector<Bytes> seen;
  for (uint16_t i = 0; i < 3; ++i) {
    seen.push_back(sealed(link.tx, datagram(i, false)));
    ASSERT_TRUE(unseal(link.rx, seen.back()).ok());
  }
  ASSERT_EQ(unseal(link.rx, seen[0]).error().code, Errc::replay) << "refused before the share came again";
  // The same (authentic) share again, as a relay would replay it.
  for (size_t i = 0; i < FrameProtection::kEpochsPerSender; ++i) {
    EXPECT_TRUE(link.rx.add_receive_key(kAlice, fresh.kid(), fresh.base, true).ok());
  }
  for (const auto& prot : seen) {
    auto r = unseal(link.rx, prot);
    EXPECT_FALSE(r.ok()) << "a frame already received opened again";
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, Errc::replay);
    }
  }
}

TEST(FrameProtection, RemovedSenderNoLongerOpens) {
  Link link;
  ASSERT_TRUE(unseal(link.rx, sealed(link.tx, datagram(1, false))).ok());
  link.rx.remove_sender(kAlice);
  EXPECT_FALSE(participant(link.rx, kAlice).has_value());
  EXPECT_TRUE(link.rx.receive_prefixes().empty());
  auto r = unseal(link.rx, sealed(link.tx, datagram(2, false)));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(link.rx.take_ready().empty());
  EXPECT_EQ(link.rx.counters().decrypted, 1u);

  // Removed as unauthorised: listed with that state and no key.
  Link link2;
  ASSERT_TRUE(unseal(link2.rx, sealed(link2.tx, datagram(1, true))).ok());
  link2.rx.remove_sender(kAlice, KeyState::unauthorised);
  auto alice = participant(link2.rx, kAlice);
  ASSERT_TRUE(alice.has_value());
  EXPECT_EQ(alice->state, KeyState::unauthorised);
  EXPECT_FALSE(alice->kid.has_value());
  EXPECT_FALSE(unseal(link2.rx, sealed(link2.tx, datagram(2, true))).ok());
  EXPECT_TRUE(link2.rx.take_ready().empty());
}

// ---------------------------------------------------------------- policies

TEST(FrameProtection, RequiredRefusesClearMedia) {
  FrameProtection rx(Policy::required);
  const Bytes plain = datagram(1, true);
  auto r = unseal(rx, plain);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().code, Errc::would_block);
  EXPECT_EQ(rx.counters().clear_refused, 1u);
  EXPECT_EQ(rx.counters().clear_received, 0u);
  // Nor does it send clear: without a key the datagram is refused, not sent as is.
  FrameProtection tx(Policy::required);
  Bytes d = plain;
  EXPECT_FALSE(tx.protect(d).ok());
  EXPECT_EQ(d, plain);
  EXPECT_EQ(tx.counters().sent_clear, 0u);
  EXPECT_TRUE(tx.sending_clear());
  tx.set_send_clear(true);  // only honoured with `preferred`
  ASSERT_TRUE(tx.set_send_key(SenderKey::fresh()).ok());
  EXPECT_FALSE(tx.sending_clear());
  ASSERT_TRUE(tx.protect(d).ok());
  EXPECT_EQ(d[kEncryptedMarkerOffset], kEncryptedMarker);
}

TEST(FrameProtection, PreferredAcceptsClearMediaAndCanSendClear) {
  Link link(Policy::preferred);
  const Bytes plain = datagram(1, true);
  auto r = unseal(link.rx, plain);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, plain);
  EXPECT_EQ(link.rx.counters().clear_received, 1u);

  EXPECT_FALSE(link.tx.sending_clear());
  link.tx.set_send_clear(true);
  EXPECT_TRUE(link.tx.sending_clear());
  Bytes d = plain;
  ASSERT_TRUE(link.tx.protect(d).ok());
  EXPECT_EQ(d, plain) << "sent clear: unchanged";
  EXPECT_EQ(link.tx.counters().sent_clear, 1u);
  EXPECT_EQ(link.tx.counters().encrypted, 0u);

  link.tx.set_send_clear(false);
  EXPECT_FALSE(link.tx.sending_clear());
  const Bytes prot = sealed(link.tx, plain);
  EXPECT_EQ(prot[kEncryptedMarkerOffset], kEncryptedMarker);
  EXPECT_EQ(link.tx.counters().encrypted, 1u);
  auto o = unseal(link.rx, prot);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(*o, plain);
}

TEST(FrameProtection, OffIsTheIdentity) {
  FrameProtection off(Policy::off);
  EXPECT_TRUE(off.sending_clear());
  ASSERT_TRUE(off.set_send_key(SenderKey::fresh()).ok());
  EXPECT_TRUE(off.sending_clear());
  for (const bool with_report : {false, true}) {
    const Bytes plain = datagram(3, with_report);
    Bytes d = plain;
    ASSERT_TRUE(off.protect(d).ok());
    EXPECT_EQ(d, plain);
    auto r = unseal(off, plain);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, plain);
  }
  EXPECT_EQ(off.counters().encrypted, 0u);
}

// Regression (the defect was in src/e2e/frame_protection.cpp, unprotect, line 225): with Policy::off a
// datagram whose byte 11 (csrc_count) is 0xE2 (kEncryptedMarker; "opaque, copied verbatim", e.g. an encrypted
// frame from a member that does use end-to-end) is not passed through but taken for SFrame: held
// (Errc::would_block) and dropped kHoldMs later. Expected: off is the identity (returns the datagram as is);
// actual: Errc::would_block.
TEST(FrameProtection, OffPassesMarkedDatagramsThroughUnchanged) {
  Link link;  // an encrypting member
  const Bytes prot = sealed(link.tx, datagram(4, false));
  FrameProtection off(Policy::off);
  auto r = unseal(off, prot);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, prot);
}

// ---------------------------------------------------------------- nonces

TEST(FrameProtection, TwoSendersNeverShareANonce) {
  const SenderKey ka = SenderKey::fresh(), kb = SenderKey::fresh();
  ASSERT_NE(ka.kid(), kb.kid());
  FrameProtection a(Policy::required), b(Policy::required);
  ASSERT_TRUE(a.set_send_key(ka).ok());
  ASSERT_TRUE(b.set_send_key(kb).ok());
  const Bytes plain = datagram(9, true);
  const Bytes pa = sealed(a, plain), pb = sealed(b, plain);
  const auto ha = sframe_header_of(pa), hb = sframe_header_of(pb);
  EXPECT_EQ(ha.ctr, hb.ctr) << "both first frames";
  EXPECT_NE(ha.kid, hb.kid) << "so their (KID, CTR) differ";
  auto body = [](const Bytes& p, const crypto::sframe::Header& h) {
    const size_t start = kHeader + crypto::sframe::header_size(h);
    return Bytes(p.begin() + static_cast<std::ptrdiff_t>(start), p.end() - 4);
  };
  const Bytes ca = body(pa, ha), cb = body(pb, hb);
  ASSERT_EQ(ca.size(), cb.size());
  EXPECT_NE(ca, cb);
  // Not even one 8-byte run of keystream-covered payload agrees.
  size_t equal_bytes = 0;
  for (size_t i = 0; i < ca.size(); ++i) equal_bytes += ca[i] == cb[i];
  EXPECT_LT(equal_bytes, ca.size() / 4);
}

TEST(FrameProtection, CounterIncrementsAndRestartsOnlyWithANewKid) {
  SenderKey key = SenderKey::fresh();
  FrameProtection tx(Policy::required);
  ASSERT_TRUE(tx.set_send_key(key).ok());
  std::set<std::pair<uint64_t, uint64_t>> used;
  uint64_t expected_ctr = 0;
  uint64_t current_kid = key.kid();
  auto send = [&](uint16_t seq) {
    const auto h = sframe_header_of(sealed(tx, datagram(seq, seq % 3 == 0)));
    EXPECT_EQ(h.kid, current_kid);
    EXPECT_EQ(h.ctr, expected_ctr);
    EXPECT_TRUE(used.insert({h.kid, h.ctr}).second) << "(KID, CTR) repeated";
    ++expected_ctr;
  };
  for (uint16_t i = 0; i < 20; ++i) send(i);
  key.ratchet();  // a join
  ASSERT_TRUE(tx.set_send_key(key).ok());
  current_kid = key.kid();
  expected_ctr = 0;
  for (uint16_t i = 20; i < 30; ++i) send(i);
  key = SenderKey::fresh();  // a leave
  ASSERT_TRUE(tx.set_send_key(key).ok());
  current_kid = key.kid();
  expected_ctr = 0;
  for (uint16_t i = 30; i < 35; ++i) send(i);
  EXPECT_EQ(used.size(), 35u);
  EXPECT_EQ(tx.send_kid(), key.kid());
  EXPECT_EQ(tx.counters().encrypted, 35u);
}

}  // namespace
}  // namespace wzp::e2e

namespace wzp::e2e {
namespace {

// A relay may invent participants without end: what the stage tracks of them stays bounded.
TEST(FrameProtection, TrackedParticipantsAreBounded) {
  FrameProtection p(Policy::required);
  for (size_t i = 0; i < FrameProtection::kMaxSenders + 500; ++i) {
    p.note_state("ghost-" + std::to_string(i), KeyState::unauthorised);
  }
  EXPECT_EQ(p.participants().size(), FrameProtection::kMaxSenders);
  const SenderKey key = SenderKey::fresh();
  auto refused = p.add_receive_key("one more", key.kid(), key.base, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::too_large);
  EXPECT_TRUE(p.add_receive_key("ghost-3", key.kid(), key.base, false).ok()) << "a tracked one still can";
}

}  // namespace
}  // namespace wzp::e2e

#include "wire/trunk_frame.hpp"

#include "wire/signal_message.hpp"
#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

using test::unhex;

SessionTag tag_from(const std::string& hex) {
  const Bytes bytes = unhex(hex);
  EXPECT_EQ(bytes.size(), 2u);
  return bytes.size() == 2 ? SessionTag{bytes[0], bytes[1]} : SessionTag{};
}

TrunkFrame frame_from(const nlohmann::json& entries) {
  TrunkFrame frame;
  for (const auto& e : entries) {
    frame.entries.push_back(TrunkEntry{tag_from(e.at("session_id_hex")), unhex(e.at("payload_hex"))});
  }
  return frame;
}

TEST(TrunkFrame, EncodeAndDecodeMatchVectors) {
  for (const auto& v : test::wire_vectors().at("trunk_frame")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const TrunkFrame frame = frame_from(v.at("entries"));
    EXPECT_EQ(to_hex(encode_trunk_frame(frame)), v.at("hex").get<std::string>());
    EXPECT_EQ(trunk_frame_size(frame), v.at("hex").get<std::string>().size() / 2);
    auto decoded = decode_trunk_frame(unhex(v.at("hex")));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, frame);
  }
}

TEST(TrunkFrame, DecodeVectors) {
  for (const auto& v : test::wire_vectors().at("trunk_decode")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    auto decoded = decode_trunk_frame(unhex(v.at("hex")));
    if (v.at("result") == "reject") {
      ASSERT_FALSE(decoded.ok());
      EXPECT_EQ(decoded.error().code, Errc::malformed);
      EXPECT_FALSE(decoded.error().message.empty());
      continue;
    }
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, frame_from(v.at("entries")));
  }
}

TEST(TrunkFrame, SessionTagVectors) {
  for (const auto& v : test::wire_vectors().at("trunk_session_tag")) {
    const auto id = v.at("session_id_hex").get<std::string>();
    EXPECT_EQ(to_hex(session_tag_from_hex(id)), v.at("tag_hex").get<std::string>()) << id;
  }
  EXPECT_EQ(to_hex(session_tag_from_hex("zz01")), "0001");  // an invalid pair gives 0
  EXPECT_EQ(to_hex(session_tag_from_hex("ABCD")), "abcd");
}

TEST(TrunkBatcher, DefaultsMatchVectors) {
  const auto& d = test::wire_vectors().at("trunk_batcher").at("defaults");
  EXPECT_EQ(TrunkBatcher::kDefaultMaxEntries, d.at("max_entries").get<size_t>());
  EXPECT_EQ(TrunkBatcher::kDefaultMaxBytes, d.at("max_bytes").get<size_t>());
  EXPECT_EQ(TrunkBatcher::kFlushIntervalMs, d.at("flush_interval_ms").get<uint32_t>());
  EXPECT_EQ(kTrunkFrameHeaderSize, d.at("frame_header_bytes").get<size_t>());
  EXPECT_EQ(kTrunkEntryOverhead, d.at("entry_overhead_bytes").get<size_t>());
}

TEST(TrunkBatcher, CasesMatchVectors) {
  for (const auto& c : test::wire_vectors().at("trunk_batcher").at("cases")) {
    SCOPED_TRACE(c.dump());
    TrunkBatcher batcher(c.at("max_entries").get<size_t>(), c.at("max_bytes").get<size_t>());
    std::vector<size_t> flush_points;
    std::vector<size_t> flushed_counts;
    const auto& lens = c.at("push_payload_lens");
    for (size_t i = 0; i < lens.size(); ++i) {
      const SessionTag tag{0, static_cast<uint8_t>(i + 1)};
      auto frame = batcher.push(tag, Bytes(lens.at(i).get<size_t>(), static_cast<uint8_t>('a' + i)));
      if (!frame) continue;
      flush_points.push_back(i);
      auto decoded = decode_trunk_frame(*frame);
      ASSERT_TRUE(decoded.ok());
      flushed_counts.push_back(decoded->entries.size());
      EXPECT_EQ(decoded->entries.front().session_id, (SessionTag{0, 1}));
    }
    EXPECT_EQ(flush_points, c.at("flush_after_push_index").get<std::vector<size_t>>());
    EXPECT_EQ(flushed_counts, c.at("flushed_entry_counts").get<std::vector<size_t>>());
    const size_t pending_after = c.value("pending_after", size_t{0});
    EXPECT_EQ(batcher.pending_entries(), pending_after);
    auto rest = batcher.flush();
    EXPECT_EQ(rest.has_value(), pending_after > 0);
    if (rest) {
      auto decoded = decode_trunk_frame(*rest);
      ASSERT_TRUE(decoded.ok());
      EXPECT_EQ(decoded->entries.size(), pending_after);
    }
    EXPECT_FALSE(batcher.flush().has_value());
  }
}

TEST(TrunkBatcher, OversizedEntry) {
  TrunkBatcher batcher(10, 100);
  // Alone: emitted at once.
  auto frame = batcher.push({1, 0}, Bytes(200, 1));
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->size(), 2u + 4u + 200u);
  // After a small entry: the small one is emitted, the big one waits.
  EXPECT_FALSE(batcher.push({1, 0}, Bytes(10, 2)).has_value());
  frame = batcher.push({1, 0}, Bytes(200, 3));
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->size(), 2u + 4u + 10u);
  EXPECT_EQ(batcher.pending_entries(), 1u);
  EXPECT_EQ(batcher.pending_bytes(), 2u + 4u + 200u);
}

TEST(TrunkFrame, RandomFramesRoundTrip) {
  for (int i = 0; i < 500; ++i) {
    TrunkFrame frame;
    const size_t n = test::random_below(12);
    for (size_t e = 0; e < n; ++e) {
      frame.entries.push_back(TrunkEntry{{test::random_int<uint8_t>(), test::random_int<uint8_t>()},
                                         test::random_bytes(test::random_below(200))});
    }
    auto decoded = decode_trunk_frame(encode_trunk_frame(frame));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, frame);
  }
}

// Corrupted frames are rejected, or decode to entries whose encoding is a
// prefix of the input (trailing bytes are ignored).
TEST(TrunkFrame, CorruptedInputNeverMisdecodes) {
  for (int i = 0; i < 100; ++i) {
    TrunkFrame frame;
    for (size_t e = 0; e < 1 + test::random_below(5); ++e) {
      frame.entries.push_back(TrunkEntry{{1, 2}, test::random_bytes(test::random_below(30))});
    }
    for (const Bytes& bad : test::corruptions(encode_trunk_frame(frame), 32)) {
      auto decoded = decode_trunk_frame(bad);
      if (!decoded.ok()) {
        EXPECT_EQ(decoded.error().code, Errc::malformed);
        continue;
      }
      const Bytes reencoded = encode_trunk_frame(*decoded);
      ASSERT_LE(reencoded.size(), bad.size());
      EXPECT_TRUE(std::equal(reencoded.begin(), reencoded.end(), bad.begin()));
    }
  }
}

// The negotiation (docs/PROTOCOL.md row 42): "wzp_trunk" follows the other extensions, both ways.
TEST(TrunkHandshakeField, EmittedLastAndReadBack) {
  CallOffer offer;
  offer.signature = Bytes(64);
  offer.media_session_version = 2;
  offer.peers_version = 1;
  offer.trunk_version = kTrunkVersion;
  std::string text = encode_json(SignalMessage(offer));
  EXPECT_NE(text.find(R"("wzp_media_session":2,"wzp_peers":1,"wzp_trunk":1}})"), std::string::npos) << text;
  auto decoded = decode_json(text);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(std::get<CallOffer>(*decoded).trunk_version, kTrunkVersion);

  CallAnswer answer;
  answer.signature = Bytes(64);
  answer.trunk_version = kTrunkVersion;
  text = encode_json(SignalMessage(answer));
  EXPECT_NE(text.find(R"(,"wzp_trunk":1}})"), std::string::npos) << text;
  EXPECT_EQ(std::get<CallAnswer>(*decode_json(text)).trunk_version, kTrunkVersion);
  // Absent: not emitted, not set (a reference peer's messages).
  answer.trunk_version.reset();
  text = encode_json(SignalMessage(answer));
  EXPECT_EQ(text.find("wzp_trunk"), std::string::npos);
  EXPECT_FALSE(std::get<CallAnswer>(*decode_json(text)).trunk_version.has_value());
}

}  // namespace
}  // namespace wzp::wire

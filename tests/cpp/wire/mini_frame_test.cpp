#include "wire/mini_frame.hpp"

#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

using test::header_from;
using test::unhex;

TEST(MiniHeader, MatchesVectors) {
  for (const auto& v : test::wire_vectors().at("mini_header")) {
    const MiniHeader mini{v.at("timestamp_delta_ms").get<uint16_t>(), v.at("payload_len").get<uint16_t>()};
    EXPECT_EQ(to_hex(encode_mini_header(mini)), v.at("hex").get<std::string>());
    auto decoded = decode_mini_header(unhex(v.at("hex")));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, mini);
  }
  EXPECT_FALSE(decode_mini_header(Bytes{0, 1, 2}).ok());
}

// The vector's frame i: header as listed (or, for unlisted frames, built the
// same way), payload three copies of 'a' + i % 26.
MediaHeader sequence_header(const MediaHeader& first, int i) {
  MediaHeader h = first;
  h.seq = static_cast<uint16_t>(i);
  h.timestamp = static_cast<uint32_t>(20 * i);
  return h;
}
Bytes sequence_payload(int i) { return Bytes(3, static_cast<uint8_t>('a' + i % 26)); }

TEST(CompactFraming, SequenceMatchesVectors) {
  const auto& frames = test::wire_vectors().at("compact_sequence").at("frames");
  const MediaHeader first = header_from(frames.at(0).at("header"));
  std::map<int, nlohmann::json> listed;
  for (const auto& f : frames) listed[f.at("index").get<int>()] = f;

  CompactEncoder encoder;
  CompactDecoder decoder;
  for (int i = 0; i <= 51; ++i) {
    SCOPED_TRACE(i);
    MediaPacket packet{sequence_header(first, i), sequence_payload(i), std::nullopt};
    if (auto it = listed.find(i); it != listed.end()) {
      EXPECT_EQ(packet.header, header_from(it->second.at("header")));
      EXPECT_EQ(packet.payload, unhex(it->second.at("payload_hex")));
    }
    const Bytes frame = encoder.encode(packet);
    EXPECT_EQ(frame[0], (i % 50 == 0) ? kFrameTypeFull : kFrameTypeMini);
    if (auto it = listed.find(i); it != listed.end()) {
      EXPECT_EQ(frame[0], it->second.at("frame_type").get<int>());
      EXPECT_EQ(to_hex(frame), it->second.at("hex").get<std::string>());
    }
    auto decoded = decoder.decode(frame);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, packet);
  }
}

TEST(CompactFraming, FullFrameWithQualityReport) {
  const auto& v = test::wire_vectors().at("compact_full_with_qr");
  const MediaPacket packet{header_from(v.at("header")), unhex(v.at("payload_hex")),
                           test::report_from(v.at("quality_report"))};
  CompactEncoder encoder;
  EXPECT_EQ(to_hex(encoder.encode(packet)), v.at("hex").get<std::string>());
  CompactDecoder decoder;
  auto decoded = decoder.decode(unhex(v.at("hex")));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, packet);
  // A later report cannot ride in a MINI frame: it goes FULL.
  MediaPacket next = packet;
  next.header.seq++;
  EXPECT_EQ(encoder.encode(next)[0], kFrameTypeFull);
}

TEST(CompactFraming, MiniExpandVectors) {
  const auto& v = test::wire_vectors().at("mini_expand");
  MediaHeader current = header_from(v.at("baseline_header"));
  const MediaHeader baseline = current;
  for (size_t i = 0; i < v.at("minis").size(); ++i) {
    const auto& m = v.at("minis").at(i);
    current = expand_mini_header(current, MiniHeader{m.at("timestamp_delta_ms"), m.at("payload_len")});
    EXPECT_EQ(current.seq, v.at("expected").at(i).at("seq").get<uint16_t>());
    EXPECT_EQ(current.timestamp, v.at("expected").at(i).at("timestamp").get<uint32_t>());
    MediaHeader others = current;  // every other field copied
    others.seq = baseline.seq;
    others.timestamp = baseline.timestamp;
    EXPECT_EQ(others, baseline);
  }
  const auto& wrap = v.at("wrap_case");
  MediaHeader base;
  base.seq = wrap.at("baseline_seq");
  base.timestamp = wrap.at("baseline_timestamp");
  const MediaHeader wrapped = expand_mini_header(base, MiniHeader{wrap.at("delta"), 0});
  EXPECT_EQ(wrapped.seq, wrap.at("expected_seq").get<uint16_t>());
  EXPECT_EQ(wrapped.timestamp, wrap.at("expected_timestamp").get<uint32_t>());
}

TEST(CompactFraming, DecodeVectors) {
  MediaHeader baseline;
  baseline.seq = 1;
  baseline.timestamp = 20;
  for (const auto& v : test::wire_vectors().at("compact_decode")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    CompactDecoder decoder;
    if (v.at("baseline").get<bool>()) decoder.set_baseline(baseline);
    const auto before = decoder.baseline();
    auto decoded = decoder.decode(unhex(v.at("hex")));
    if (v.at("result") == "reject") {
      ASSERT_FALSE(decoded.ok());
      EXPECT_EQ(decoded.error().code, Errc::malformed);
      EXPECT_EQ(decoder.baseline(), before);  // a failed decode leaves the context alone
      continue;
    }
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(to_hex(decoded->payload), v.at("payload_hex").get<std::string>());
    EXPECT_EQ(decoder.baseline(), decoded->header);
  }
}

TEST(CompactFraming, ResetForcesFullFrames) {
  CompactEncoder encoder;
  for (int i = 0; i < 5; ++i) {
    encoder.reset();
    EXPECT_EQ(encoder.encode(MediaPacket{sequence_header({}, i), sequence_payload(i), std::nullopt})[0],
              kFrameTypeFull);
  }
}

TEST(CompactFraming, RandomStreamsRoundTrip) {
  CompactEncoder encoder;
  CompactDecoder decoder;
  MediaHeader header = test::random_header();
  for (int i = 0; i < 3000; ++i) {
    MediaPacket packet{header, test::random_bytes(test::random_below(64)), std::nullopt};
    packet.header.has_quality_report = test::random_below(20) == 0;
    if (packet.header.has_quality_report) packet.quality_report = QualityReport{1, 2, 3, 4};
    const Bytes frame = encoder.encode(packet);
    auto decoded = decoder.decode(frame);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, packet) << i;
    // Next packet: the same stream, as MINI frames can only express seq + 1.
    header = packet.header;
    header.seq++;
    header.timestamp += static_cast<uint32_t>(test::random_below(100));
    header.has_quality_report = false;
  }
}

TEST(CompactFraming, CorruptedFramesNeverCrash) {
  CompactEncoder encoder;
  std::vector<Bytes> frames;
  for (int i = 0; i < 60; ++i) {
    frames.push_back(encoder.encode(MediaPacket{sequence_header({}, i), sequence_payload(i), std::nullopt}));
  }
  for (const Bytes& frame : frames) {
    for (const Bytes& bad : test::corruptions(frame, 16)) {
      CompactDecoder decoder;
      decoder.set_baseline(MediaHeader{});
      auto decoded = decoder.decode(bad);
      if (!decoded.ok()) {
        EXPECT_EQ(decoded.error().code, Errc::malformed);
      }
    }
  }
}

}  // namespace
}  // namespace wzp::wire

#include "wire/media_packet.hpp"

#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

using test::unhex;

TEST(MediaPacket, EncodeAndDecodeMatchVectors) {
  for (const auto& v : test::wire_vectors().at("media_packet")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    MediaPacket packet{test::header_from(v.at("header")), unhex(v.at("payload_hex")), std::nullopt};
    if (!v.at("quality_report").is_null()) packet.quality_report = test::report_from(v.at("quality_report"));
    EXPECT_EQ(media_packet_size(packet.payload.size(), packet.quality_report.has_value()),
              v.at("hex").get<std::string>().size() / 2);
    EXPECT_EQ(to_hex(encode_media_packet(packet)), v.at("hex").get<std::string>());
    auto decoded = decode_media_packet(unhex(v.at("hex")));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, packet);
  }
}

TEST(MediaPacket, DecodeVectors) {
  for (const auto& v : test::wire_vectors().at("media_packet_decode")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const Bytes input = unhex(v.at("hex"));
    auto decoded = decode_media_packet(input);
    if (v.at("result") == "reject") {
      ASSERT_FALSE(decoded.ok());
      EXPECT_EQ(decoded.error().code, Errc::malformed);
      EXPECT_FALSE(decoded.error().message.empty());
      continue;
    }
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(to_hex(decoded->payload), v.at("payload_hex").get<std::string>());
    if (v.at("quality_report").is_null()) {
      EXPECT_FALSE(decoded->quality_report.has_value());
    } else {
      ASSERT_TRUE(decoded->quality_report.has_value());
      EXPECT_EQ(*decoded->quality_report, test::report_from(v.at("quality_report")));
    }
  }
}

TEST(MediaPacket, ViewPointsIntoInput) {
  const Bytes input = unhex("0a800064000007d0010000007465737420617564696f20646174612068657265194b0a64");
  auto view = parse_media_packet(input);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->payload.data(), input.data() + kMediaHeaderSize);
  EXPECT_EQ(view->payload.size(), input.size() - kMediaHeaderSize - kQualityReportSize);
}

TEST(MediaPacket, QFlagFollowsReportPresence) {
  MediaPacket packet;
  packet.header.has_quality_report = true;  // but no report: the flag is not written
  packet.payload = {1, 2, 3};
  const Bytes bytes = encode_media_packet(packet);
  EXPECT_EQ(bytes[0] & 0x02, 0);
  auto decoded = decode_media_packet(bytes);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->payload, packet.payload);

  packet.header.has_quality_report = false;
  packet.quality_report = QualityReport{1, 2, 3, 4};
  const Bytes with_report = encode_media_packet(packet);
  EXPECT_EQ(with_report[0] & 0x02, 0x02);
  decoded = decode_media_packet(with_report);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->quality_report, packet.quality_report);
}

MediaPacket random_packet() {
  MediaPacket packet{test::random_header(), test::random_bytes(test::random_below(300)), std::nullopt};
  if (packet.header.has_quality_report) {
    packet.quality_report = QualityReport{test::random_int<uint8_t>(), test::random_int<uint8_t>(),
                                          test::random_int<uint8_t>(), test::random_int<uint8_t>()};
  }
  return packet;
}

TEST(MediaPacket, RandomPacketsRoundTrip) {
  for (int i = 0; i < 2000; ++i) {
    const MediaPacket packet = random_packet();
    auto decoded = decode_media_packet(encode_media_packet(packet));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, packet);
  }
}

// Truncated, bit-flipped and random inputs: rejected as malformed, or decoded
// to a packet whose encoding is the input with byte 1's low bits cleared.
TEST(MediaPacket, CorruptedInputNeverMisdecodes) {
  std::vector<Bytes> inputs;
  for (int i = 0; i < 200; ++i) {
    for (auto& c : test::corruptions(encode_media_packet(random_packet()), 16))
      inputs.push_back(std::move(c));
    inputs.push_back(test::random_bytes(test::random_below(40)));
  }
  for (const Bytes& input : inputs) {
    auto decoded = decode_media_packet(input);
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.error().code, Errc::malformed);
      continue;
    }
    Bytes expected = input;
    expected[1] &= 0xFC;
    EXPECT_EQ(encode_media_packet(*decoded), expected);
  }
}

}  // namespace
}  // namespace wzp::wire

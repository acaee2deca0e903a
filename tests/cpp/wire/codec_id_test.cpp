#include "wire/codec_id.hpp"

#include "wire/signal_message.hpp"
#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

using test::wire_vectors;

TEST(CodecId, MatchesVectors) {
  const auto& vectors = wire_vectors().at("codec_id");
  ASSERT_EQ(vectors.size(), kCodecCount);
  for (const auto& v : vectors) {
    const auto name = v.at("name").get<std::string>();
    SCOPED_TRACE(name);
    const auto codec = codec_from_wire(v.at("wire").get<uint8_t>());
    ASSERT_TRUE(codec.has_value());
    EXPECT_EQ(codec_name(*codec), name);
    EXPECT_EQ(codec_from_name(name), codec);
    EXPECT_EQ(codec_wire(*codec), v.at("wire").get<uint8_t>());
    EXPECT_EQ(codec_bitrate_bps(*codec), v.at("bitrate_bps").get<uint32_t>());
    EXPECT_EQ(codec_frame_duration_ms(*codec), v.at("frame_duration_ms").get<uint8_t>());
    EXPECT_EQ(codec_sample_rate_hz(*codec), v.at("sample_rate_hz").get<uint32_t>());
    EXPECT_EQ(encode_json(*codec), v.at("json").get<std::string>());
  }
}

TEST(CodecId, RejectsOtherWireValuesAndNames) {
  for (int wire = kCodecCount; wire < 256; ++wire) {
    EXPECT_FALSE(codec_from_wire(static_cast<uint8_t>(wire)).has_value()) << wire;
  }
  EXPECT_FALSE(codec_from_name("opus24k").has_value());  // case-sensitive
  EXPECT_FALSE(codec_from_name("Opus48k").has_value());
  EXPECT_FALSE(codec_from_name("").has_value());
}

}  // namespace
}  // namespace wzp::wire

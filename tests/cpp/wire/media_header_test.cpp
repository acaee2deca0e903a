#include "wire/media_header.hpp"

#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

using test::header_from;
using test::unhex;

TEST(MediaHeader, EncodeAndDecodeMatchVectors) {
  for (const auto& v : test::wire_vectors().at("media_header")) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    const MediaHeader header = header_from(v.at("fields"));
    const auto encoded = encode_media_header(header);
    EXPECT_EQ(to_hex(encoded), v.at("hex").get<std::string>());
    auto decoded = decode_media_header(unhex(v.at("hex")));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, header);
  }
}

TEST(MediaHeader, NonCanonicalVectors) {
  const auto& vectors = test::wire_vectors().at("media_header_decode_noncanonical");
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.at("name").get<std::string>());
    if (v.contains("reencoded_hex")) {
      // Decoding ignores byte 1's low bits; re-encoding writes them as 0.
      auto decoded = decode_media_header(unhex(v.at("hex")));
      ASSERT_TRUE(decoded.ok());
      EXPECT_EQ(*decoded, header_from(v.at("fields")));
      EXPECT_EQ(to_hex(encode_media_header(*decoded)), v.at("reencoded_hex").get<std::string>());
    } else {
      // An in-memory code above 127 loses bit 7 on write.
      const MediaHeader header = header_from(v.at("fields_in"));
      EXPECT_EQ(to_hex(encode_media_header(header)), v.at("hex").get<std::string>());
      auto decoded = decode_media_header(unhex(v.at("hex")));
      ASSERT_TRUE(decoded.ok());
      EXPECT_EQ(decoded->fec_ratio_encoded, v.at("decoded_fec_ratio_encoded").get<int>());
    }
  }
}

TEST(MediaHeader, OnlyLowVersionBitIsWritten) {
  MediaHeader header;
  header.version = 2;
  EXPECT_EQ(encode_media_header(header)[0] & 0x80, 0);
  header.version = 3;
  EXPECT_EQ(encode_media_header(header)[0] & 0x80, 0x80);
}

TEST(MediaHeader, RejectsShortInputAndInvalidCodecs) {
  for (size_t len = 0; len < kMediaHeaderSize; ++len) {
    auto r = decode_media_header(Bytes(len, 0));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::malformed);
    EXPECT_NE(r.error().message.find("12 bytes"), std::string::npos) << r.error().message;
  }
  for (uint8_t codec = kCodecCount; codec < 16; ++codec) {
    Bytes bytes(kMediaHeaderSize, 0);
    bytes[0] = static_cast<uint8_t>(codec << 2);
    auto r = decode_media_header(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::malformed);
    EXPECT_NE(r.error().message.find("codec"), std::string::npos);
  }
}

TEST(MediaHeader, RandomFieldsRoundTrip) {
  for (int i = 0; i < 5000; ++i) {
    const MediaHeader header = test::random_header();
    const auto bytes = encode_media_header(header);
    auto decoded = decode_media_header(bytes);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, header);
  }
}

// Any 12 bytes either fail on the codec alone or re-encode to the input with
// byte 1's two low bits cleared.
TEST(MediaHeader, RandomBytesDecodeConsistently) {
  for (int i = 0; i < 5000; ++i) {
    const Bytes bytes = test::random_bytes(kMediaHeaderSize + test::random_below(4));
    auto decoded = decode_media_header(bytes);
    const bool codec_valid = ((bytes[0] >> 2) & 0x0F) < kCodecCount;
    ASSERT_EQ(decoded.ok(), codec_valid);
    if (!decoded.ok()) continue;
    Bytes expected(bytes.begin(), bytes.begin() + kMediaHeaderSize);
    expected[1] &= 0xFC;
    const auto reencoded = encode_media_header(*decoded);
    EXPECT_EQ(Bytes(reencoded.begin(), reencoded.end()), expected);
  }
}

}  // namespace
}  // namespace wzp::wire

#include "wire/fec_ratio.hpp"

#include <cmath>
#include <limits>

#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

using test::f32_bits;

TEST(FecRatio, MatchesVectors) {
  for (const auto& v : test::wire_vectors().at("fec_ratio")) {
    const auto text = v.at("ratio").get<std::string>();
    SCOPED_TRACE(text);
    const float ratio = std::strtof(text.c_str(), nullptr);
    const uint8_t code = encode_fec_ratio(ratio);
    EXPECT_EQ(code, v.at("encoded").get<int>());
    EXPECT_EQ(f32_bits(decode_fec_ratio(code)), f32_bits(test::f32_from_bits_hex(v.at("decoded_f32_bits"))));
    EXPECT_NEAR(decode_fec_ratio(code), v.at("decoded_approx").get<double>(), 1e-6);
  }
}

TEST(FecRatio, SpecialInputsSaturate) {
  EXPECT_EQ(encode_fec_ratio(std::numeric_limits<float>::quiet_NaN()), 0);
  EXPECT_EQ(encode_fec_ratio(-std::numeric_limits<float>::infinity()), 0);
  EXPECT_EQ(encode_fec_ratio(std::numeric_limits<float>::infinity()), 127);
  EXPECT_EQ(encode_fec_ratio(1e30f), 127);
  EXPECT_EQ(encode_fec_ratio(-0.0f), 0);
}

TEST(FecRatio, EveryCodeRoundTrips) {
  for (int code = 0; code <= kFecRatioCodeMax; ++code) {
    EXPECT_EQ(encode_fec_ratio(decode_fec_ratio(static_cast<uint8_t>(code))), code);
  }
  // Bit 7 is not part of the code.
  EXPECT_EQ(f32_bits(decode_fec_ratio(0x80 | 5)), f32_bits(decode_fec_ratio(5)));
}

TEST(FecRatio, DecodeIsCloseToInputForRandomRatios) {
  for (int i = 0; i < 1000; ++i) {
    const float ratio = static_cast<float>(test::random_below(2001)) / 1000.0f;  // 0..2
    EXPECT_NEAR(decode_fec_ratio(encode_fec_ratio(ratio)), ratio, 0.5 / 63.5 + 1e-6) << ratio;
  }
}

}  // namespace
}  // namespace wzp::wire

#include "wire/f32_format.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "wire/json_reader.hpp"
#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

TEST(F32Format, MatchesVectors) {
  for (const auto& v : test::wire_vectors().at("f32_json_format")) {
    const auto bits = v.at("f32_bits").get<std::string>();
    EXPECT_EQ(format_f32_json(test::f32_from_bits_hex(bits)), v.at("json").get<std::string>()) << bits;
  }
}

TEST(F32Format, NonFiniteIsNull) {
  EXPECT_EQ(format_f32_json(std::numeric_limits<float>::quiet_NaN()), "null");
  EXPECT_EQ(format_f32_json(std::numeric_limits<float>::infinity()), "null");
  EXPECT_EQ(format_f32_json(-std::numeric_limits<float>::infinity()), "null");
}

TEST(F32Format, ExponentBoundaries) {
  EXPECT_EQ(format_f32_json(1e12f), "1000000000000.0");
  EXPECT_EQ(format_f32_json(1e-6f), "0.000001");
  EXPECT_EQ(format_f32_json(1.5e-7f), "1.5e-7");
  EXPECT_EQ(format_f32_json(2.5e13f), "2.5e+13");
  EXPECT_EQ(format_f32_json(std::numeric_limits<float>::denorm_min()), "1e-45");
  EXPECT_EQ(format_f32_json(12.5f), "12.5");
  EXPECT_EQ(format_f32_json(100.25f), "100.25");
}

// Random bit patterns: the text must be valid JSON, parse back (through our
// reader, as a peer would) to the same binary32, and be no longer than needed.
TEST(F32Format, RandomValuesRoundTrip) {
  for (int i = 0; i < 20000; ++i) {
    const float value = std::bit_cast<float>(test::random_int<uint32_t>());
    if (!std::isfinite(value)) continue;
    const std::string text = format_f32_json(value);
    auto parsed = json::parse(text);
    ASSERT_TRUE(parsed.ok()) << text;
    auto back = json::to_f32(*parsed, "value");
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(test::f32_bits(*back), test::f32_bits(value)) << text;
    EXPECT_EQ(std::strtof(text.c_str(), nullptr), value) << text;
  }
}

}  // namespace
}  // namespace wzp::wire

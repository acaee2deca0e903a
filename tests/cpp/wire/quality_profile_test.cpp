#include "wire/quality_profile.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "wire/fec_ratio.hpp"
#include "wire/signal_message.hpp"
#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

using test::f32_bits;

TEST(QualityProfile, NamedProfilesMatchVectors) {
  for (const auto& v : test::wire_vectors().at("quality_profile")) {
    const auto name = v.at("name").get<std::string>();
    SCOPED_TRACE(name);
    const QualityProfile p = test::profile_named(name);
    EXPECT_EQ(codec_name(p.codec), v.at("codec").get<std::string>());
    EXPECT_EQ(f32_bits(p.fec_ratio), f32_bits(test::f32_from_bits_hex(v.at("fec_ratio_f32_bits"))));
    EXPECT_EQ(p.frame_duration_ms, v.at("frame_duration_ms").get<int>());
    EXPECT_EQ(p.frames_per_block, v.at("frames_per_block").get<int>());
    EXPECT_EQ(encode_fec_ratio(p.fec_ratio), v.at("fec_ratio_encoded").get<int>());
    EXPECT_EQ(repair_symbols_per_block(p), v.at("repair_symbols_per_block").get<uint32_t>());
    EXPECT_NEAR(total_kbps(p), v.at("total_bitrate_kbps_approx").get<double>(), 1e-3);
    EXPECT_EQ(encode_json(p), v.at("json").get<std::string>());

    auto parsed = json::parse(v.at("json").get<std::string>());
    ASSERT_TRUE(parsed.ok());
    auto decoded = quality_profile_from_json(*parsed, "profile");
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    EXPECT_EQ(*decoded, p);
  }
}

TEST(QualityProfile, ChoiceMatchesCryptoVectors) {
  for (const auto& v : test::crypto_vectors().at("profile_choice")) {
    std::vector<QualityProfile> offered;
    for (const auto& name : v.at("offered")) offered.push_back(test::profile_named(name.get<std::string>()));
    SCOPED_TRACE(v.dump());
    EXPECT_EQ(choose_profile(offered), test::profile_named(v.at("chosen").get<std::string>()));
    const auto index = choose_profile_index(offered);
    if (v.at("chosen_index").is_null()) {
      EXPECT_FALSE(index.has_value());
    } else {
      ASSERT_TRUE(index.has_value());
      EXPECT_EQ(*index, v.at("chosen_index").get<size_t>());
    }
  }
}

TEST(QualityProfile, ChoiceCopiesCustomProfileAndPrefersLaterOnTiesAndNaN) {
  const QualityProfile custom{CodecId::opus16k, 0.25f, 20, 4};  // 20 kbps, below GOOD's 28.8
  const QualityProfile rich{CodecId::opus24k, 1.5f, 20, 3};     // 60 kbps
  std::vector<QualityProfile> offered{custom, rich, kProfileGood};
  EXPECT_EQ(choose_profile(offered), rich);
  EXPECT_EQ(choose_profile_index(offered), 1u);

  const QualityProfile rich_copy{CodecId::opus24k, 1.5f, 40, 9};  // same total, later
  offered.push_back(rich_copy);
  EXPECT_EQ(choose_profile(offered), rich_copy);

  const QualityProfile nan_profile{CodecId::opus6k, std::numeric_limits<float>::quiet_NaN(), 40, 10};
  offered.push_back(nan_profile);
  EXPECT_EQ(choose_profile_index(offered), offered.size() - 1);  // NaN "ties"
}

TEST(QualityProfile, EqualityIsBinary32) {
  QualityProfile a = kProfileGood;
  QualityProfile b = kProfileGood;
  b.fec_ratio = std::nextafter(a.fec_ratio, 1.0f);
  EXPECT_NE(a, b);
  b.fec_ratio = a.fec_ratio;
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace wzp::wire

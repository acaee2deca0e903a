// The reference's quality controller (its tier classification and hysteresis sequences, from
// the known-answer vectors in wire.json) reproduced by QualityController over the reference
// tier table: a libwzp sender talking to reference peers adapts exactly as the reference does.
#include <gtest/gtest.h>

#include <string>

#include "media/quality/quality_controller.hpp"
#include "media/quality/quality_tiers.hpp"
#include "wire/vectors.hpp"

namespace wzp::media {
namespace {

using wire::test::wire_vectors;

wire::QualityReport report_of(const nlohmann::json& j) {
  wire::QualityReport r;
  r.loss_pct = j.at("loss_pct").get<uint8_t>();
  r.rtt_4ms = j.at("rtt_4ms").get<uint8_t>();
  r.jitter_ms = j.value("jitter_ms", uint8_t{0});
  r.bitrate_cap_kbps = j.value("bitrate_cap_kbps", uint8_t{0});
  return r;
}

// The vectors name tiers "Good" / "Degraded" / "Catastrophic" and profiles in capitals.
std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST(QualityVectors, ReferenceTierClassification) {
  const auto tiers = reference_quality_tiers();
  const auto& cases = wire_vectors().at("tier_classify");
  ASSERT_FALSE(cases.empty());
  for (const auto& v : cases) {
    const auto r = report_of(v);
    const size_t tier = classify(tiers, wire::loss_percent(r), wire::rtt_ms(r));
    EXPECT_EQ(std::string(tiers[tier].name), upper(v.at("tier").get<std::string>()))
        << "loss_pct " << int(r.loss_pct) << " rtt_4ms " << int(r.rtt_4ms);
  }
}

TEST(QualityVectors, ReferenceControllerSequences) {
  const auto& sequences = wire_vectors().at("quality_controller_sequences");
  ASSERT_FALSE(sequences.empty());
  for (const auto& seq : sequences) {
    SCOPED_TRACE(seq.at("name").get<std::string>());
    QualityController controller(reference_quality_tiers(), wire::kProfileGood);
    int64_t now = 0;
    size_t step = 0;
    for (const auto& s : seq.at("steps")) {
      SCOPED_TRACE("step " + std::to_string(step++));
      // One report a second, as receivers send them: every report is an evaluation.
      const auto switched = controller.on_report(1, report_of(s.at("report")), now);
      now += 1000;
      const auto& emitted = s.at("emitted_profile");
      if (emitted.is_null()) {
        EXPECT_FALSE(switched.has_value());
      } else {
        ASSERT_TRUE(switched.has_value());
        EXPECT_EQ(std::string(controller.tier_name()), emitted.get<std::string>());
      }
      EXPECT_EQ(std::string(controller.tier_name()), upper(s.at("tier_after").get<std::string>()));
    }
  }
}

}  // namespace
}  // namespace wzp::media

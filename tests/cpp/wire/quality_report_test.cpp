#include "wire/quality_report.hpp"

#include "wire/json_reader.hpp"
#include "wire/signal_message.hpp"
#include "wire/vectors.hpp"

namespace wzp::wire {
namespace {

TEST(QualityReport, MatchesVectors) {
  for (const auto& v : test::wire_vectors().at("quality_report")) {
    SCOPED_TRACE(v.at("hex").get<std::string>());
    const QualityReport report = test::report_from(v.at("fields"));
    EXPECT_EQ(to_hex(encode_quality_report(report)), v.at("hex").get<std::string>());
    auto decoded = decode_quality_report(test::unhex(v.at("hex")));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, report);
    EXPECT_EQ(test::f32_bits(loss_percent(report)),
              test::f32_bits(test::f32_from_bits_hex(v.at("loss_percent_f32_bits"))));
    EXPECT_EQ(rtt_ms(report), v.at("rtt_ms").get<uint32_t>());
  }
}

TEST(QualityReport, RejectsShortInput) {
  for (size_t len = 0; len < kQualityReportSize; ++len) {
    auto r = decode_quality_report(Bytes(len, 7));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::malformed);
  }
}

TEST(QualityReport, JsonFormRoundTripsAndChecksRange) {
  const QualityReport report{25, 75, 10, 100};
  const std::string text = encode_json(report);
  EXPECT_EQ(text, R"({"loss_pct":25,"rtt_4ms":75,"jitter_ms":10,"bitrate_cap_kbps":100})");
  auto parsed = json::parse(text);
  ASSERT_TRUE(parsed.ok());
  auto back = quality_report_from_json(*parsed, "report");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, report);

  auto big = json::parse(R"({"loss_pct":256,"rtt_4ms":0,"jitter_ms":0,"bitrate_cap_kbps":0})");
  ASSERT_TRUE(big.ok());
  auto rejected = quality_report_from_json(*big, "report");
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code, Errc::json);
  EXPECT_NE(rejected.error().message.find("report.loss_pct"), std::string::npos) << rejected.error().message;
}

}  // namespace
}  // namespace wzp::wire

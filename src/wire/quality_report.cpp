#include "wire/quality_report.hpp"

#include <string>

namespace wzp::wire {

float loss_percent(const QualityReport& report) noexcept {
  return static_cast<float>(report.loss_pct) / 255.0f * 100.0f;
}

uint32_t rtt_ms(const QualityReport& report) noexcept { return uint32_t{report.rtt_4ms} * 4; }

void write_quality_report(const QualityReport& report, uint8_t* out) noexcept {
  out[0] = report.loss_pct;
  out[1] = report.rtt_4ms;
  out[2] = report.jitter_ms;
  out[3] = report.bitrate_cap_kbps;
}

ByteArray<kQualityReportSize> encode_quality_report(const QualityReport& report) noexcept {
  ByteArray<kQualityReportSize> out;
  write_quality_report(report, out.data());
  return out;
}

Result<QualityReport> decode_quality_report(ByteView data) {
  if (data.size() < kQualityReportSize) {
    return make_error(Errc::malformed, "quality report needs 4 bytes, got " + std::to_string(data.size()));
  }
  return QualityReport{data[0], data[1], data[2], data[3]};
}

}  // namespace wzp::wire

// QualityReport: the optional 4-byte trailer of a media packet (wire spec §4.4),
// also embedded as an object in the QualityUpdate signal.
#pragma once

#include <cstdint>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace wzp::wire {

inline constexpr size_t kQualityReportSize = 4;

struct QualityReport {
  uint8_t loss_pct = 0;          // loss percent = value / 255 * 100
  uint8_t rtt_4ms = 0;           // RTT in 4 ms units
  uint8_t jitter_ms = 0;         // jitter in ms
  uint8_t bitrate_cap_kbps = 0;  // max receive bitrate in kbit/s

  friend bool operator==(const QualityReport&, const QualityReport&) = default;
};

/// Loss in percent, value / 255 * 100 computed in binary32.
float loss_percent(const QualityReport& report) noexcept;
/// RTT in milliseconds (rtt_4ms * 4, 0..1020).
uint32_t rtt_ms(const QualityReport& report) noexcept;

/// Write the 4 trailer bytes to `out` (which must hold kQualityReportSize bytes).
void write_quality_report(const QualityReport& report, uint8_t* out) noexcept;
ByteArray<kQualityReportSize> encode_quality_report(const QualityReport& report) noexcept;

/// Parse the first 4 bytes of `data`. Errors: Errc::malformed if fewer than 4 bytes.
Result<QualityReport> decode_quality_report(ByteView data);

}  // namespace wzp::wire

// QualityProfile: codec + FEC settings negotiated in CallOffer/CallAnswer and
// recommended in QualityUpdate (wire spec §7.2, crypto spec §6.6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "wire/codec_id.hpp"

namespace wzp::wire {

struct QualityProfile {
  CodecId codec = CodecId::opus24k;
  float fec_ratio = 0.0f;  // binary32 on the wire and in comparisons
  uint8_t frame_duration_ms = 20;
  uint8_t frames_per_block = 5;

  /// Field-by-field; binary32 equality for fec_ratio (as the reference).
  friend bool operator==(const QualityProfile&, const QualityProfile&) = default;
};

inline constexpr QualityProfile kProfileGood{CodecId::opus24k, 0.2f, 20, 5};
inline constexpr QualityProfile kProfileDegraded{CodecId::opus6k, 0.5f, 40, 10};
inline constexpr QualityProfile kProfileCatastrophic{CodecId::codec2_1200, 1.0f, 40, 8};

// libwzp-only profiles for heavy loss (docs/PROTOCOL.md): Opus with one libwzp Reed–Solomon
// repair per source frame. Never offered in a CallOffer (a reference relay would choose them
// for their higher total_kbps); used only between libwzp peers. Frames played by FEC alone
// under independent loss (docs/PERFORMANCE.md "FEC recovery versus loss"):
//   RESILIENT       K=5, R=5, 100 ms blocks: 99.6 % at 20 % loss, 97.0 % at 30 %
//   RESILIENT_DEEP  K=8, R=8, 160 ms blocks: 99.9 % at 20 % loss, 98.5 % at 30 %
inline constexpr QualityProfile kProfileResilient{CodecId::opus16k, 1.0f, 20, 5};
inline constexpr QualityProfile kProfileResilientDeep{CodecId::opus16k, 1.0f, 20, 8};

/// Total bitrate in kbit/s: (codec_bps / 1000) * (1 + fec_ratio), each step in binary32.
float total_kbps(const QualityProfile& profile) noexcept;

/// Repair symbols the sender emits per FEC block: ceil(frames_per_block * fec_ratio)
/// in binary32 (GOOD 1, DEGRADED 5, CATASTROPHIC 8). Negative or NaN gives 0.
uint32_t repair_symbols_per_block(const QualityProfile& profile) noexcept;

/// The callee's choice among offered profiles: the index of the element with
/// the highest total_kbps, the later element winning ties (NaN ties with
/// everything); nullopt for an empty list.
std::optional<size_t> choose_profile_index(std::span<const QualityProfile> offered) noexcept;

/// The offered profile at choose_profile_index, copied verbatim; GOOD for an empty list.
QualityProfile choose_profile(std::span<const QualityProfile> offered) noexcept;

}  // namespace wzp::wire

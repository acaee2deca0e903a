// Sliding anti-replay windows of 1024 packets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "core/result.hpp"

namespace wzp::crypto {

inline constexpr uint64_t kReplayWindowSize = 1024;

namespace detail {
/// 1024 flags; flag i means "highest - i was seen".
class ReplayBitmap {
 public:
  bool test(uint64_t offset) const noexcept { return (words_[offset / 64] >> (offset % 64)) & 1U; }
  void set(uint64_t offset) noexcept { words_[offset / 64] |= uint64_t{1} << (offset % 64); }
  /// Every recorded offset grows by n; offsets >= 1024 fall off.
  void shift(uint64_t n) noexcept;

 private:
  std::array<uint64_t, kReplayWindowSize / 64> words_{};
};
}  // namespace detail

/// The reference's window on 16-bit sequence numbers (spec §8), exactly: the
/// first value is accepted; a value up to 0x7FFF ahead (mod 2^16) is accepted
/// and moves the window; a value behind by less than 1024 is accepted once.
/// Unauthenticated use lets one forged far-ahead value push genuine traffic
/// out of the window, which is why MediaSession uses ExtendedReplayWindow.
class AntiReplayWindow {
 public:
  /// Errors: Errc::replay "anti-replay: duplicate or old packet (seq=N)".
  Status check_and_update(uint16_t seq);

 private:
  bool initialized_ = false;
  uint16_t highest_ = 0;
  detail::ReplayBitmap seen_;
};

/// Window on 64-bit packet indices that separates the check from the update,
/// so a receiver can check before decrypting and record only packets whose tag
/// verified.
class ExtendedReplayWindow {
 public:
  /// True unless `index` was recorded already or is 1024 or more below the highest.
  bool is_fresh(uint64_t index) const noexcept;
  /// Records an (authenticated) index; moves the window if it is the new highest.
  void record(uint64_t index) noexcept;
  /// Highest recorded index, if any.
  std::optional<uint64_t> highest() const noexcept {
    return initialized_ ? std::optional<uint64_t>(highest_) : std::nullopt;
  }

 private:
  bool initialized_ = false;
  uint64_t highest_ = 0;
  detail::ReplayBitmap seen_;
};

}  // namespace wzp::crypto

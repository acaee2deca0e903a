#include "crypto/anti_replay.hpp"

#include <string>

namespace wzp::crypto {

void detail::ReplayBitmap::shift(uint64_t n) noexcept {
  constexpr size_t kWords = kReplayWindowSize / 64;
  if (n >= kReplayWindowSize) {
    words_.fill(0);
    return;
  }
  const size_t word_shift = n / 64;
  const unsigned bit_shift = n % 64;
  for (size_t k = kWords; k-- > 0;) {
    uint64_t v = 0;
    if (k >= word_shift) {
      v = words_[k - word_shift] << bit_shift;
      if (bit_shift != 0 && k >= word_shift + 1) v |= words_[k - word_shift - 1] >> (64 - bit_shift);
    }
    words_[k] = v;
  }
}

Status AntiReplayWindow::check_and_update(uint16_t seq) {
  if (!initialized_) {
    initialized_ = true;
    highest_ = seq;
    seen_.set(0);
    return {};
  }
  const uint16_t ahead = static_cast<uint16_t>(seq - highest_);
  bool accept = false;
  if (ahead != 0 && ahead <= 0x7FFF) {
    seen_.shift(ahead);
    highest_ = seq;
    seen_.set(0);
    accept = true;
  } else if (ahead != 0) {
    const uint16_t behind = static_cast<uint16_t>(highest_ - seq);
    if (behind < kReplayWindowSize && !seen_.test(behind)) {
      seen_.set(behind);
      accept = true;
    }
  }
  if (accept) return {};
  return make_error(Errc::replay, "anti-replay: duplicate or old packet (seq=" + std::to_string(seq) + ")");
}

bool ExtendedReplayWindow::is_fresh(uint64_t index) const noexcept {
  if (!initialized_ || index > highest_) return true;
  const uint64_t behind = highest_ - index;
  return behind < kReplayWindowSize && !seen_.test(behind);
}

void ExtendedReplayWindow::record(uint64_t index) noexcept {
  if (!initialized_ || index > highest_) {
    seen_.shift(initialized_ ? index - highest_ : kReplayWindowSize);
    highest_ = index;
    initialized_ = true;
    seen_.set(0);
    return;
  }
  const uint64_t behind = highest_ - index;
  if (behind < kReplayWindowSize) seen_.set(behind);
}

}  // namespace wzp::crypto

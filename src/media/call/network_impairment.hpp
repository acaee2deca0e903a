// A bad network, emulated on datagrams: random or bursty loss and random delay (which
// reorders). Pure and clock-driven: the caller says what time it is; no threads, no
// sleeping, and the same seed and inputs always give the same output.
//
// Loss follows a two-state Gilbert–Elliott model: in the "bad" state every datagram is
// lost, in the "good" state none is. A bad run lasts on average `burst` datagrams and the
// chance to enter one is chosen so that the long-run loss is `loss_pct`. With burst <= 1
// every datagram is lost independently (Bernoulli), the usual "random loss".
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.hpp"

namespace wzp::media {

struct ImpairmentConfig {
  double loss_pct = 0;     // long-run fraction of datagrams lost, in percent (0..100)
  uint32_t burst = 1;      // mean length of a loss run, in datagrams (<= 1: independent loss)
  uint32_t jitter_ms = 0;  // each datagram is delayed by a uniform random 0..jitter_ms
  uint64_t seed = 1;

  /// Whether this config changes anything (no loss and no jitter: a pass-through).
  bool active() const noexcept { return loss_pct > 0 || jitter_ms > 0; }
};

class NetworkImpairment {
 public:
  explicit NetworkImpairment(ImpairmentConfig config = {}) noexcept;

  /// A datagram sent at `now_ms`: dropped, or held until its delivery time.
  void submit(Bytes datagram, int64_t now_ms);
  /// The datagrams whose delivery time is <= now_ms, earliest first (submission order on ties).
  std::vector<Bytes> due(int64_t now_ms);
  /// The delivery time of the earliest held datagram; INT64_MAX when none is held.
  int64_t next_due_ms() const noexcept;

  struct Stats {
    uint64_t submitted = 0;
    uint64_t dropped = 0;
    uint64_t delivered = 0;
    uint64_t held = 0;          // submitted, not dropped, not delivered yet
    uint64_t loss_runs = 0;     // runs of consecutive dropped datagrams
    uint64_t reordered = 0;     // delivered after a datagram that was submitted later
    uint32_t max_delay_ms = 0;  // largest delay drawn so far
  };
  Stats stats() const noexcept { return stats_; }
  const ImpairmentConfig& config() const noexcept { return config_; }

 private:
  struct Held {
    int64_t due_ms;
    uint64_t order;  // submission number: ties and reorder detection
    Bytes datagram;
  };
  bool draw_loss() noexcept;
  double uniform01() noexcept;  // [0, 1), from the seeded generator
  uint64_t next_random() noexcept;

  ImpairmentConfig config_;
  double enter_bad_ = 0;  // P(good -> bad) per datagram
  double leave_bad_ = 1;  // P(bad -> good) per datagram
  bool bad_ = false;
  bool last_dropped_ = false;
  uint64_t state_;  // splitmix64 state: portable, unlike std distributions
  uint64_t submitted_ = 0;
  uint64_t highest_delivered_ = 0;  // 1 + the highest submission number delivered
  std::vector<Held> held_;          // a min-heap on (due_ms, order)
  Stats stats_;
};

}  // namespace wzp::media

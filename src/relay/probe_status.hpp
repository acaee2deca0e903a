// The health of one probe target, as the relay reports it (mesh health).
#pragma once

#include <cstdint>
#include <string>

namespace wzp::relay {

struct ProbeStatus {
  std::string target;
  std::string kind;
  bool up;
  double rtt_ms, loss_pct, jitter_ms;
  uint64_t pings_sent, pongs_received;
};

}  // namespace wzp::relay

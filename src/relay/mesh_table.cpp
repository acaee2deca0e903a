#include "relay/mesh_table.hpp"

#include <algorithm>
#include <cstdio>

namespace wzp::relay {
namespace {

// printf pads by bytes; the target is ASCII ("ip:port").
std::string format(const char* fmt, auto... args) {
  char buf[256];
  int n = std::snprintf(buf, sizeof buf, fmt, args...);
  if (n < 0) return {};
  if (static_cast<size_t>(n) < sizeof buf) return std::string(buf, static_cast<size_t>(n));
  std::string out(static_cast<size_t>(n) + 1, '\0');
  (void)std::snprintf(out.data(), out.size(), fmt, args...);
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace

std::string mesh_table(std::vector<ProbeStatus> rows) {
  std::string out = "Relay Mesh Health\n";
  for (int i = 0; i < 41; ++i) out += "\u2500";
  out += '\n';
  out += format("%-20s %6s %6s %7s  %s\n", "Target", "RTT", "Loss", "Jitter", "Status");
  if (rows.empty()) {
    out += "  (no probe targets configured)\n";
    return out;
  }
  std::sort(rows.begin(), rows.end(),
            [](const ProbeStatus& a, const ProbeStatus& b) { return a.target < b.target; });
  for (const auto& r : rows) {
    out += format("%-20s %5.0fms %5.1f%% %5.0fms  %s\n", r.target.c_str(), r.rtt_ms, r.loss_pct, r.jitter_ms,
                  r.up ? "UP" : "DOWN");
  }
  return out;
}

}  // namespace wzp::relay

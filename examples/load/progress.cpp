#include "progress.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "proc_stats.hpp"

namespace load {

Progress::Progress(double every_s, std::FILE* json_lines, std::optional<pid_t> relay_pid)
    : every_ns_(every_s > 0 ? static_cast<uint64_t>(every_s * 1e9) : 0),
      json_lines_(json_lines),
      relay_pid_(relay_pid) {}

void Progress::begin(int step, size_t participants, double fanout, uint64_t now) {
  step_ = step;
  participants_ = participants;
  fanout_ = fanout;
  t0_ = last_ = now;
  next_ = now + every_ns_;
  last_relay_cpu_ = relay_pid_ ? process_cpu_ns(*relay_pid_) : std::nullopt;
  last_latency_ = LiveHistogram::Snapshot();
}

void Progress::tick(uint64_t now, const char* phase, const Tally& tally) {
  if (every_ns_ == 0 || now < next_) return;
  next_ = now + every_ns_;
  const Tally::Live live = tally.live();
  const auto interval = live.latency.since(last_latency_);
  last_latency_ = live.latency;
  const double p99_ms = interval.quantile(0.99) / 1e6;
  double relay_pct = NAN;
  if (relay_pid_) {
    const auto cpu = process_cpu_ns(*relay_pid_);
    if (cpu && last_relay_cpu_ && now > last_)
      relay_pct = 100.0 * static_cast<double>(*cpu - *last_relay_cpu_) / static_cast<double>(now - last_);
    last_relay_cpu_ = cpu;
  }
  last_ = now;
  const uint64_t sent = tally.sent.load(std::memory_order_relaxed);
  const double share =
      sent == 0 ? NAN : 100.0 * static_cast<double>(live.delivered) / (static_cast<double>(sent) * fanout_);
  const double t = static_cast<double>(now - t0_) / 1e9;
  auto fmt = [](const char* format, double v) {
    if (!std::isfinite(v)) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v);
    return std::string(buf);
  };
  std::printf(
      "[%7.1fs] step %d %-8s joined %llu/%zu failed %llu closed %llu | sent %llu delivered %llu (%s %% of "
      "sent x fan-out) | p99 %s ms | relay CPU %s %%\n",
      t, step_, phase, static_cast<unsigned long long>(live.joined), participants_,
      static_cast<unsigned long long>(live.failed), static_cast<unsigned long long>(live.closed),
      static_cast<unsigned long long>(sent), static_cast<unsigned long long>(live.delivered),
      fmt("%.2f", share).c_str(), fmt("%.3f", p99_ms).c_str(), fmt("%.1f", relay_pct).c_str());
  std::fflush(stdout);
  if (json_lines_ != nullptr) {
    auto num = [](double v) -> nlohmann::ordered_json {
      if (!std::isfinite(v)) return nullptr;
      return std::round(v * 1e3) / 1e3;
    };
    nlohmann::ordered_json j{{"t", num(t)},
                             {"step", step_},
                             {"phase", phase},
                             {"participants", participants_},
                             {"joined", live.joined},
                             {"join_failures", live.failed},
                             {"disconnected", live.closed},
                             {"sent", sent},
                             {"delivered", live.delivered},
                             {"latency_p99_ms", num(p99_ms)},
                             {"relay_cpu_pct", num(relay_pct)}};
    std::fprintf(json_lines_, "%s\n", j.dump().c_str());
    std::fflush(json_lines_);
  }
}

}  // namespace load

#include "proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace load {

std::optional<uint64_t> process_cpu_ns(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // The command name (field 2) may hold spaces: fields are counted after its closing ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int n = 3; fields >> field; ++n) {  // field 3 is the state
    if (n == 14) utime = std::stoull(field);
    if (n == 15) {
      stime = std::stoull(field);
      const long ticks = sysconf(_SC_CLK_TCK);
      return (utime + stime) * (1'000'000'000 / static_cast<uint64_t>(ticks > 0 ? ticks : 100));
    }
  }
  return std::nullopt;
}

std::optional<uint64_t> process_rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return std::nullopt;
}

uint64_t self_cpu_ns() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto ns = [](const timeval& tv) {
    return uint64_t(tv.tv_sec) * 1'000'000'000 + uint64_t(tv.tv_usec) * 1'000;
  };
  return ns(usage.ru_utime) + ns(usage.ru_stime);
}

std::optional<uint64_t> host_busy_ns() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) || cpu != "cpu")
    return std::nullopt;
  const long ticks = sysconf(_SC_CLK_TCK);
  return (user + nice + system + irq + softirq) *
         (1'000'000'000 / static_cast<uint64_t>(ticks > 0 ? ticks : 100));
}

std::optional<UdpErrors> host_udp_errors() {
  std::ifstream in("/proc/net/snmp");
  std::string names, values;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Udp: ", 0) != 0) continue;
    if (names.empty()) {
      names = line;
    } else {
      values = line;
      break;
    }
  }
  if (values.empty()) return std::nullopt;
  std::istringstream n(names), v(values);
  std::string name, value;
  UdpErrors out;
  while (n >> name && v >> value) {
    if (name == "RcvbufErrors") out.rcvbuf = std::stoull(value);
    if (name == "SndbufErrors") out.sndbuf = std::stoull(value);
  }
  return out;
}

void CpuWindow::start(std::optional<pid_t> pid, uint64_t now_ns) {
  pid_ = pid;
  cpu0_ = pid ? process_cpu_ns(*pid) : std::nullopt;
  t0_ = now_ns;
}

double CpuWindow::percent(uint64_t now_ns) const {
  if (!pid_ || !cpu0_ || now_ns <= t0_) return NAN;
  const auto cpu1 = process_cpu_ns(*pid_);
  if (!cpu1) return NAN;
  return 100.0 * static_cast<double>(*cpu1 - *cpu0_) / static_cast<double>(now_ns - t0_);
}

}  // namespace load

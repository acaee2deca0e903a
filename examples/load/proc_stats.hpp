// CPU time and memory of a process, from /proc (the relay's, given --relay-pid) and of this one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace load {

/// utime + stime of a process in nanoseconds (/proc/PID/stat, clock-tick resolution).
std::optional<uint64_t> process_cpu_ns(pid_t pid);
/// VmRSS of a process in kB (/proc/PID/status).
std::optional<uint64_t> process_rss_kb(pid_t pid);
/// This process's CPU time (user + system, all threads) in nanoseconds.
uint64_t self_cpu_ns();

/// CPU time the whole host spent busy (every CPU, every process: /proc/stat), in nanoseconds.
std::optional<uint64_t> host_busy_ns();

/// The host's UDP counters (/proc/net/snmp, every process): datagrams the kernel dropped for a
/// full receive buffer, and sends refused for a full send buffer.
struct UdpErrors {
  uint64_t rcvbuf = 0, sndbuf = 0;
};
std::optional<UdpErrors> host_udp_errors();

/// CPU use of a process over a window: start(), then percent() at the end (100 = one core).
class CpuWindow {
 public:
  void start(std::optional<pid_t> pid, uint64_t now_ns);
  /// NaN when the process could not be read (or no pid).
  double percent(uint64_t now_ns) const;

 private:
  std::optional<pid_t> pid_;
  std::optional<uint64_t> cpu0_;
  uint64_t t0_ = 0;
};

}  // namespace load

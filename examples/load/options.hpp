// wzp-load's settings, as the command line gives them (main.cpp parses and checks them).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace load {

struct RampStep {
  bool multiply = true;
  double factor = 1.5;  // multiply: N * factor
  size_t add = 0;       // otherwise: N + add
  std::string text = "x1.5";
};

struct Options {
  std::string relay_host;
  uint16_t relay_port = 0;
  bool udp = false;  // plain UDP against wzp-udp-forwarder instead of QUIC clients
  std::string token;

  size_t participants = 0;
  size_t room_size = 4;
  double duration_s = 10;
  size_t loops = 2;
  double join_rate = 200;
  uint32_t join_timeout_ms = 10000;

  size_t payload_bytes = 100;
  std::string wav_path;
  int opus_bitrate = 24000;
  uint32_t interval_ms = 20;
  uint32_t drain_ms = 500;

  double churn_per_s = 0;
  uint32_t leave_grace_ms = 300;

  std::optional<pid_t> relay_pid;

  bool ramp = false;
  size_t ramp_start = 0;  // 0: --participants
  size_t ramp_max = 10000;
  RampStep ramp_step;
  uint32_t ramp_pause_ms = 1000;
  double max_loss_pct = 0;
  double max_p99_ms = 2;

  std::string json_path;
  std::string progress_path;
  double report_every_s = 0;
  bool per_receiver = false;
  std::string run_id;  // rooms are load-<run>-<k>
};

}  // namespace load

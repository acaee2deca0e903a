// wzp-load: a load generator for a WarzonePhone relay, built only on wzp.h.
//
// It simulates N participants in rooms of P on a few threads (libwzp clients sharing --loops
// wzp_loops), joins them at a controlled rate, then has every one send a media datagram every
// 20 ms (send slots spread evenly over the interval, from one pacing thread) and measures, per
// receiver and in aggregate, delivery, loss, duplicates, reordering, one-way latency and
// jitter, the join times, and the relay's CPU and memory (--relay-pid). --ramp raises N step by
// step until a limit is crossed; --udp runs the same load over plain UDP against
// wzp-udp-forwarder, the baseline.
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../common/address.hpp"
#include "../common/log_level.hpp"
#include "options.hpp"
#include "payload.hpp"
#include "proc_stats.hpp"
#include "progress.hpp"
#include "quic_transport.hpp"
#include "run.hpp"

namespace {

std::atomic<bool> g_interrupted{false};
void on_signal(int) { g_interrupted.store(true); }

constexpr size_t kMaxParticipants = 1'000'000;

// "x1.5" / "*2" (multiply) or "+100" / "100" (add).
bool parse_ramp_step(const std::string& text, load::RampStep& out) {
  if (text.empty()) return false;
  const bool multiply = text[0] == 'x' || text[0] == '*';
  const std::string number = (multiply || text[0] == '+') ? text.substr(1) : text;
  if (number.empty() || number.find_first_not_of("0123456789.") != std::string::npos) return false;
  char* end = nullptr;
  const double v = std::strtod(number.c_str(), &end);
  if (*end != '\0') return false;
  out.multiply = multiply;
  out.text = text;
  if (multiply) {
    if (!(v > 1.0) || v > 100) return false;
    out.factor = v;
  } else {
    if (v < 1 || v != std::floor(v)) return false;
    out.add = static_cast<size_t>(v);
  }
  return true;
}

size_t next_step(size_t n, const load::Options& o) {
  size_t next = o.ramp_step.multiply
                    ? static_cast<size_t>(std::ceil(static_cast<double>(n) * o.ramp_step.factor))
                    : n + o.ramp_step.add;
  next = (next + o.room_size - 1) / o.room_size * o.room_size;  // whole rooms
  if (next <= n) next = n + o.room_size;
  return std::min(next, o.ramp_max);
}

std::string random_run_id() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%06x", rd() & 0xffffffu);
  return buf;
}

bool write_json(const std::string& path, const nlohmann::ordered_json& j) {
  std::ofstream out(path);
  out << j.dump(2) << "\n";
  return static_cast<bool>(out);
}

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

std::string fmt(const char* format, double v) { return load::format_figure(format, v); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "wzp-load: load generator for a WarzonePhone relay. Simulates --participants clients in rooms of "
      "--room-size on a few threads (libwzp clients sharing --loops event loops), joins them at --join-rate, "
      "then every participant sends one media datagram every 20 ms (send slots spread evenly over the 20 ms) "
      "for --duration seconds. Each payload carries a magic, the sender, a sequence number and the send "
      "time, "
      "so every receiver measures delivery, loss, duplicates, reordering, one-way latency and jitter (sender "
      "and receivers are this process: same clock). Prints a summary; --json writes the figures."};
  app.footer(
      "Examples:\n"
      "  wzp-relay --listen 127.0.0.1:4433 --max-sessions 5000 &\n"
      "  wzp-load --relay 127.0.0.1:4433 --participants 1000 --room-size 4 --duration 10 --relay-pid $! "
      "--json out.json\n"
      "  wzp-load --relay 127.0.0.1:4433 --participants 200 --room-size 8 --duration 5 --ramp --ramp-max "
      "4000\n"
      "  wzp-udp-forwarder --bind 127.0.0.1:4500 &\n"
      "  wzp-load --udp --relay 127.0.0.1:4500 --participants 1000 --room-size 4 --duration 10 --relay-pid "
      "$!\n"
      "Exit status: 0 when the run(s) completed (the JSON's \"ok\" says whether the limits held), 1 when it "
      "could not run, 2 for bad flags.");
  load::Options o;
  std::string relay, ramp_step = "x1.5", log_level = "warn";
  long relay_pid = 0;
  app.add_option("--relay", relay,
                 "the relay (or, with --udp, wzp-udp-forwarder): host:port, IPv4:port or [IPv6]:port")
      ->required();
  app.add_option("--participants", o.participants,
                 "participants to simulate (with --ramp: the first step, unless --ramp-start)")
      ->required()
      ->check(CLI::Range(size_t{2}, kMaxParticipants));
  app.add_option(
         "--room-size", o.room_size,
         "participants per room; when --participants is not a multiple of it, the last room is smaller "
         "(said at start)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{2}, size_t{1000}));
  app.add_option("--duration", o.duration_s, "seconds of sending (each ramp step sends this long)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 604800.0));
  app.add_option(
         "--loops", o.loops,
         "event loops (threads) the clients share (wzp_client_config.loop); with --udp, receiving threads")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{64}));
  app.add_option("--join-rate", o.join_rate, "joins started per second (the join ramp)")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 1e6));
  app.add_option("--join-timeout-ms", o.join_timeout_ms,
                 "a participant not joined this long after its connect call is a join failure (the client's "
                 "handshake_timeout_ms; the join phase ends at most this plus 1 s after the last connect)")
      ->capture_default_str()
      ->check(CLI::Range(100u, 600000u));
  app.add_option(
         "--payload", o.payload_bytes,
         "media payload bytes per datagram (after the 12-byte media header; the first 24 are the stamp)")
      ->capture_default_str()
      ->check(CLI::Range(load::kStampBytes, size_t{1100}));
  app.add_option(
         "--wav", o.wav_path,
         "send real Opus frames instead of filler: this sound file (any format libsndfile reads; mixed "
         "to mono, resampled to 48 kHz) encoded in 20 ms frames with libopus; each payload is the stamp "
         "then one frame, the frames in a loop")
      ->check(CLI::ExistingFile)
      ->excludes("--payload");
  app.add_option("--opus-bitrate", o.opus_bitrate, "with --wav: the Opus bitrate in bits/s")
      ->capture_default_str()
      ->check(CLI::Range(6000, 510000));
  app.add_option("--interval-ms", o.interval_ms, "each participant sends one datagram per interval")
      ->capture_default_str()
      ->check(CLI::Range(5u, 1000u));
  app.add_option("--drain-ms", o.drain_ms,
                 "after the sending window, wait this long for datagrams still on their way before counting")
      ->capture_default_str()
      ->check(CLI::Range(0u, 60000u));
  app.add_option(
         "--relay-pid", relay_pid,
         "the relay's process id: its CPU (utime + stime from /proc/PID/stat) over the sending window "
         "gives relay_cpu_pct (100 = one core), and its VmRSS at the start and end relay_rss_kb")
      ->check(CLI::PositiveNumber);
  app.add_option("--token", o.token, "featherChat token every client sends, for a relay with --auth-url");
  app.add_flag(
      "--udp", o.udp,
      "plain UDP instead of QUIC: one socket per participant against wzp-udp-forwarder (the baseline), "
      "same payloads, same measurements");
  app.add_option(
         "--churn", o.churn_per_s,
         "during the sending window, this many participants per second leave (they stop sending, hang "
         "up after --leave-grace-ms) and new ones join the rooms they left; a room's first member never "
         "leaves, so each room keeps one that stays the whole time; those are reported apart (stayed, "
         "stayed_lost)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 10000.0));
  app.add_option("--leave-grace-ms", o.leave_grace_ms,
                 "with --churn: a leaving participant hangs up this long after its last send")
      ->capture_default_str()
      ->check(CLI::Range(0u, 60000u));
  app.add_flag("--ramp", o.ramp,
               "raise the number of participants step by step (each step a full run of --duration) until a "
               "limit is crossed (--max-loss, --max-p99-ms, a join failure or a disconnect) or --ramp-max is "
               "reached; reports every step and the last number that held");
  app.add_option("--ramp-start", o.ramp_start, "with --ramp: the first step (default: --participants)")
      ->check(CLI::Range(size_t{2}, kMaxParticipants));
  app.add_option("--ramp-step", ramp_step,
                 "with --ramp: how N grows: xF multiplies by F, +K (or K) adds K; rounded up to whole rooms")
      ->capture_default_str();
  app.add_option("--ramp-max", o.ramp_max, "with --ramp: the last step at most")
      ->capture_default_str()
      ->check(CLI::Range(size_t{2}, kMaxParticipants));
  app.add_option("--ramp-pause-ms", o.ramp_pause_ms, "with --ramp: pause between steps")
      ->capture_default_str()
      ->check(CLI::Range(0u, 600000u));
  app.add_option("--max-loss", o.max_loss_pct, "limit: lost datagrams in percent of those expected")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  app.add_option("--max-p99-ms", o.max_p99_ms, "limit: p99 one-way latency in milliseconds")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1e6));
  app.add_option("--json", o.json_path,
                 "write the results as JSON (with --ramp: {\"steps\": [...], \"last_ok_participants\": N})");
  app.add_option("--report-every", o.report_every_s,
                 "print a progress line every this many seconds (0: none)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 86400.0));
  app.add_option("--progress", o.progress_path,
                 "with --report-every: also write each progress line as a JSON line here");
  app.add_flag("--per-receiver", o.per_receiver,
               "add every receiver's figures to the JSON (\"per_receiver\")");
  app.add_option("--run-id", o.run_id, "name of the run: rooms are load-RUN-K (default: random)");
  app.add_option("--log-level", log_level, "the library's log level: error, warn, info, debug or trace")
      ->capture_default_str()
      ->check(CLI::IsMember({"error", "warn", "info", "debug", "trace"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }

  auto address = parse_host_port(relay);
  if (!address) {
    std::fprintf(stderr, "wzp-load: --relay '%s' is not host:port or [IPv6]:port\n", relay.c_str());
    return 2;
  }
  o.relay_host = address->host;
  o.relay_port = address->port;
  if (o.relay_port == 0) {
    std::fprintf(stderr, "wzp-load: --relay '%s': port 0\n", relay.c_str());
    return 2;
  }
  if (!parse_ramp_step(ramp_step, o.ramp_step)) {
    std::fprintf(stderr, "wzp-load: --ramp-step '%s' is neither xFACTOR (> 1) nor +COUNT\n",
                 ramp_step.c_str());
    return 2;
  }
  if (relay_pid > 0) {
    if (!load::process_cpu_ns(static_cast<pid_t>(relay_pid))) {
      std::fprintf(stderr, "wzp-load: --relay-pid %ld: no such process (cannot read /proc/%ld/stat)\n",
                   relay_pid, relay_pid);
      return 2;
    }
    o.relay_pid = static_cast<pid_t>(relay_pid);
  }
  if (o.ramp_start == 0) o.ramp_start = o.participants;
  if (o.ramp && o.ramp_max < o.ramp_start) {
    std::fprintf(stderr, "wzp-load: --ramp-max %zu is below the first step %zu\n", o.ramp_max, o.ramp_start);
    return 2;
  }
  if (!o.ramp && (!app.get_option("--ramp-start")->empty() || !app.get_option("--ramp-max")->empty() ||
                  !app.get_option("--ramp-step")->empty())) {
    std::fprintf(stderr, "wzp-load: --ramp-start, --ramp-step and --ramp-max need --ramp\n");
    return 2;
  }
  if (!o.progress_path.empty() && o.report_every_s <= 0) {
    std::fprintf(stderr, "wzp-load: --progress needs --report-every\n");
    return 2;
  }
  if (o.udp && !o.token.empty()) {
    std::fprintf(stderr, "wzp-load: --token has no meaning with --udp\n");
    return 2;
  }
  if (o.run_id.empty()) o.run_id = random_run_id();

  load::Payload payload = load::Payload::filler(o.payload_bytes);
  if (!o.wav_path.empty()) {
    std::vector<std::vector<uint8_t>> frames;
    std::string error;
    if (!load::encode_opus_frames(o.wav_path, o.opus_bitrate, frames, error)) {
      std::fprintf(stderr, "wzp-load: --wav %s\n", error.c_str());
      return 2;
    }
    payload = load::Payload::opus(std::move(frames));
  }
  std::FILE* progress_file = nullptr;
  if (!o.progress_path.empty()) {
    progress_file = std::fopen(o.progress_path.c_str(), "w");
    if (progress_file == nullptr) {
      std::fprintf(stderr, "wzp-load: cannot write --progress '%s'\n", o.progress_path.c_str());
      return 2;
    }
  }

  wzp_log_set_level(log_level_from(log_level));
  raise_fd_limit();
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  load::QuicLoops loops;
  if (!o.udp) {
    if (int rc = loops.create(o.loops); rc != WZP_OK) {
      std::fprintf(stderr, "wzp-load: wzp_loop_new: %s: %s\n", wzp_strerror(rc), wzp_last_error());
      return 1;
    }
  }
  load::Progress progress(o.report_every_s, progress_file, o.relay_pid);
  std::printf("wzp-load %s: run %s, %s to %s, %u CPUs\n", wzp_version(), o.run_id.c_str(),
              o.udp ? "plain UDP (baseline)" : "QUIC clients", relay.c_str(),
              std::thread::hardware_concurrency());

  auto say_layout = [&](size_t n) {
    const size_t rooms = (n + o.room_size - 1) / o.room_size;
    const size_t last = n - (rooms - 1) * o.room_size;
    if (last != o.room_size)
      std::printf("note: %zu participants do not fill rooms of %zu: the last room has %zu%s\n", n,
                  o.room_size, last, last == 1 ? " (it sends to nobody and hears nobody)" : "");
  };

  int exit_code = 0;
  if (!o.ramp) {
    say_layout(o.participants);
    std::fflush(stdout);
    auto r =
        load::run_step(o, {0, o.participants, "load-" + o.run_id}, payload, &loops, progress, g_interrupted);
    if (!r) return 1;
    load::print_summary(*r, stdout);
    if (!o.json_path.empty()) {
      auto j = load::to_json(*r);
      j["run_id"] = o.run_id;
      if (!write_json(o.json_path, j)) {
        std::fprintf(stderr, "wzp-load: cannot write --json '%s'\n", o.json_path.c_str());
        exit_code = 1;
      }
    }
    if (r->joined == 0) exit_code = 1;
  } else {
    nlohmann::ordered_json out;
    out["run_id"] = o.run_id;
    out["mode"] = o.udp ? "udp" : "quic";
    out["ramp"] = {
        {"start", o.ramp_start},      {"step", o.ramp_step.text},       {"max", o.ramp_max},
        {"duration_s", o.duration_s}, {"max_loss_pct", o.max_loss_pct}, {"max_p99_ms", o.max_p99_ms},
        {"room_size", o.room_size}};
    out["steps"] = nlohmann::ordered_json::array();
    out["last_ok_participants"] = nullptr;
    out["last_ok_consumers"] = nullptr;
    std::vector<load::RunResult> steps;
    std::string stopped;
    for (size_t n = o.ramp_start, step = 0;; ++step) {
      std::printf("\n== ramp step %zu: %zu participants\n", step, n);
      say_layout(n);
      std::fflush(stdout);
      auto r =
          load::run_step(o, {static_cast<int>(step), n, "load-" + o.run_id + "-s" + std::to_string(step)},
                         payload, &loops, progress, g_interrupted);
      if (!r) return 1;
      load::print_summary(*r, stdout);
      out["steps"].push_back(load::to_json(*r));
      steps.push_back(*r);
      if (r->ok) {
        out["last_ok_participants"] = n;
        out["last_ok_consumers"] = r->consumers;
      }
      if (!o.json_path.empty()) write_json(o.json_path, out);  // each step, so a long ramp leaves a trace
      if (!r->ok) {
        stopped = "step " + std::to_string(step) + " (" + std::to_string(n) + " participants): " + r->verdict;
        break;
      }
      if (n >= o.ramp_max) {
        stopped = "reached --ramp-max " + std::to_string(o.ramp_max) + " with every limit held";
        break;
      }
      n = next_step(n, o);
      std::this_thread::sleep_for(std::chrono::milliseconds(o.ramp_pause_ms));
      if (g_interrupted.load()) {
        stopped = "interrupted";
        break;
      }
    }
    out["stopped_because"] = stopped;
    std::printf("\n== ramp (%s, rooms of %zu, %.1f s per step; limits: loss <= %g %%, p99 <= %g ms)\n",
                o.udp ? "plain UDP" : "QUIC", o.room_size, o.duration_s, o.max_loss_pct, o.max_p99_ms);
    std::printf("%12s %10s %12s %10s %10s %10s %10s %10s %10s  %s\n", "participants", "consumers",
                "delivered", "loss %", "p50 ms", "p99 ms", "max ms", "relay CPU", "join p99", "result");
    for (const auto& r : steps) {
      std::printf("%12zu %10llu %12llu %10s %10s %10s %10s %10s %10s  %s\n", r.participants,
                  static_cast<unsigned long long>(r.consumers), static_cast<unsigned long long>(r.delivered),
                  fmt("%.3f", r.loss_pct()).c_str(), fmt("%.3f", r.latency_ns.quantile(0.5) / 1e6).c_str(),
                  fmt("%.3f", r.latency_ns.quantile(0.99) / 1e6).c_str(),
                  fmt("%.3f", static_cast<double>(r.latency_ns.max()) / 1e6).c_str(),
                  fmt("%.1f%%", r.relay_cpu_pct).c_str(), fmt("%.2f", r.join_ns.quantile(0.99) / 1e6).c_str(),
                  r.ok ? "ok" : "LIMIT");
    }
    if (out["last_ok_participants"].is_null()) {
      std::printf("last step that held: none (%s)\n", stopped.c_str());
    } else {
      std::printf("last step that held: %zu participants (%llu consumers); stopped: %s\n",
                  out["last_ok_participants"].get<size_t>(),
                  static_cast<unsigned long long>(out["last_ok_consumers"].get<uint64_t>()), stopped.c_str());
    }
    if (!o.json_path.empty() && !write_json(o.json_path, out)) {
      std::fprintf(stderr, "wzp-load: cannot write --json '%s'\n", o.json_path.c_str());
      exit_code = 1;
    }
  }
  if (progress_file != nullptr) std::fclose(progress_file);
  return exit_code;
}

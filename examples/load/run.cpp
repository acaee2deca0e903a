#include "run.hpp"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "churn.hpp"
#include "pacer.hpp"
#include "proc_stats.hpp"
#include "udp_transport.hpp"

namespace load {

namespace {

constexpr uint64_t kMs = 1'000'000;

// Sleeps until `until` in small steps, printing progress lines; false when interrupted.
bool wait_until(uint64_t until, const char* phase, const Tally& tally, Progress& progress,
                const std::atomic<bool>& interrupted) {
  for (uint64_t now = now_ns(); now < until; now = now_ns()) {
    if (interrupted.load()) return false;
    progress.tick(now, phase, tally);
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::min<uint64_t>(until - now, 50 * kMs)));
  }
  return !interrupted.load();
}

// Adds up what every participant saw (after the transport let everyone go).
void add_up(const Options& o, const std::vector<std::unique_ptr<Participant>>& everyone, size_t rooms,
            RunResult& r) {
  std::vector<uint64_t> room_sent(rooms, 0);
  for (const auto& p : everyone) room_sent[p->room] += p->sent.load();
  double jitter_sum = 0;
  uint64_t jitter_samples = 0;
  for (const auto& p : everyone) {
    r.sent += p->sent.load();
    const uint64_t joined_ns = p->joined_ns.load();
    const JoinState state = p->state.load();
    if (joined_ns != 0) {
      const uint64_t join_ns = joined_ns - p->connect_ns;
      if (p->initial) {
        r.join_ns.record(join_ns);
      } else {
        r.churn_join_ns.record(join_ns);
      }
    } else if (!p->initial && state == JoinState::failed) {
      ++r.churn_join_failures;
    }
    if (joined_ns == 0) continue;  // never joined: no receiver
    ++r.receivers;
    const StreamTotals t = p->receiver.totals();
    const bool stayed = p->initial && p->left_ns.load() == 0 && state == JoinState::joined;
    // Who stayed is owed everything its room-mates sent; the others what each stream's span shows
    // (losses at their join and leave boundaries are not counted).
    const uint64_t expected = stayed ? room_sent[p->room] - p->sent.load() : t.range;
    const uint64_t lost = expected > t.received ? expected - t.received : 0;
    r.expected += expected;
    r.delivered += t.received;
    r.lost += lost;
    r.duplicates += t.duplicates;
    r.reordered += t.reordered;
    r.ignored += p->receiver.stale();
    jitter_sum += t.jitter_sum_ns;
    jitter_samples += t.jitter_samples;
    const double loss_pct =
        expected == 0 ? 0 : 100.0 * static_cast<double>(lost) / static_cast<double>(expected);
    const double p99_ms = p->receiver.latency().quantile(0.99) / 1e6;
    if (lost > 0) ++r.receivers_with_loss;
    r.worst_receiver_loss_pct = std::max(r.worst_receiver_loss_pct, loss_pct);
    if (std::isfinite(p99_ms)) r.worst_receiver_p99_ms = std::max(r.worst_receiver_p99_ms, p99_ms);
    if (stayed) {
      ++r.stayed;
      r.stayed_expected += expected;
      r.stayed_delivered += t.received;
      r.stayed_lost += lost;
    }
    if (o.per_receiver) {
      ReceiverRow row;
      row.id = p->id;
      row.room = p->room;
      row.stayed = stayed;
      row.expected = expected;
      row.delivered = t.received;
      row.lost = lost;
      row.duplicates = t.duplicates;
      row.reordered = t.reordered;
      row.latency_p50_ms = p->receiver.latency().quantile(0.5) / 1e6;
      row.latency_p99_ms = p99_ms;
      row.latency_max_ms = static_cast<double>(p->receiver.latency().max()) / 1e6;
      row.jitter_ms =
          t.jitter_samples == 0 ? NAN : t.jitter_sum_ns / static_cast<double>(t.jitter_samples) / 1e6;
      r.per_receiver.push_back(row);
    }
  }
  r.jitter_ms = jitter_samples == 0 ? NAN : jitter_sum / static_cast<double>(jitter_samples) / 1e6;
}

}  // namespace

uint64_t consumers_of(size_t participants, size_t room_size) {
  uint64_t total = 0;
  for (size_t left = participants; left > 0;) {
    const uint64_t size = std::min(left, room_size);
    total += size * (size - 1);
    left -= size;
  }
  return total;
}

std::optional<RunResult> run_step(const Options& o, const StepPlan& plan, const Payload& payload,
                                  const QuicLoops* loops, Progress& progress,
                                  const std::atomic<bool>& interrupted) {
  const size_t n = plan.participants;
  const size_t room_size = o.room_size;
  RunResult r;
  r.mode = o.udp ? "udp" : "quic";
  r.relay = o.relay_host + ":" + std::to_string(o.relay_port);
  r.step = plan.step;
  r.participants = n;
  r.room_size = room_size;
  r.rooms = (n + room_size - 1) / room_size;
  r.last_room_size = n - (r.rooms - 1) * room_size;
  r.consumers = consumers_of(n, room_size);
  r.duration_s = o.duration_s;
  r.payload_bytes = payload.mean_payload_bytes();
  r.opus = payload.is_opus();
  r.interval_ms = o.interval_ms;
  r.join_rate_asked = o.join_rate;
  r.churn_per_s = o.churn_per_s;

  Tally tally(static_cast<uint16_t>(plan.step));
  std::unique_ptr<Transport> transport;
  if (o.udp) {
    std::string error;
    transport = UdpTransport::create({o.relay_host, o.relay_port, o.join_timeout_ms, o.loops}, tally, error);
    if (!transport) {
      std::fprintf(stderr, "wzp-load: --udp: %s\n", error.c_str());
      return std::nullopt;
    }
  } else {
    transport = std::make_unique<QuicTransport>(
        *loops, QuicSettings{o.relay_host, o.relay_port, o.token, o.join_timeout_ms}, tally);
  }

  std::vector<std::unique_ptr<Participant>> everyone;
  for (size_t i = 0; i < n; ++i) {
    const auto room = static_cast<uint32_t>(i / room_size);
    everyone.push_back(
        std::make_unique<Participant>(static_cast<uint32_t>(i), room, static_cast<uint16_t>(i % room_size), i,
                                      plan.room_prefix + "-" + std::to_string(room), true, room_size));
  }
  if (o.relay_pid) r.relay_rss_kb_start = process_rss_kb(*o.relay_pid);
  const auto udp_errors0 = host_udp_errors();
  progress.begin(plan.step, n, n == 0 ? 0 : static_cast<double>(r.consumers) / static_cast<double>(n),
                 now_ns());

  // Joins, at the join rate.
  const uint64_t t0 = now_ns();
  const double gap_ns = 1e9 / o.join_rate;
  for (size_t i = 0; i < n && !interrupted.load(); ++i) {
    const uint64_t due = t0 + static_cast<uint64_t>(static_cast<double>(i) * gap_ns);
    if (!wait_until(due, "joining", tally, progress, interrupted)) break;
    transport->connect(*everyone[i]);
  }
  const uint64_t deadline = now_ns() + uint64_t{o.join_timeout_ms} * kMs + 1000 * kMs;
  for (uint64_t now = now_ns(); now < deadline && !interrupted.load(); now = now_ns()) {
    const bool settled = std::all_of(everyone.begin(), everyone.end(),
                                     [](const auto& p) { return p->state.load() != JoinState::pending; });
    if (settled) break;
    progress.tick(now, "joining", tally);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Whoever is still on its way is let go and counted as a failure.
  for (auto& p : everyone) {
    if (p->state.load() != JoinState::pending) continue;
    transport->leave(*p);
    if (p->state.load() == JoinState::pending) {
      tally.fail_join(
          *p, interrupted.load() ? "interrupted" : "join deadline",
          "not joined within the join deadline (" + std::to_string(o.join_timeout_ms) + " ms + 1 s)");
    } else if (p->state.load() == JoinState::joined) {
      p->left_ns.store(now_ns());  // joined just now: let go, so it is no participant that stayed
    }
  }
  uint64_t first_connect = UINT64_MAX, last_joined = 0;
  for (const auto& p : everyone) {
    first_connect = std::min(first_connect, p->connect_ns == 0 ? UINT64_MAX : p->connect_ns);
    if (p->joined_ns.load() != 0) ++r.joined;
    if (p->state.load() == JoinState::failed) ++r.join_failures;
    last_joined = std::max(last_joined, p->joined_ns.load());
  }
  if (last_joined > first_connect) {
    r.join_phase_s = static_cast<double>(last_joined - t0) / 1e9;
    r.joins_per_s = static_cast<double>(r.joined) / (static_cast<double>(last_joined - first_connect) / 1e9);
  }

  // The sending window.
  Pacer pacer(*transport, payload, tally, n, o.interval_ms);
  std::vector<Participant*> slots;
  for (auto& p : everyone) {
    const bool in = p->state.load() == JoinState::joined && p->left_ns.load() == 0;
    slots.push_back(in ? p.get() : nullptr);
    pacer.set(p->pace_index, slots.back());
  }
  const uint64_t start = now_ns() + 20 * kMs;
  const uint64_t end = start + static_cast<uint64_t>(o.duration_s * 1e9);
  tally.recording.store(true);
  CpuWindow relay_cpu;
  relay_cpu.start(o.relay_pid, start);
  const uint64_t self_cpu0 = self_cpu_ns();
  const auto host_busy0 = host_busy_ns();
  const auto relay_cpu0 = o.relay_pid ? process_cpu_ns(*o.relay_pid) : std::nullopt;
  std::unique_ptr<Churn> churn;
  if (!interrupted.load() && r.joined > 0) {
    pacer.start(start, end);
    if (o.churn_per_s > 0) {
      churn = std::make_unique<Churn>(*transport, pacer, everyone, slots, o.churn_per_s, o.leave_grace_ms,
                                      room_size);
      churn->start(start, end);
    }
    wait_until(end, "sending", tally, progress, interrupted);
  }
  if (interrupted.load()) {
    pacer.stop();
    if (churn) churn->stop();
  }
  pacer.join();
  if (churn) churn->join();
  const uint64_t window_end = now_ns();
  r.window_s = window_end > start ? static_cast<double>(window_end - start) / 1e9 : 0;
  r.relay_cpu_pct = relay_cpu.percent(window_end);
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0)
    r.generator_cores = static_cast<unsigned>(CPU_COUNT(&cpus));
  if (window_end > start) {
    const uint64_t self_ns = self_cpu_ns() - self_cpu0;
    r.load_cpu_pct = 100.0 * static_cast<double>(self_ns) / static_cast<double>(window_end - start);
    const auto host_busy1 = host_busy_ns();
    const auto relay_cpu1 = o.relay_pid ? process_cpu_ns(*o.relay_pid) : std::nullopt;
    if (host_busy0 && host_busy1) {
      int64_t others = static_cast<int64_t>(*host_busy1 - *host_busy0) - static_cast<int64_t>(self_ns);
      if (relay_cpu0 && relay_cpu1) others -= static_cast<int64_t>(*relay_cpu1 - *relay_cpu0);
      r.other_cpu_pct =
          std::max(0.0, 100.0 * static_cast<double>(others) / static_cast<double>(window_end - start));
    }
  }
  if (o.relay_pid) r.relay_rss_kb_end = process_rss_kb(*o.relay_pid);
  r.pacer_lag_ns = pacer.lag();
  r.pacer_late = pacer.late_sends();
  r.send_error_kinds = pacer.send_errors();
  r.send_errors = tally.send_errors.load();
  if (churn) {
    r.churn_leaves = churn->leaves();
    r.churn_joins = churn->joins();
  }

  // Drain, then stop counting and let everyone go.
  const std::atomic<bool> never{false};  // interrupted or not, what is on its way is counted
  wait_until(now_ns() + uint64_t{o.drain_ms} * kMs, "draining", tally, progress, never);
  tally.recording.store(false);
  r.interrupted = interrupted.load();
  std::vector<Participant*> all;
  for (auto& p : everyone) all.push_back(p.get());
  r.transport_counters = transport->counters(all);
  if (const auto udp_errors1 = host_udp_errors(); udp_errors0 && udp_errors1) {
    r.host_udp_rcvbuf_errors = udp_errors1->rcvbuf - udp_errors0->rcvbuf;
    r.host_udp_sndbuf_errors = udp_errors1->sndbuf - udp_errors0->sndbuf;
  }
  transport->leave_all(all);
  transport.reset();

  r.latency_ns = tally.live().latency;
  r.failures = tally.failures();
  r.disconnects = tally.disconnects();
  for (const auto& [kind, c] : r.disconnects) r.disconnected += c.count;
  r.ignored = tally.live().ignored;
  add_up(o, everyone, r.rooms, r);
  judge(r, o.max_loss_pct, o.max_p99_ms);
  return r;
}

}  // namespace load

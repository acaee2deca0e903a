// One run of the load (one ramp step): join N participants at the join rate, send for the
// duration (with churn if asked), drain, hang everyone up, and add it all up.
#pragma once

#include <atomic>
#include <optional>
#include <string>

#include "options.hpp"
#include "payload.hpp"
#include "progress.hpp"
#include "quic_transport.hpp"
#include "result.hpp"

namespace load {

struct StepPlan {
  int step = 0;
  size_t participants = 0;
  std::string room_prefix;  // rooms are <prefix>-<k>
};

/// Runs one step. `loops` is used in QUIC mode. nullopt (after saying why on stderr) when the
/// run could not start at all. `interrupted` (SIGINT) ends it early.
std::optional<RunResult> run_step(const Options& o, const StepPlan& plan, const Payload& payload,
                                  const QuicLoops* loops, Progress& progress,
                                  const std::atomic<bool>& interrupted);

/// Sum over rooms of size x (size - 1): the streams the relay delivers.
uint64_t consumers_of(size_t participants, size_t room_size);

}  // namespace load

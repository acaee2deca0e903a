// Participants as libwzp clients (wzp.h only): each a wzp_client on one of a few shared
// wzp_loops (wzp_client_config.loop), events delivered by callback on the loop's thread.
#pragma once

#include <wzp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tally.hpp"
#include "transport.hpp"

namespace load {

/// The shared loops, kept across ramp steps.
class QuicLoops {
 public:
  QuicLoops() = default;
  ~QuicLoops();
  QuicLoops(const QuicLoops&) = delete;
  QuicLoops& operator=(const QuicLoops&) = delete;
  /// A wzp status; wzp_last_error() says why.
  int create(size_t count);
  wzp_loop* at(size_t i) const { return loops_[i % loops_.size()]; }

 private:
  std::vector<wzp_loop*> loops_;
};

struct QuicSettings {
  std::string host;
  uint16_t port = 0;
  std::string token;  // empty: none
  uint32_t join_timeout_ms = 10000;
};

class QuicTransport final : public Transport {
 public:
  QuicTransport(const QuicLoops& loops, QuicSettings settings, Tally& tally)
      : loops_(loops), settings_(std::move(settings)), tally_(tally) {}

  void connect(Participant& p) override;
  int send(Participant& p, const uint8_t* data, size_t len) override;
  std::string send_error_name(int error) const override { return wzp_strerror(error); }
  void leave(Participant& p) override;
  void leave_all(const std::vector<Participant*>& ps) override;
  const char* name() const override { return "quic"; }
  std::vector<std::pair<std::string, uint64_t>> counters(const std::vector<Participant*>& ps) const override;

 private:
  static void on_event(const wzp_event* event, void* user_data);

  const QuicLoops& loops_;
  const QuicSettings settings_;
  Tally& tally_;
};

}  // namespace load

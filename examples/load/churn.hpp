// Churn during the sending window: C times a second a random joined participant (never a
// room's first member: each room keeps one who stays) leaves (it
// stops sending and counting at once, hangs up after a grace period so that what it sent
// arrives first), and a new participant takes its place (same room, slot and send slot).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "pacer.hpp"
#include "participant.hpp"
#include "transport.hpp"

namespace load {

class Churn {
 public:
  /// `everyone` gets the replacements appended (the churn thread owns it until join());
  /// `slots` is who is in each send slot now (likewise).
  Churn(Transport& transport, Pacer& pacer, std::vector<std::unique_ptr<Participant>>& everyone,
        std::vector<Participant*> slots, double per_s, uint32_t grace_ms, size_t room_size);
  ~Churn();
  Churn(const Churn&) = delete;
  Churn& operator=(const Churn&) = delete;

  void start(uint64_t start_ns, uint64_t end_ns);
  void stop() { stop_.store(true); }
  void join();

  uint64_t leaves() const { return leaves_; }
  uint64_t joins() const { return joins_; }

 private:
  void run(uint64_t start_ns, uint64_t end_ns);

  Transport& transport_;
  Pacer& pacer_;
  std::vector<std::unique_ptr<Participant>>& everyone_;
  std::vector<Participant*> slots_;
  const double per_s_;
  const uint64_t grace_ns_;
  const size_t room_size_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  uint64_t leaves_ = 0, joins_ = 0;
};

}  // namespace load

// How participants reach the relay: QUIC clients of libwzp on a few shared wzp_loops, or plain
// UDP sockets on a few epoll threads against wzp-udp-forwarder (the baseline). Either way the
// transport's threads deliver what arrives to the run's Tally.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "participant.hpp"

namespace load {

class Transport {
 public:
  virtual ~Transport() = default;
  /// Starts joining the participant's room (returns at once); the join or its failure is
  /// reported to the Tally from the transport's thread. Sets connect_ns.
  virtual void connect(Participant& p) = 0;
  /// Sends one datagram (the pacer's thread). 0, or an error whose name send_error_name gives.
  virtual int send(Participant& p, const uint8_t* data, size_t len) = 0;
  virtual std::string send_error_name(int error) const = 0;
  /// Hangs up and releases the participant (blocks until no thread of the transport uses it).
  virtual void leave(Participant& p) = 0;
  /// The same for many at once, faster.
  virtual void leave_all(const std::vector<Participant*>& ps) = 0;
  /// "quic" or "udp".
  virtual const char* name() const = 0;
  /// The transport's own counters, summed over the participants present now (e.g. the QUIC
  /// clients' datagrams lost or dropped before sending); name and value.
  virtual std::vector<std::pair<std::string, uint64_t>> counters(const std::vector<Participant*>& ps) const {
    (void)ps;
    return {};
  }
};

}  // namespace load

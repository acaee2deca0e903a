// What the relay mesh counts (probes, gossip, mesh authentication); written on
// the relay's loop thread, read from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace wzp::relay {

struct MeshCounters {
  std::atomic<uint64_t> probe_pings_sent{0}, probe_pongs_received{0}, probe_pongs_sent{0};
  std::atomic<uint64_t> gossip_in{0}, gossip_out{0};
  std::atomic<uint64_t> gossip_refused_unauthenticated{0};  // unauthenticated peer, mesh_open off
  std::atomic<uint64_t> gossip_refused_address{0};          // names an address bound to another peer
  std::atomic<uint64_t> gossip_refused_full{0};             // the registry's bounds refused it
  std::atomic<uint64_t> mesh_auth_ok{0};
  std::atomic<uint64_t> mesh_auth_unlisted{0};  // a valid identity that is not a mesh peer
  std::atomic<uint64_t> mesh_auth_failed{0};    // bad signature, bad proof, out of order
  std::atomic<uint64_t> probe_messages_malformed{0};
};

}  // namespace wzp::relay

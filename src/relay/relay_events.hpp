// What a relay reports to its owner, and the counters it keeps.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "relay/mesh_counters.hpp"
#include "transport/close_info.hpp"
#include "transport/connection.hpp"

namespace wzp::relay {

enum class RelayEventType { joined, left, rejected, presence };

struct RelayEvent {
  RelayEventType type = RelayEventType::joined;
  transport::ConnectionId connection = 0;
  std::string room;
  std::optional<std::string> fingerprint;  // handshake identity, display form
  transport::CloseInfo close;              // left, rejected
  // presence: fingerprint = the user's, room = a local user's room
  bool online = false;
  std::optional<std::string> relay_addr;  // a remote user's relay; none: local
};

/// Counters, written on the loop thread and read from any thread.
struct RelayCounters {
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> sessions_active{0};
  std::atomic<uint64_t> participants{0};
  std::atomic<uint64_t> rooms{0};
  std::atomic<uint64_t> auth_ok{0}, auth_rejected{0}, auth_unavailable{0};
  /// Token checks cancelled because their connection went away first.
  std::atomic<uint64_t> auth_cancelled{0};
  std::atomic<uint64_t> handshakes_ok{0}, handshakes_failed{0};
  /// TLS handshakes refused (SNI GnuTLS or the SNI filter refuses, ALPN, ...):
  /// each also gives a REJECTED event with WZP_CLOSE_HANDSHAKE_FAILED.
  std::atomic<uint64_t> tls_refused{0};
  std::atomic<uint64_t> rejected_acl{0}, rejected_full{0}, rejected_timeout{0}, rejected_malformed{0},
      rejected_identity{0}, bridged_sessions{0};
  /// Signal messages read from connections, in any phase, well-formed or not.
  std::atomic<uint64_t> signals_received{0};
  /// Joined participants' signal streams reset for staying unfinished too long.
  std::atomic<uint64_t> signal_streams_timed_out{0};
  std::atomic<uint64_t> datagrams_received{0};
  /// Handed to a receiver's QUIC connection. Under congestion the connection's own
  /// bounded queue may still drop some (oldest first); those are not counted here.
  std::atomic<uint64_t> datagrams_forwarded{0};
  std::atomic<uint64_t> datagrams_malformed{0};
  /// Not forwarded: sender not joined yet, or a receiver's connection refused it.
  std::atomic<uint64_t> datagrams_dropped{0};
  std::atomic<uint64_t> bytes_forwarded{0};
  /// Joined participants by the media session their handshake chose (v2 / reference).
  std::atomic<uint64_t> media_sessions_v2{0}, media_sessions_reference{0};
  /// Not forwarded: over the sender's rate limit (RelayConfig::sender_rate).
  std::atomic<uint64_t> datagrams_rate_limited{0};
  /// Room extension messages (member lists, joined, left) queued to members.
  std::atomic<uint64_t> membership_messages_sent{0};
  /// Peer signals handed to a recipient's connection (one per recipient).
  std::atomic<uint64_t> peer_signals_forwarded{0};
  /// Peer signals that reached nobody: unknown target, a target that does not
  /// speak the extension, an empty room, oversized, or the recipient's connection refused it.
  std::atomic<uint64_t> peer_signals_dropped{0};
  /// Media datagrams of a joined member with nobody else in its room to receive them.
  std::atomic<uint64_t> datagrams_no_recipient{0};
  MeshCounters mesh;
  /// The reference's forwarding counters (wzp_relay_packets/bytes_forwarded_total):
  /// receivers per media datagram, and payload bytes times receivers, whether the
  /// send succeeded or not.
  std::atomic<uint64_t> fanout_packets{0}, fanout_bytes{0};
  /// Trunking (RelayConfig::trunking): TrunkFrames handed to receivers' connections,
  /// and media packets put into them (one per packet per receiver). A frame's
  /// packets count in datagrams_forwarded when it is handed over, in
  /// datagrams_dropped when its connection refuses it or its receiver left first.
  std::atomic<uint64_t> trunk_frames_sent{0};
  std::atomic<uint64_t> trunk_packets_batched{0};
  /// Multi-loop relays (RelayConfig::threads > 1): media handed from the loop
  /// that received it to the loop of a receiver, in batches (one per loop and
  /// receive batch); datagrams dropped because the receiver's loop had too
  /// many datagrams waiting (also counted in datagrams_dropped).
  std::atomic<uint64_t> cross_loop_batches{0}, cross_loop_datagrams{0}, cross_loop_dropped{0};
  /// QUIC packets that reached one loop's socket for a connection ID naming
  /// another, dropped because that loop had too many such packets waiting.
  std::atomic<uint64_t> handover_dropped{0};
  /// Joined participants closed with WZP_CLOSE_ACL_DENIED because an access-list
  /// change stopped admitting them.
  std::atomic<uint64_t> acl_evicted{0};
};

}  // namespace wzp::relay

// QuicConnection: QUIC datagrams (RFC 9221), sending side and size limits.
#include "transport/quic_connection.hpp"

#include <algorithm>

#include "transport/quic_connection_detail.hpp"

namespace wzp::transport {

using namespace quic_detail;

namespace {

// Short header + DATAGRAM frame overhead besides the connection ID: flags
// (1), packet number (<= 4), AEAD tag (16), frame type (1), length (<= 2),
// and a few bytes of slack for an ACK frame sharing the packet.
constexpr size_t kDatagramPacketOverhead = 1 + 4 + 16 + 1 + 2 + 8;

// Largest payload p with 1 (type) + varint(p) + p <= max_frame_size.
size_t datagram_payload_limit(uint64_t max_frame_size) {
  if (max_frame_size <= 2) return 0;
  uint64_t p = max_frame_size - 1;
  auto varint_len = [](uint64_t v) -> uint64_t {
    return v < 64 ? 1 : v < 16384 ? 2 : v < 1073741824 ? 4 : 8;
  };
  while (p > 0 && 1 + varint_len(p) + p > max_frame_size) --p;
  return static_cast<size_t>(p);
}

}  // namespace

size_t QuicConnection::max_datagram_payload() const {
  if (!handshake_completed_ || phase_ != Phase::active) return 0;
  const ngtcp2_transport_params* remote = ngtcp2_conn_get_remote_transport_params(conn_.get());
  if (remote == nullptr || remote->max_datagram_frame_size == 0) return 0;
  size_t limit =
      std::min(settings_.max_datagram_payload, datagram_payload_limit(remote->max_datagram_frame_size));
  size_t packet = ngtcp2_conn_get_path_max_tx_udp_payload_size(conn_.get());
  size_t overhead = kDatagramPacketOverhead + ngtcp2_conn_get_dcid(conn_.get())->datalen;
  return std::min(limit, packet > overhead ? packet - overhead : 0);
}

Status QuicConnection::send_datagram(ByteView payload) {
  if (!is_open()) return make_error(Errc::closed, "connection " + std::to_string(id_) + " is closed");
  if (!handshake_completed_)
    return make_error(Errc::invalid_state, "datagram before the handshake completed");
  const ngtcp2_transport_params* remote = ngtcp2_conn_get_remote_transport_params(conn_.get());
  if (remote == nullptr || remote->max_datagram_frame_size == 0) {
    return make_error(Errc::invalid_state,
                      "the peer does not accept QUIC datagrams (max_datagram_frame_size = 0)");
  }
  size_t limit = max_datagram_payload();
  if (payload.size() > limit) {
    return make_error(Errc::too_large, "datagram of " + std::to_string(payload.size()) +
                                           " bytes exceeds the maximum of " + std::to_string(limit) +
                                           " bytes");
  }
  stats_.datagrams_dropped += datagram_queue_.push(payload);
  host_.request_flush(*this);
  return {};
}

}  // namespace wzp::transport

// QuicConnection: packets in and out, and the ngtcp2 timer.
#include "transport/quic_connection.hpp"

#include <algorithm>

#include "transport/quic_connection_detail.hpp"

namespace wzp::transport {

using namespace quic_detail;

namespace {

// Packets written per flush before yielding to other connections.
constexpr size_t kMaxPacketsPerFlush = 64;

}  // namespace

void QuicConnection::on_packet(const SocketAddress& from, ByteView data) {
  ++stats_.packets_received;
  stats_.bytes_received += data.size();
  if (phase_ == Phase::closing) {
    // Repeat our CONNECTION_CLOSE for a peer that missed it, exponentially
    // less often (RFC 9000 §10.2.1).
    ++packets_while_closing_;
    if (!close_packet_.empty() && (packets_while_closing_ & (packets_while_closing_ - 1)) == 0) {
      socket_.send_to(remote_, close_packet_);
    }
    return;
  }
  if (phase_ != Phase::active) return;
  ngtcp2_path path = make_path(socket_.local_address(), from);
  ngtcp2_pkt_info pi{};
  int rv = ngtcp2_conn_read_pkt(conn_.get(), &path, &pi, data.data(), data.size(), now_ns());
  if (rv != 0) {
    handle_read_error(rv);
    return;
  }
  host_.request_flush(*this);
}

void QuicConnection::flush() {
  if (phase_ != Phase::active) return;
  open_pending_streams();
  if (phase_ != Phase::active) return;
  apply_deferred_stream_ops();
  // A connection refused during its handshake sends nothing but the close.
  if (!close_request_ || handshake_completed_) write_packets();
  if (phase_ != Phase::active || !close_request_) return;
  ngtcp2_connection_close_error ccerr;
  ngtcp2_connection_close_error_default(&ccerr);
  ngtcp2_connection_close_error_set_application_error(
      &ccerr, close_request_->code, reinterpret_cast<const uint8_t*>(close_request_->reason.data()),
      close_request_->reason.size());
  CloseInfo info{CloseKind::local, close_request_->code, false, close_request_->reason};
  start_close(ccerr, std::move(info));
}

// Packet buffers shared by all connections of a loop thread: a flush never
// re-enters another, and it sends what it wrote before returning.
struct QuicConnection::TxScratch {
  std::vector<uint8_t> buffer = std::vector<uint8_t>(kMaxPacketsPerFlush * NGTCP2_MAX_PMTUD_UDP_PAYLOAD_SIZE);
  std::vector<SocketAddress> destinations = std::vector<SocketAddress>(kMaxPacketsPerFlush);
  std::vector<size_t> lengths = std::vector<size_t>(kMaxPacketsPerFlush);
  std::vector<OutgoingDatagram> batch = std::vector<OutgoingDatagram>(kMaxPacketsPerFlush);
};

QuicConnection::TxScratch& QuicConnection::tx_scratch() {
  thread_local TxScratch scratch;
  return scratch;
}

void QuicConnection::write_packets() {
  TxScratch& tx = tx_scratch();
  const uint64_t ts = now_ns();
  ngtcp2_conn* conn = conn_.get();
  const size_t packet_size =
      std::min<size_t>(ngtcp2_conn_get_path_max_tx_udp_payload_size(conn), NGTCP2_MAX_PMTUD_UDP_PAYLOAD_SIZE);
  const size_t max_packets =
      std::clamp<size_t>(ngtcp2_conn_get_send_quantum(conn) / packet_size, 1, kMaxPacketsPerFlush);
  const size_t datagram_limit = max_datagram_payload();

  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  size_t packets = 0;
  size_t queue_pos = 0;  // streams before this index are flow-control blocked for this flush
  int fatal = 0;

  while (packets < max_packets) {
    uint8_t* dest = tx.buffer.data() + packets * packet_size;
    OutgoingStream* stream = nullptr;
    int64_t stream_id = -1;
    while (queue_pos < write_queue_.size()) {
      auto it = out_streams_.find(write_queue_[queue_pos]);
      if (it == out_streams_.end() || it->second.fin_written) {
        write_queue_.erase(write_queue_.begin() + static_cast<ptrdiff_t>(queue_pos));
        continue;
      }
      stream = &it->second;
      stream_id = it->first;
      break;
    }

    ngtcp2_ssize written = 0;
    if (stream != nullptr) {
      ngtcp2_vec vec{stream->data.data() + stream->written, stream->data.size() - stream->written};
      ngtcp2_ssize consumed = -1;
      written = ngtcp2_conn_writev_stream(
          conn, &ps.path, &pi, dest, packet_size, &consumed,
          NGTCP2_WRITE_STREAM_FLAG_MORE | (stream->fin ? NGTCP2_WRITE_STREAM_FLAG_FIN : 0), stream_id, &vec,
          vec.len > 0 ? 1 : 0, ts);
      if (consumed >= 0) {
        stream->written += static_cast<size_t>(consumed);
        if (stream->written == stream->data.size()) {
          stream->fin_written = true;  // the whole remainder went out (with FIN unless left open)
          if (stream->is_signal) ++stats_.signals_sent;
        }
      }
      if (written == NGTCP2_ERR_WRITE_MORE) continue;
      if (written == NGTCP2_ERR_STREAM_DATA_BLOCKED) {
        ++queue_pos;
        continue;
      }
      if (written == NGTCP2_ERR_STREAM_SHUT_WR || written == NGTCP2_ERR_STREAM_NOT_FOUND) {
        stream->fin_written = true;  // the peer stopped it (STOP_SENDING) or it is gone
        continue;
      }
    } else if (!datagram_queue_.empty()) {
      const Bytes& datagram = datagram_queue_.front();
      if (datagram.size() > datagram_limit) {
        // Queued for a larger path than the current one; a datagram that
        // cannot fit would stall the writer forever.
        datagram_queue_.pop();
        ++stats_.datagrams_dropped;
        continue;
      }
      ngtcp2_vec vec{const_cast<uint8_t*>(datagram.data()), datagram.size()};
      int accepted = 0;
      written = ngtcp2_conn_writev_datagram(conn, &ps.path, &pi, dest, packet_size, &accepted,
                                            NGTCP2_WRITE_DATAGRAM_FLAG_MORE, next_datagram_id_, &vec, 1, ts);
      if (accepted != 0) {
        datagram_queue_.pop();
        ++next_datagram_id_;
        ++stats_.datagrams_sent;
      }
      if (written == NGTCP2_ERR_WRITE_MORE) continue;
      if (written == NGTCP2_ERR_INVALID_STATE || written == NGTCP2_ERR_INVALID_ARGUMENT) {
        // The peer does not take datagrams, or this one is too large for it:
        // drop it; the next call finishes the packet being built.
        if (accepted == 0) {
          datagram_queue_.pop();
          ++stats_.datagrams_dropped;
        }
        continue;
      }
    } else {
      written = ngtcp2_conn_write_pkt(conn, &ps.path, &pi, dest, packet_size, ts);
    }

    if (written < 0) {
      fatal = static_cast<int>(written);
      break;
    }
    if (written == 0) break;  // congestion or pacing limited, or nothing to send
    tx.destinations[packets] = SocketAddress(ps.path.remote.addr, ps.path.remote.addrlen);
    tx.lengths[packets] = static_cast<size_t>(written);
    ++packets;
  }

  send_packets(tx, packets, packet_size);
  if (fatal != 0) {
    close_with_error(fatal, "writing packets failed");
    return;
  }
  ngtcp2_conn_update_pkt_tx_time(conn, ts);
  update_timer();
}

void QuicConnection::send_packets(TxScratch& tx, size_t count, size_t packet_size) {
  if (count == 0) return;
  for (size_t i = 0; i < count; ++i) {
    tx.batch[i] = {&tx.destinations[i], ByteView(tx.buffer.data() + i * packet_size, tx.lengths[i])};
    stats_.bytes_sent += tx.lengths[i];
  }
  stats_.packets_sent += count;
  // A full socket buffer drops packets: QUIC recovers them as losses.
  socket_.send(std::span<const OutgoingDatagram>(tx.batch.data(), count));
}

void QuicConnection::update_timer() {
  if (phase_ != Phase::active) return;
  uint64_t expiry = ngtcp2_conn_get_expiry(conn_.get());
  if (expiry == UINT64_MAX) {
    cancel_timer();
    return;
  }
  if (timer_id_ != 0 && timer_deadline_ == expiry) return;
  timer_deadline_ = expiry;
  if (timer_id_ != 0 && host_.loop().reschedule_timer(timer_id_, expiry)) return;
  timer_id_ = host_.loop().add_timer(expiry, [this] {
    timer_id_ = 0;
    host_.connection_timer(*this);
  });
}

void QuicConnection::cancel_timer() {
  if (timer_id_ != 0) host_.loop().cancel_timer(timer_id_);
  timer_id_ = 0;
}

void QuicConnection::on_timer() {
  if (phase_ == Phase::closing || phase_ == Phase::draining) {
    finish();  // closing/draining period over
    return;
  }
  if (phase_ != Phase::active) return;
  int rv = ngtcp2_conn_handle_expiry(conn_.get(), now_ns());
  if (rv == NGTCP2_ERR_IDLE_CLOSE) {
    report_closed({CloseKind::idle_timeout, 0, false, "no packet within the idle timeout"});
    finish();
    return;
  }
  if (rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT) {
    handshake_timed_out_ = true;
    report_closed({CloseKind::idle_timeout, 0, false, "handshake timed out"});
    finish();
    return;
  }
  if (rv != 0) {
    close_with_error(rv, "timer handling failed");
    return;
  }
  flush();
}

}  // namespace wzp::transport

// QuicConnection: signal streams, sending and receiving.
#include "transport/quic_connection.hpp"

#include <algorithm>

#include "core/log.hpp"

#include "transport/quic_connection_detail.hpp"

namespace wzp::transport {

using namespace quic_detail;

void QuicConnection::handle_peer_stream_data(int64_t stream_id, ByteView data, bool fin) {
  auto result = receiver_.on_data(stream_id, data, fin);
  if (result.error) {
    streams_to_reset_.push_back(stream_id);
    report_signal_error(std::move(*result.error));
  } else if (result.completed) {
    // Message complete: finish our unused send half with an empty FIN (as
    // the reference does) and stop the peer sending more on this stream.
    if (!fin) streams_to_stop_.push_back(stream_id);
    queue_stream_write(stream_id, Bytes{}, false);
  }
  deliver_ready_signals();
}

void QuicConnection::report_signal_error(const Error& error) {
  ++stats_.signal_errors;
  WZP_LOG(warn, kLog, "connection " + std::to_string(id_) + ": " + error.message);
  const auto& cb = host_.callbacks();
  if (cb.on_signal_error && phase_ == Phase::active) cb.on_signal_error(handle_, error);
  host_.request_flush(*this);
}

void QuicConnection::deliver_ready_signals() {
  while (auto message = receiver_.pop_message()) {
    ++stats_.signals_received;
    const auto& cb = host_.callbacks();
    if (cb.on_signal && phase_ == Phase::active) cb.on_signal(handle_, *message);
  }
}

void QuicConnection::queue_stream_write(int64_t stream_id, Bytes data, bool is_signal, bool fin) {
  auto [it, inserted] = out_streams_.try_emplace(stream_id);
  if (!inserted) return;
  it->second.data = std::move(data);
  it->second.is_signal = is_signal;
  it->second.fin = fin;
  write_queue_.push_back(stream_id);
}

Status QuicConnection::send_signal(ByteView payload, bool framed, bool fin) {
  if (!is_open()) return make_error(Errc::closed, "connection " + std::to_string(id_) + " is closed");
  if (payload.size() > settings_.max_signal_size) {
    return make_error(Errc::too_large, "signal of " + std::to_string(payload.size()) +
                                           " bytes exceeds the limit of " +
                                           std::to_string(settings_.max_signal_size));
  }
  size_t total = payload.size() + (framed ? 4 : 0);
  if (signal_send_bytes_ + total > settings_.max_signal_send_buffer) {
    return make_error(Errc::would_block, "signal send buffer full (" + std::to_string(signal_send_bytes_) +
                                             " bytes queued or unacknowledged)");
  }
  Bytes frame;
  frame.reserve(total);
  if (framed) {
    frame.resize(4);
    store_be32(frame.data(), static_cast<uint32_t>(payload.size()));
  }
  frame.insert(frame.end(), payload.begin(), payload.end());
  pending_signals_.push_back({std::move(frame), fin});
  signal_send_bytes_ += total;
  host_.request_flush(*this);
  return {};
}

void QuicConnection::open_pending_streams() {
  // 1-RTT streams need the peer's transport parameters: wait for the handshake.
  while (handshake_completed_ && !pending_signals_.empty()) {
    int64_t stream_id = -1;
    int rv = ngtcp2_conn_open_bidi_stream(conn_.get(), &stream_id, nullptr);
    if (rv == NGTCP2_ERR_STREAM_ID_BLOCKED) return;  // extend_max_local_streams_bidi will flush again
    if (rv != 0) {
      close_with_error(rv, "opening a stream failed");
      return;
    }
    queue_stream_write(stream_id, std::move(pending_signals_.front().frame), true,
                       pending_signals_.front().fin);
    pending_signals_.pop_front();
  }
}

void QuicConnection::apply_deferred_stream_ops() {
  for (int64_t stream_id : streams_to_reset_) ngtcp2_conn_shutdown_stream(conn_.get(), stream_id, 0);
  for (int64_t stream_id : streams_to_stop_) ngtcp2_conn_shutdown_stream_read(conn_.get(), stream_id, 0);
  streams_to_reset_.clear();
  streams_to_stop_.clear();
  // Stream credit comes back only when a stream's turn has passed, so the
  // number of streams held by the receiver stays within the advertised limit.
  if (uint64_t released = receiver_.take_released_streams(); released > 0) {
    ngtcp2_conn_extend_max_streams_bidi(conn_.get(), released);
  }
}

}  // namespace wzp::transport

// QuicConnection: the ngtcp2 callbacks (user_data is the QuicConnection).
// Each runs behind the exception barrier: an exception (from our code or an
// application callback it calls) fails only this connection.
#include "transport/quic_connection.hpp"

#include <ngtcp2/ngtcp2_crypto.h>

#include <algorithm>

#include "core/c_boundary.hpp"
#include "core/log.hpp"
#include "transport/quic_connection_detail.hpp"

namespace wzp::transport {

using namespace quic_detail;

int QuicConnection::on_handshake_completed(ngtcp2_conn* conn, void* user_data) {
  return c_boundary("ngtcp2 handshake_completed", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    auto& self = *static_cast<QuicConnection*>(user_data);
    if (!self.tls_->alpn_negotiated()) {
      self.local_error_ = "ALPN '" + self.settings_.alpn + "' was not negotiated";
      ngtcp2_conn_set_tls_alert(conn, GNUTLS_A_NO_APPLICATION_PROTOCOL);
      return NGTCP2_ERR_CALLBACK_FAILURE;
    }
    self.handshake_completed_ = true;
    WZP_LOG(info, kLog,
            "connection " + std::to_string(self.id_) + (self.is_server_ ? " from " : " to ") +
                self.remote_.to_string() + " established" +
                (self.sni_present() ? ", SNI '" + self.sni() + "'" : std::string(", no SNI")));
    const auto& cb = self.host_.callbacks();
    if (cb.on_handshake_completed && self.phase_ == Phase::active) cb.on_handshake_completed(self.handle_);
    self.host_.request_flush(self);
    return 0;
  });
}

int QuicConnection::on_stream_open(ngtcp2_conn* conn, int64_t stream_id, void* user_data) {
  return c_boundary("ngtcp2 stream_open", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    auto& self = *static_cast<QuicConnection*>(user_data);
    if (ngtcp2_is_bidi_stream(stream_id) && !ngtcp2_conn_is_local_stream(conn, stream_id)) {
      self.receiver_.on_open(stream_id);
    }
    return 0;
  });
}

int QuicConnection::on_recv_stream_data(ngtcp2_conn* conn, uint32_t flags, int64_t stream_id,
                                        uint64_t /*offset*/, const uint8_t* data, size_t datalen,
                                        void* user_data, void* /*stream_user_data*/) {
  return c_boundary("ngtcp2 recv_stream_data", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    auto& self = *static_cast<QuicConnection*>(user_data);
    // Every byte is consumed at once (copied or discarded), so credit returns
    // immediately; the receiver bounds what it keeps.
    ngtcp2_conn_extend_max_stream_offset(conn, stream_id, datalen);
    ngtcp2_conn_extend_max_offset(conn, datalen);
    bool fin = (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0;
    if (ngtcp2_is_bidi_stream(stream_id) && !ngtcp2_conn_is_local_stream(conn, stream_id)) {
      self.handle_peer_stream_data(stream_id, {data, datalen}, fin);
    }
    // Anything else (the reverse half of our own streams, uni streams) is unused.
    return 0;
  });
}

int QuicConnection::on_acked_stream_data(ngtcp2_conn* /*conn*/, int64_t stream_id, uint64_t /*offset*/,
                                         uint64_t datalen, void* user_data, void* /*stream_user_data*/) {
  return c_boundary("ngtcp2 acked_stream_data", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    auto& self = *static_cast<QuicConnection*>(user_data);
    auto it = self.out_streams_.find(stream_id);
    if (it == self.out_streams_.end()) return 0;
    OutgoingStream& stream = it->second;
    stream.acked += datalen;
    if (stream.fin_written && stream.acked >= stream.data.size() && !stream.data.empty()) {
      if (stream.is_signal) self.signal_send_bytes_ -= std::min(self.signal_send_bytes_, stream.data.size());
      stream.data = Bytes{};  // nothing left to retransmit
      stream.written = 0;
    }
    return 0;
  });
}

int QuicConnection::on_stream_close(ngtcp2_conn* conn, uint32_t /*flags*/, int64_t stream_id,
                                    uint64_t app_error_code, void* user_data, void* /*stream_user_data*/) {
  return c_boundary("ngtcp2 stream_close", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    auto& self = *static_cast<QuicConnection*>(user_data);
    auto it = self.out_streams_.find(stream_id);
    if (it != self.out_streams_.end()) {
      if (it->second.is_signal)
        self.signal_send_bytes_ -= std::min(self.signal_send_bytes_, it->second.data.size());
      self.out_streams_.erase(it);
    }
    if (ngtcp2_is_bidi_stream(stream_id) && !ngtcp2_conn_is_local_stream(conn, stream_id)) {
      // A stream closed before its message completed (e.g. reset): fail it
      // so later streams are not held back.
      if (auto error = self.receiver_.on_reset(stream_id, app_error_code))
        self.report_signal_error(std::move(*error));
      self.deliver_ready_signals();
    }
    return 0;
  });
}

int QuicConnection::on_stream_reset(ngtcp2_conn* conn, int64_t stream_id, uint64_t /*final_size*/,
                                    uint64_t app_error_code, void* user_data, void* /*stream_user_data*/) {
  return c_boundary("ngtcp2 stream_reset", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    auto& self = *static_cast<QuicConnection*>(user_data);
    if (ngtcp2_is_bidi_stream(stream_id) && !ngtcp2_conn_is_local_stream(conn, stream_id)) {
      if (auto error = self.receiver_.on_reset(stream_id, app_error_code)) {
        self.report_signal_error(std::move(*error));
        self.streams_to_reset_.push_back(stream_id);
      }
      self.deliver_ready_signals();
    }
    return 0;
  });
}

int QuicConnection::on_extend_max_streams(ngtcp2_conn* /*conn*/, uint64_t /*max_streams*/, void* user_data) {
  return c_boundary("ngtcp2 extend_max_streams", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    auto& self = *static_cast<QuicConnection*>(user_data);
    if (!self.pending_signals_.empty()) self.host_.request_flush(self);
    return 0;
  });
}

int QuicConnection::on_extend_max_stream_data(ngtcp2_conn* /*conn*/, int64_t /*stream_id*/,
                                              uint64_t /*max_data*/, void* user_data,
                                              void* /*stream_user_data*/) {
  return c_boundary("ngtcp2 extend_max_stream_data", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    auto& self = *static_cast<QuicConnection*>(user_data);
    self.host_.request_flush(self);
    return 0;
  });
}

void QuicConnection::on_rand(uint8_t* dest, size_t destlen, const ngtcp2_rand_ctx* /*rand_ctx*/) {
  c_boundary_void("ngtcp2 rand", [&] { random_bytes(dest, destlen); });
}

int QuicConnection::on_get_new_connection_id(ngtcp2_conn* /*conn*/, ngtcp2_cid* cid, uint8_t* token,
                                             size_t cidlen, void* user_data) {
  return c_boundary("ngtcp2 get_new_connection_id", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    auto& self = *static_cast<QuicConnection*>(user_data);
    cid->datalen = cidlen;
    make_connection_id(cid->data, cidlen, self.host_.cid_tag());
    // A server derives the token from its static secret, so that it can
    // reset this connection after losing its state (e.g. a restart); a
    // client never sends resets, so its token only has to be unguessable.
    if (!self.reset_secret_ || ngtcp2_crypto_generate_stateless_reset_token(
                                   token, self.reset_secret_->data(), self.reset_secret_->size(), cid) != 0) {
      random_bytes(token, NGTCP2_STATELESS_RESET_TOKENLEN);
    }
    self.register_cid(*cid);
    return 0;
  });
}

int QuicConnection::on_remove_connection_id(ngtcp2_conn* /*conn*/, const ngtcp2_cid* cid, void* user_data) {
  return c_boundary("ngtcp2 remove_connection_id", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    auto& self = *static_cast<QuicConnection*>(user_data);
    ByteView key(cid->data, cid->datalen);
    auto it = std::find_if(self.cids_.begin(), self.cids_.end(), [&](const Bytes& c) {
      return std::equal(c.begin(), c.end(), key.begin(), key.end());
    });
    if (it != self.cids_.end()) {
      self.host_.remove_cid(*it);
      self.cids_.erase(it);
    }
    return 0;
  });
}

int QuicConnection::on_recv_datagram(ngtcp2_conn* /*conn*/, uint32_t /*flags*/, const uint8_t* data,
                                     size_t datalen, void* user_data) {
  return c_boundary("ngtcp2 recv_datagram", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    auto& self = *static_cast<QuicConnection*>(user_data);
    ++self.stats_.datagrams_received;
    const auto& cb = self.host_.callbacks();
    if (cb.on_datagram && self.phase_ == Phase::active) cb.on_datagram(self.handle_, ByteView(data, datalen));
    return 0;
  });
}

int QuicConnection::on_lost_datagram(ngtcp2_conn* /*conn*/, uint64_t /*dgram_id*/, void* user_data) {
  return c_boundary("ngtcp2 lost_datagram", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    ++static_cast<QuicConnection*>(user_data)->stats_.datagrams_lost;
    return 0;
  });
}

int QuicConnection::on_recv_stateless_reset(ngtcp2_conn* /*conn*/, const ngtcp2_pkt_stateless_reset* /*sr*/,
                                            void* user_data) {
  return c_boundary("ngtcp2 recv_stateless_reset", int{NGTCP2_ERR_CALLBACK_FAILURE}, [&]() -> int {
    static_cast<QuicConnection*>(user_data)->stateless_reset_ = true;
    return 0;
  });
}

}  // namespace wzp::transport

// QuicConnection: the close state machine (closing, draining, finished).
#include "transport/quic_connection.hpp"

#include "core/log.hpp"

#include "transport/quic_connection_detail.hpp"

namespace wzp::transport {

using namespace quic_detail;

namespace {

std::string alert_text(uint8_t alert) {
  const char* name = gnutls_alert_get_name(static_cast<gnutls_alert_description_t>(alert));
  return "TLS alert " + std::to_string(alert) +
         (name != nullptr ? std::string(" (") + name + ")" : std::string());
}

}  // namespace

void QuicConnection::request_close(uint64_t app_error_code, std::string_view reason) {
  if (!is_open()) return;
  close_request_ = CloseRequest{app_error_code, std::string(reason.substr(0, kMaxReasonLength))};
  host_.request_flush(*this);
}

void QuicConnection::handle_read_error(int rv) {
  switch (rv) {
    case NGTCP2_ERR_DRAINING: enter_draining(); return;
    case NGTCP2_ERR_CLOSING: return;
    case NGTCP2_ERR_DROP_CONN:
    case NGTCP2_ERR_RETRY:
      report_closed({CloseKind::local, NGTCP2_PROTOCOL_VIOLATION, true, "dropped: " + liberr_text(rv)});
      finish();
      return;
    case NGTCP2_ERR_CRYPTO: {
      uint8_t alert = ngtcp2_conn_get_tls_alert(conn_.get());
      std::string reason = !tls_->failure_reason().empty() ? tls_->failure_reason()
                           : !local_error_.empty()         ? local_error_
                                                           : "TLS handshake failed";
      reason += " [" + alert_text(alert) + "]";
      if (is_server_ && !handshake_completed_) host_.handshake_refused(*this, reason);
      ngtcp2_connection_close_error ccerr;
      ngtcp2_connection_close_error_default(&ccerr);
      ngtcp2_connection_close_error_set_transport_error_tls_alert(&ccerr, alert, nullptr, 0);
      start_close(ccerr, {CloseKind::local, ccerr.error_code, true, reason});
      return;
    }
    default: close_with_error(rv, "reading a packet failed");
  }
}

void QuicConnection::close_with_error(int liberr, const std::string& context) {
  ngtcp2_connection_close_error ccerr;
  ngtcp2_connection_close_error_default(&ccerr);
  if (!local_error_.empty() && ngtcp2_conn_get_tls_alert(conn_.get()) != 0) {
    ngtcp2_connection_close_error_set_transport_error_tls_alert(
        &ccerr, ngtcp2_conn_get_tls_alert(conn_.get()), nullptr, 0);
  } else {
    ngtcp2_connection_close_error_set_transport_error_liberr(&ccerr, liberr, nullptr, 0);
  }
  std::string reason = local_error_.empty() ? context + ": " + liberr_text(liberr) : local_error_;
  start_close(ccerr, {CloseKind::local, ccerr.error_code, true, reason});
}

void QuicConnection::start_close(const ngtcp2_connection_close_error& ccerr, CloseInfo info) {
  if (phase_ != Phase::active) return;
  cancel_timer();
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  uint8_t buffer[NGTCP2_MAX_UDP_PAYLOAD_SIZE];
  ngtcp2_ssize n =
      ngtcp2_conn_write_connection_close(conn_.get(), &ps.path, &pi, buffer, sizeof buffer, &ccerr, now_ns());
  // From here on neither handle_expiry nor any write function may be called
  // for this connection (ngtcp2 asserts on it).
  phase_ = Phase::closing;
  report_closed(std::move(info));
  if (n <= 0) {
    finish();  // nothing was ever sent (or cannot be): nobody to tell
    return;
  }
  close_packet_.assign(buffer, buffer + n);
  ++stats_.packets_sent;
  stats_.bytes_sent += close_packet_.size();
  socket_.send_to(SocketAddress(ps.path.remote.addr, ps.path.remote.addrlen), close_packet_);
  uint64_t period = 3 * ngtcp2_conn_get_pto(conn_.get());
  timer_id_ = host_.loop().add_timer(now_ns() + period, [this] {
    timer_id_ = 0;
    host_.connection_timer(*this);
  });
}

void QuicConnection::enter_draining() {
  if (phase_ != Phase::active) return;
  cancel_timer();
  phase_ = Phase::draining;
  ngtcp2_connection_close_error ccerr;
  ngtcp2_conn_get_connection_close_error(conn_.get(), &ccerr);
  CloseInfo info;
  info.code = ccerr.error_code;
  info.reason.assign(reinterpret_cast<const char*>(ccerr.reason), ccerr.reasonlen);
  if (stateless_reset_) {
    info.kind = CloseKind::transport;
    info.reason = "stateless reset";
  } else if (ccerr.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_APPLICATION) {
    info.kind = CloseKind::application;
  } else {
    info.kind = CloseKind::transport;
    info.transport_code = true;
  }
  report_closed(std::move(info));
  uint64_t period = 3 * ngtcp2_conn_get_pto(conn_.get());
  timer_id_ = host_.loop().add_timer(now_ns() + period, [this] {
    timer_id_ = 0;
    host_.connection_timer(*this);
  });
}

void QuicConnection::on_stateless_reset() {
  stateless_reset_ = true;
  enter_draining();
}

void QuicConnection::close_immediately(uint64_t app_error_code, std::string_view reason, bool report) {
  if (phase_ == Phase::active) {
    ngtcp2_connection_close_error ccerr;
    ngtcp2_connection_close_error_default(&ccerr);
    std::string text(reason.substr(0, kMaxReasonLength));
    ngtcp2_connection_close_error_set_application_error(
        &ccerr, app_error_code, reinterpret_cast<const uint8_t*>(text.data()), text.size());
    if (!report) close_reported_ = true;  // silent teardown
    start_close(ccerr, {CloseKind::local, app_error_code, false, text});
  }
  if (phase_ != Phase::finished) finish();
}

void QuicConnection::report_closed(const CloseInfo& info) {
  if (close_reported_) return;
  close_reported_ = true;
  if (!announced_) {
    host_.unauthenticated_log().write_lazy(
        [&] { return "connection attempt from " + remote_.to_string() + " failed: " + describe(info); });
    return;
  }
  auto line = [&] {
    return "connection " + std::to_string(id_) + " with " + remote_.to_string() +
           " closed: " + describe(info);
  };
  // Before the handshake completed the peer is anybody: throttle.
  if (is_server_ && !handshake_completed_) {
    host_.unauthenticated_log().write_lazy(line);
  } else {
    WZP_LOG(info, kLog, line());
  }
  const auto& cb = host_.callbacks();
  if (cb.on_closed) cb.on_closed(handle_, info);
}

void QuicConnection::finish() {
  if (phase_ == Phase::finished) return;
  phase_ = Phase::finished;
  cancel_timer();
  for (const Bytes& cid : cids_) host_.remove_cid(cid);
  cids_.clear();
  out_streams_.clear();
  write_queue_.clear();
  pending_signals_.clear();
  datagram_queue_.clear();
  host_.connection_finished(*this);
}

}  // namespace wzp::transport

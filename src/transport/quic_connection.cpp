// QuicConnection: construction, setup of the ngtcp2 connection and its TLS
// session, and queries.
#include "transport/quic_connection.hpp"

#include <ngtcp2/ngtcp2_crypto.h>

#include "transport/quic_connection_detail.hpp"

namespace wzp::transport {

using namespace quic_detail;

namespace {

// Client's first destination connection ID (RFC 9000 requires >= 8 bytes).
constexpr size_t kInitialDcidLength = 18;

// Stream credit keeps the peer within initial_max_streams_bidi pending
// streams; the margin only guards against miscounting.
size_t max_tracked_streams(const TransportSettings& settings) {
  return static_cast<size_t>(2 * settings.initial_max_streams_bidi + 16);
}

}  // namespace

QuicConnection::QuicConnection(ConnectionHost& host, ConnectionId id, const TransportSettings& settings,
                               UdpSocket& socket)
    : host_(host),
      id_(id),
      settings_(settings),
      socket_(socket),
      handle_(*this),
      receiver_(0, settings.max_signal_size, settings.max_signal_receive_buffer,
                max_tracked_streams(settings)),
      datagram_queue_(settings.datagram_send_queue_bytes) {}

QuicConnection::~QuicConnection() {
  cancel_timer();
  if (signal_timer_id_ != 0) host_.loop().cancel_timer(signal_timer_id_);
  // The TLS session points at the ngtcp2 connection and vice versa: drop the
  // connection first (it does not use the session while being deleted).
  conn_.reset();
  tls_.reset();
}

ngtcp2_callbacks QuicConnection::make_callbacks(bool server) {
  ngtcp2_callbacks cb{};
  if (server) {
    cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
  } else {
    cb.client_initial = ngtcp2_crypto_client_initial_cb;
    cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
  }
  cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
  cb.encrypt = ngtcp2_crypto_encrypt_cb;
  cb.decrypt = ngtcp2_crypto_decrypt_cb;
  cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
  cb.update_key = ngtcp2_crypto_update_key_cb;
  cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
  cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
  cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
  cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
  cb.handshake_completed = on_handshake_completed;
  cb.stream_open = on_stream_open;
  cb.recv_stream_data = on_recv_stream_data;
  cb.acked_stream_data_offset = on_acked_stream_data;
  cb.stream_close = on_stream_close;
  cb.stream_reset = on_stream_reset;
  cb.extend_max_local_streams_bidi = on_extend_max_streams;
  cb.extend_max_stream_data = on_extend_max_stream_data;
  cb.rand = on_rand;
  cb.get_new_connection_id = on_get_new_connection_id;
  cb.remove_connection_id = on_remove_connection_id;
  cb.recv_datagram = on_recv_datagram;
  cb.lost_datagram = on_lost_datagram;
  cb.recv_stateless_reset = on_recv_stateless_reset;
  return cb;
}

void QuicConnection::fill_settings(ngtcp2_settings& settings, ngtcp2_transport_params& params) const {
  ngtcp2_settings_default(&settings);
  settings.initial_ts = now_ns();
  settings.initial_rtt = settings_.initial_rtt_ms * NGTCP2_MILLISECONDS;
  settings.cc_algo = NGTCP2_CC_ALGO_CUBIC;
  settings.handshake_timeout = settings_.handshake_timeout_ms * NGTCP2_MILLISECONDS;

  ngtcp2_transport_params_default(&params);
  params.initial_max_data = settings_.initial_max_data;
  params.initial_max_stream_data_bidi_local = settings_.initial_max_stream_data;
  params.initial_max_stream_data_bidi_remote = settings_.initial_max_stream_data;
  params.initial_max_stream_data_uni = settings_.initial_max_stream_data;
  params.initial_max_streams_bidi = settings_.initial_max_streams_bidi;
  params.initial_max_streams_uni = settings_.initial_max_streams_uni;
  params.max_idle_timeout = settings_.idle_timeout_ms * NGTCP2_MILLISECONDS;
  params.max_datagram_frame_size = settings_.max_datagram_frame_size;
  params.active_connection_id_limit = 5;  // as the reference (quinn default)
  params.max_udp_payload_size = 1472;     // as the reference; the endpoint's receive slots rely on it
}

void make_connection_id(uint8_t* out, size_t len, std::optional<uint8_t> tag) {
  random_bytes(out, len);
  if (tag && len > 0) out[0] = *tag;
}

void QuicConnection::register_cid(const ngtcp2_cid& cid) {
  cids_.emplace_back(cid.data, cid.data + cid.datalen);
  host_.add_cid(cids_.back(), *this);
}

void QuicConnection::after_init() {
  if (settings_.keep_alive_ms > 0) {
    ngtcp2_conn_set_keep_alive_timeout(conn_.get(), settings_.keep_alive_ms * NGTCP2_MILLISECONDS);
  }
}

Status QuicConnection::init_client(const ClientParams& p) {
  is_server_ = false;
  remote_ = p.remote;
  receiver_ = SignalReceiver(1, settings_.max_signal_size, settings_.max_signal_receive_buffer,
                             max_tracked_streams(settings_));
  ngtcp2_cid dcid{};
  ngtcp2_cid scid{};
  dcid.datalen = kInitialDcidLength;
  random_bytes(dcid.data, dcid.datalen);
  scid.datalen = kConnectionIdLength;
  make_connection_id(scid.data, scid.datalen, host_.cid_tag());
  ngtcp2_settings settings;
  ngtcp2_transport_params params;
  fill_settings(settings, params);
  ngtcp2_callbacks callbacks = make_callbacks(false);
  ngtcp2_path path = make_path(socket_.local_address(), remote_);
  ngtcp2_conn* raw = nullptr;
  int rv = ngtcp2_conn_client_new(&raw, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &callbacks, &settings,
                                  &params, nullptr, this);
  if (rv != 0) return make_error(Errc::transport, "creating the QUIC client connection: " + liberr_text(rv));
  conn_.reset(raw);
  auto tls = TlsSession::create_client(p.credentials, settings_.alpn, p.sni, p.pinned_sha256);
  if (!tls) return std::move(tls).error();
  tls_ = std::move(tls.value());
  tls_->attach(conn_.get());
  register_cid(scid);
  after_init();
  return {};
}

Status QuicConnection::init_server(const ServerParams& p) {
  is_server_ = true;
  remote_ = p.remote;
  const ngtcp2_pkt_hd& hd = *p.initial_header;
  ngtcp2_cid scid{};
  scid.datalen = kConnectionIdLength;
  make_connection_id(scid.data, scid.datalen, host_.cid_tag());
  ngtcp2_settings settings;
  ngtcp2_transport_params params;
  fill_settings(settings, params);
  if (p.original_dcid) {
    // The Initial answers our Retry: hd.dcid is the Retry's source ID.
    params.original_dcid = *p.original_dcid;
    params.retry_scid = hd.dcid;
    params.retry_scid_present = 1;
    settings.token = ngtcp2_vec{const_cast<uint8_t*>(p.retry_token.data()), p.retry_token.size()};
  } else {
    params.original_dcid = hd.dcid;
  }
  if (p.reset_secret != nullptr) {
    reset_secret_ = *p.reset_secret;
    if (ngtcp2_crypto_generate_stateless_reset_token(params.stateless_reset_token, reset_secret_->data(),
                                                     reset_secret_->size(), &scid) == 0) {
      params.stateless_reset_token_present = 1;
    }
  }
  ngtcp2_callbacks callbacks = make_callbacks(true);
  ngtcp2_path path = make_path(socket_.local_address(), remote_);
  ngtcp2_conn* raw = nullptr;
  int rv = ngtcp2_conn_server_new(&raw, &hd.scid, &scid, &path, hd.version, &callbacks, &settings, &params,
                                  nullptr, this);
  if (rv != 0) return make_error(Errc::transport, "creating the QUIC server connection: " + liberr_text(rv));
  conn_.reset(raw);
  auto tls = TlsSession::create_server(p.credentials, settings_.alpn, p.sni_filter);
  if (!tls) return std::move(tls).error();
  tls_ = std::move(tls.value());
  tls_->attach(conn_.get());
  register_cid(scid);
  register_cid(hd.dcid);  // the client retransmits its Initial to the DCID it chose
  after_init();
  return {};
}

bool QuicConnection::sni_present() const noexcept { return tls_ && tls_->sni_present(); }

const std::string& QuicConnection::sni() const noexcept {
  static const std::string empty;
  return tls_ ? tls_->sni() : empty;
}

bool QuicConnection::matches_stateless_reset(ByteView token) const {
  if (!conn_ || is_server_ || phase_ != Phase::active || token.size() != NGTCP2_STATELESS_RESET_TOKENLEN)
    return false;
  std::vector<ngtcp2_cid_token> dcids(ngtcp2_conn_get_num_active_dcid(conn_.get()));
  dcids.resize(ngtcp2_conn_get_active_dcid(conn_.get(), dcids.data()));
  bool found = false;
  for (const ngtcp2_cid_token& dcid : dcids) {
    // Constant time: the token is a secret of the server's.
    uint8_t diff = 0;
    for (size_t i = 0; i < token.size(); ++i) diff |= static_cast<uint8_t>(dcid.token[i] ^ token[i]);
    found |= dcid.token_present != 0 && diff == 0;
  }
  return found;
}

std::optional<ByteArray<32>> QuicConnection::peer_certificate_sha256() const {
  return tls_ ? tls_->peer_certificate_sha256() : std::nullopt;
}

ConnectionStats QuicConnection::stats() const {
  ConnectionStats out = stats_;
  out.signal_bytes_buffered = receiver_.buffered_bytes();
  if (conn_) {
    ngtcp2_conn_stat cstat{};
    ngtcp2_conn_get_conn_stat(conn_.get(), &cstat);
    out.smoothed_rtt_ns = cstat.smoothed_rtt;
    out.min_rtt_ns = cstat.min_rtt == UINT64_MAX ? 0 : cstat.min_rtt;
    out.latest_rtt_ns = cstat.latest_rtt;
    out.rtt_variance_ns = cstat.rttvar;
    out.congestion_window = cstat.cwnd;
    out.bytes_in_flight = cstat.bytes_in_flight;
  }
  return out;
}

}  // namespace wzp::transport

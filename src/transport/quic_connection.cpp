#include "transport/quic_connection.hpp"

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <algorithm>
#include <cstring>

#include "core/clock.hpp"
#include "core/log.hpp"

namespace wzp::transport {
namespace {

constexpr const char* kLog = "transport";
// Client's first destination connection ID (RFC 9000 requires >= 8 bytes).
constexpr size_t kInitialDcidLength = 18;
// Packets written per flush before yielding to other connections.
constexpr size_t kMaxPacketsPerFlush = 64;
// Reason phrases must fit a single packet; the peer truncates at 1024 anyway.
constexpr size_t kMaxReasonLength = 512;
// Short header + DATAGRAM frame overhead besides the connection ID: flags
// (1), packet number (<= 4), AEAD tag (16), frame type (1), length (<= 2),
// and a few bytes of slack for an ACK frame sharing the packet.
constexpr size_t kDatagramPacketOverhead = 1 + 4 + 16 + 1 + 2 + 8;

uint64_t now_ns() { return clock::now_ns(); }

// Stream credit keeps the peer within initial_max_streams_bidi pending
// streams; the margin only guards against miscounting.
size_t max_tracked_streams(const TransportSettings& settings) {
  return static_cast<size_t>(2 * settings.initial_max_streams_bidi + 16);
}

ngtcp2_addr make_addr(const SocketAddress& address) {
  ngtcp2_addr addr{};
  addr.addr = const_cast<sockaddr*>(address.data());
  addr.addrlen = address.length();
  return addr;
}

ngtcp2_path make_path(const SocketAddress& local, const SocketAddress& remote) {
  ngtcp2_path path{};
  path.local = make_addr(local);
  path.remote = make_addr(remote);
  return path;
}

void random_bytes(uint8_t* out, size_t len) { gnutls_rnd(GNUTLS_RND_NONCE, out, len); }

std::string liberr_text(int rv) { return std::string(ngtcp2_strerror(rv)) + " (" + std::to_string(rv) + ")"; }

std::string alert_text(uint8_t alert) {
  const char* name = gnutls_alert_get_name(static_cast<gnutls_alert_description_t>(alert));
  return "TLS alert " + std::to_string(alert) +
         (name != nullptr ? std::string(" (") + name + ")" : std::string());
}

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

// ---------------------------------------------------------------------------
// Setup

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
  random_bytes(scid.data, scid.datalen);
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
  random_bytes(scid.data, scid.datalen);
  ngtcp2_settings settings;
  ngtcp2_transport_params params;
  fill_settings(settings, params);
  params.original_dcid = hd.dcid;
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

// ---------------------------------------------------------------------------
// ngtcp2 callbacks

int QuicConnection::on_handshake_completed(ngtcp2_conn* conn, void* user_data) {
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
}

int QuicConnection::on_stream_open(ngtcp2_conn* conn, int64_t stream_id, void* user_data) {
  auto& self = *static_cast<QuicConnection*>(user_data);
  if (ngtcp2_is_bidi_stream(stream_id) && !ngtcp2_conn_is_local_stream(conn, stream_id)) {
    self.receiver_.on_open(stream_id);
  }
  return 0;
}

int QuicConnection::on_recv_stream_data(ngtcp2_conn* conn, uint32_t flags, int64_t stream_id,
                                        uint64_t /*offset*/, const uint8_t* data, size_t datalen,
                                        void* user_data, void* /*stream_user_data*/) {
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
}

int QuicConnection::on_acked_stream_data(ngtcp2_conn* /*conn*/, int64_t stream_id, uint64_t /*offset*/,
                                         uint64_t datalen, void* user_data, void* /*stream_user_data*/) {
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
}

int QuicConnection::on_stream_close(ngtcp2_conn* conn, uint32_t /*flags*/, int64_t stream_id,
                                    uint64_t app_error_code, void* user_data, void* /*stream_user_data*/) {
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
}

int QuicConnection::on_stream_reset(ngtcp2_conn* conn, int64_t stream_id, uint64_t /*final_size*/,
                                    uint64_t app_error_code, void* user_data, void* /*stream_user_data*/) {
  auto& self = *static_cast<QuicConnection*>(user_data);
  if (ngtcp2_is_bidi_stream(stream_id) && !ngtcp2_conn_is_local_stream(conn, stream_id)) {
    if (auto error = self.receiver_.on_reset(stream_id, app_error_code)) {
      self.report_signal_error(std::move(*error));
      self.streams_to_reset_.push_back(stream_id);
    }
    self.deliver_ready_signals();
  }
  return 0;
}

int QuicConnection::on_extend_max_streams(ngtcp2_conn* /*conn*/, uint64_t /*max_streams*/, void* user_data) {
  auto& self = *static_cast<QuicConnection*>(user_data);
  if (!self.pending_signals_.empty()) self.host_.request_flush(self);
  return 0;
}

int QuicConnection::on_extend_max_stream_data(ngtcp2_conn* /*conn*/, int64_t /*stream_id*/,
                                              uint64_t /*max_data*/, void* user_data,
                                              void* /*stream_user_data*/) {
  auto& self = *static_cast<QuicConnection*>(user_data);
  self.host_.request_flush(self);
  return 0;
}

void QuicConnection::on_rand(uint8_t* dest, size_t destlen, const ngtcp2_rand_ctx* /*rand_ctx*/) {
  random_bytes(dest, destlen);
}

int QuicConnection::on_get_new_connection_id(ngtcp2_conn* /*conn*/, ngtcp2_cid* cid, uint8_t* token,
                                             size_t cidlen, void* user_data) {
  auto& self = *static_cast<QuicConnection*>(user_data);
  cid->datalen = cidlen;
  random_bytes(cid->data, cidlen);
  // Stateless resets are not sent by this endpoint; the token only has to be unguessable.
  random_bytes(token, NGTCP2_STATELESS_RESET_TOKENLEN);
  self.register_cid(*cid);
  return 0;
}

int QuicConnection::on_remove_connection_id(ngtcp2_conn* /*conn*/, const ngtcp2_cid* cid, void* user_data) {
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
}

int QuicConnection::on_recv_datagram(ngtcp2_conn* /*conn*/, uint32_t /*flags*/, const uint8_t* data,
                                     size_t datalen, void* user_data) {
  auto& self = *static_cast<QuicConnection*>(user_data);
  ++self.stats_.datagrams_received;
  const auto& cb = self.host_.callbacks();
  if (cb.on_datagram && self.phase_ == Phase::active) cb.on_datagram(self.handle_, ByteView(data, datalen));
  return 0;
}

int QuicConnection::on_lost_datagram(ngtcp2_conn* /*conn*/, uint64_t /*dgram_id*/, void* user_data) {
  ++static_cast<QuicConnection*>(user_data)->stats_.datagrams_lost;
  return 0;
}

int QuicConnection::on_recv_stateless_reset(ngtcp2_conn* /*conn*/, const ngtcp2_pkt_stateless_reset* /*sr*/,
                                            void* user_data) {
  static_cast<QuicConnection*>(user_data)->stateless_reset_ = true;
  return 0;
}

// ---------------------------------------------------------------------------
// Signals

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

// ---------------------------------------------------------------------------
// Datagrams

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

// ---------------------------------------------------------------------------
// Packets in and out

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
  cancel_timer();
  timer_deadline_ = expiry;
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

// ---------------------------------------------------------------------------
// Closing

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
    // TLS refusals are logged (at info) by the host; the rest is noise.
    WZP_LOG(debug, kLog, "connection attempt from " + remote_.to_string() + " failed: " + describe(info));
    return;
  }
  WZP_LOG(
      info, kLog,
      "connection " + std::to_string(id_) + " with " + remote_.to_string() + " closed: " + describe(info));
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

// ---------------------------------------------------------------------------
// Queries

bool QuicConnection::sni_present() const noexcept { return tls_ && tls_->sni_present(); }

const std::string& QuicConnection::sni() const noexcept {
  static const std::string empty;
  return tls_ ? tls_->sni() : empty;
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

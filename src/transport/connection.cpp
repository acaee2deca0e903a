#include "transport/connection.hpp"

#include "transport/quic_connection.hpp"

namespace wzp::transport {

ConnectionId Connection::id() const noexcept { return impl_.id(); }
bool Connection::is_server() const noexcept { return impl_.is_server(); }
bool Connection::handshake_completed() const noexcept { return impl_.handshake_completed(); }
bool Connection::is_open() const noexcept { return impl_.is_open(); }
bool Connection::sni_present() const noexcept { return impl_.sni_present(); }
const std::string& Connection::sni() const noexcept { return impl_.sni(); }
const SocketAddress& Connection::remote_address() const noexcept { return impl_.remote_address(); }
const SocketAddress& Connection::local_address() const noexcept { return impl_.local_address(); }
std::optional<ByteArray<32>> Connection::peer_certificate_sha256() const {
  return impl_.peer_certificate_sha256();
}
Status Connection::send_signal(ByteView payload) { return impl_.send_signal(payload, true); }
Status Connection::send_raw_stream(ByteView bytes, bool fin) { return impl_.send_signal(bytes, false, fin); }
Status Connection::send_datagram(ByteView payload) { return impl_.send_datagram(payload); }
size_t Connection::max_datagram_payload() const { return impl_.max_datagram_payload(); }
void Connection::close(uint64_t app_error_code, std::string_view reason) {
  impl_.request_close(app_error_code, reason);
}
void Connection::set_signal_limits(const SignalLimits& limits) { impl_.set_signal_limits(limits); }
ConnectionStats Connection::stats() const { return impl_.stats(); }

}  // namespace wzp::transport

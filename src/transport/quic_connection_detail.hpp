// Internal to the QuicConnection implementation files: helpers they share.
#pragma once

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2.h>

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "transport/socket_address.hpp"

namespace wzp::transport::quic_detail {

inline constexpr const char* kLog = "transport";
// Reason phrases must fit a single packet; the peer truncates at 1024 anyway.
inline constexpr size_t kMaxReasonLength = 512;

inline uint64_t now_ns() { return clock::now_ns(); }

inline ngtcp2_addr make_addr(const SocketAddress& address) {
  ngtcp2_addr addr{};
  addr.addr = const_cast<sockaddr*>(address.data());
  addr.addrlen = address.length();
  return addr;
}

inline ngtcp2_path make_path(const SocketAddress& local, const SocketAddress& remote) {
  ngtcp2_path path{};
  path.local = make_addr(local);
  path.remote = make_addr(remote);
  return path;
}

inline void random_bytes(uint8_t* out, size_t len) { gnutls_rnd(GNUTLS_RND_NONCE, out, len); }

inline std::string liberr_text(int rv) {
  return std::string(ngtcp2_strerror(rv)) + " (" + std::to_string(rv) + ")";
}

}  // namespace wzp::transport::quic_detail

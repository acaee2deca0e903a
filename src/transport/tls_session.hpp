// Internal to src/transport: one GnuTLS session configured for QUIC
// (TLS 1.3 only, a single mandatory ALPN), bound to its ngtcp2 connection.
//
// Server side, the SNI is read from the raw ClientHello (a pre-ClientHello
// hook), so it is known exactly as sent and an application filter can refuse
// the handshake with an illegal_parameter alert. GnuTLS itself then refuses
// host names with characters other than letters, digits, '-' and '.' (for
// example "_probe"): such handshakes fail whatever the filter says.
//
// Client side, the server certificate is accepted without chain or name
// checks (as the reference client does), optionally pinned by the SHA-256 of
// its DER encoding.
#pragma once

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace wzp::transport {

class TlsSession {
 public:
  using SniFilter = std::function<bool(const std::optional<std::string>& sni)>;

  static Result<std::unique_ptr<TlsSession>> create_client(gnutls_certificate_credentials_t credentials,
                                                           const std::string& alpn, const std::string& sni,
                                                           std::optional<ByteArray<32>> pinned_sha256);
  static Result<std::unique_ptr<TlsSession>> create_server(gnutls_certificate_credentials_t credentials,
                                                           const std::string& alpn, SniFilter sni_filter);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  /// Connects the session and the QUIC connection both ways (the crypto
  /// library finds the connection through the session pointer).
  void attach(ngtcp2_conn* conn);

  /// Server: whether the ClientHello carried a host_name, and its bytes as
  /// sent. Client: the name this side sent.
  [[nodiscard]] bool sni_present() const noexcept { return sni_.has_value(); }
  [[nodiscard]] const std::string& sni() const noexcept;
  /// Client: SHA-256 of the server certificate's DER, once received.
  [[nodiscard]] const std::optional<ByteArray<32>>& peer_certificate_sha256() const noexcept {
    return peer_sha256_;
  }
  /// Why one of our hooks aborted the handshake ("" if none did).
  [[nodiscard]] const std::string& failure_reason() const noexcept { return failure_reason_; }
  /// True once the handshake negotiated exactly our ALPN.
  [[nodiscard]] bool alpn_negotiated() const;
  [[nodiscard]] const std::string& alpn() const noexcept { return alpn_; }

 private:
  TlsSession() = default;
  Status configure(gnutls_certificate_credentials_t credentials, bool server);

  static ngtcp2_conn* get_conn(ngtcp2_crypto_conn_ref* ref);
  static int on_client_hello(gnutls_session_t session, unsigned type, unsigned when, unsigned incoming,
                             const gnutls_datum_t* message);
  static int on_extension(void* ctx, unsigned tls_id, const unsigned char* data, unsigned size);
  static int verify_server_certificate(gnutls_session_t session);
  static TlsSession& from(gnutls_session_t session);

  gnutls_session_t session_ = nullptr;
  ngtcp2_crypto_conn_ref conn_ref_{};
  ngtcp2_conn* conn_ = nullptr;
  std::string alpn_;
  std::optional<std::string> sni_;
  SniFilter sni_filter_;
  std::optional<ByteArray<32>> pinned_sha256_;
  std::optional<ByteArray<32>> peer_sha256_;
  std::string failure_reason_;
};

}  // namespace wzp::transport

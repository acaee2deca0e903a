#include "transport/tls_session.hpp"

#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

#include "core/c_boundary.hpp"
#include "core/hex.hpp"

namespace wzp::transport {
namespace {

// TLS 1.3 only; QUIC forbids the middlebox compatibility mode.
constexpr const char* kPriority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:%DISABLE_TLS13_COMPAT_MODE";
constexpr unsigned kServerNameExtension = 0;
constexpr uint8_t kHostNameType = 0;

Error tls_error(const std::string& what, int rv) {
  return make_error(Errc::tls, what + ": " + gnutls_strerror(rv));
}

// What GnuTLS's server accepts in a host name (anything else aborts its
// handshake with "disallowed SNI server name").
bool gnutls_accepts_host_name(const std::string& name) {
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// The first host_name entry of a server_name extension body (RFC 6066 §3).
std::optional<std::string> parse_host_name(const unsigned char* data, unsigned size) {
  if (size < 2) return std::nullopt;
  size_t list_len = (size_t{data[0]} << 8) | data[1];
  size_t end = std::min<size_t>(size, 2 + list_len);
  size_t pos = 2;
  while (pos + 3 <= end) {
    uint8_t type = data[pos];
    size_t len = (size_t{data[pos + 1]} << 8) | data[pos + 2];
    pos += 3;
    if (pos + len > end) return std::nullopt;
    if (type == kHostNameType) return std::string(reinterpret_cast<const char*>(data + pos), len);
    pos += len;
  }
  return std::nullopt;
}

}  // namespace

TlsSession::~TlsSession() {
  if (session_ != nullptr) gnutls_deinit(session_);
}

TlsSession& TlsSession::from(gnutls_session_t session) {
  auto* ref = static_cast<ngtcp2_crypto_conn_ref*>(gnutls_session_get_ptr(session));
  return *static_cast<TlsSession*>(ref->user_data);
}

ngtcp2_conn* TlsSession::get_conn(ngtcp2_crypto_conn_ref* ref) {
  return static_cast<TlsSession*>(ref->user_data)->conn_;
}

const std::string& TlsSession::sni() const noexcept {
  static const std::string empty;
  return sni_ ? *sni_ : empty;
}

Status TlsSession::configure(gnutls_certificate_credentials_t credentials, bool server) {
  unsigned flags = (server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NO_END_OF_EARLY_DATA;
  int rv = gnutls_init(&session_, flags);
  if (rv != GNUTLS_E_SUCCESS) return tls_error("gnutls_init", rv);
  rv = gnutls_priority_set_direct(session_, kPriority, nullptr);
  if (rv != GNUTLS_E_SUCCESS) return tls_error("setting the TLS priorities", rv);
  // Both sides need certificate credentials: the server to present one, the
  // client to receive the server's.
  rv = gnutls_credentials_set(session_, GNUTLS_CRD_CERTIFICATE, credentials);
  if (rv != GNUTLS_E_SUCCESS) return tls_error("setting the TLS credentials", rv);
  rv = server ? ngtcp2_crypto_gnutls_configure_server_session(session_)
              : ngtcp2_crypto_gnutls_configure_client_session(session_);
  if (rv != 0) return make_error(Errc::tls, "configuring the TLS session for QUIC failed");
  gnutls_datum_t protocol{reinterpret_cast<unsigned char*>(alpn_.data()),
                          static_cast<unsigned>(alpn_.size())};
  rv = gnutls_alpn_set_protocols(session_, &protocol, 1, GNUTLS_ALPN_MANDATORY);
  if (rv != GNUTLS_E_SUCCESS) return tls_error("setting the ALPN", rv);
  conn_ref_.get_conn = &TlsSession::get_conn;
  conn_ref_.user_data = this;
  gnutls_session_set_ptr(session_, &conn_ref_);
  return {};
}

Result<std::unique_ptr<TlsSession>> TlsSession::create_client(gnutls_certificate_credentials_t credentials,
                                                              const std::string& alpn, const std::string& sni,
                                                              std::optional<ByteArray<32>> pinned_sha256) {
  std::unique_ptr<TlsSession> tls(new TlsSession());
  tls->alpn_ = alpn;
  tls->pinned_sha256_ = pinned_sha256;
  WZP_TRY(tls->configure(credentials, false));
  if (!sni.empty()) {
    int rv = gnutls_server_name_set(tls->session_, GNUTLS_NAME_DNS, sni.data(), sni.size());
    if (rv != GNUTLS_E_SUCCESS) return tls_error("setting the SNI '" + sni + "'", rv);
    tls->sni_ = sni;
  }
  gnutls_session_set_verify_function(tls->session_, &TlsSession::verify_server_certificate);
  return tls;
}

Result<std::unique_ptr<TlsSession>> TlsSession::create_server(gnutls_certificate_credentials_t credentials,
                                                              const std::string& alpn, SniFilter sni_filter) {
  std::unique_ptr<TlsSession> tls(new TlsSession());
  tls->alpn_ = alpn;
  tls->sni_filter_ = std::move(sni_filter);
  WZP_TRY(tls->configure(credentials, true));
  gnutls_handshake_set_hook_function(tls->session_, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_PRE,
                                     &TlsSession::on_client_hello);
  return tls;
}

void TlsSession::attach(ngtcp2_conn* conn) {
  conn_ = conn;
  ngtcp2_conn_set_tls_native_handle(conn, session_);
}

bool TlsSession::alpn_negotiated() const {
  gnutls_datum_t selected{};
  if (gnutls_alpn_get_selected_protocol(session_, &selected) != GNUTLS_E_SUCCESS) return false;
  return std::string_view(reinterpret_cast<const char*>(selected.data), selected.size) == alpn_;
}

int TlsSession::on_extension(void* ctx, unsigned tls_id, const unsigned char* data, unsigned size) {
  return c_boundary("GnuTLS on_extension", int{GNUTLS_E_INTERNAL_ERROR}, [&]() -> int {
    if (tls_id == kServerNameExtension) {
      auto& tls = *static_cast<TlsSession*>(ctx);
      tls.sni_ = parse_host_name(data, size);
    }
    return 0;
  });
}

int TlsSession::on_client_hello(gnutls_session_t session, unsigned /*type*/, unsigned /*when*/,
                                unsigned incoming, const gnutls_datum_t* message) {
  return c_boundary("GnuTLS on_client_hello", int{GNUTLS_E_INTERNAL_ERROR}, [&]() -> int {
    if (!incoming) return 0;
    TlsSession& tls = from(session);
    tls.sni_.reset();
    int rv =
        gnutls_ext_raw_parse(&tls, &TlsSession::on_extension, message, GNUTLS_EXT_RAW_FLAG_TLS_CLIENT_HELLO);
    if (rv < 0) return rv;
    if (tls.sni_filter_ && !tls.sni_filter_(tls.sni_)) {
      tls.failure_reason_ = "SNI '" + tls.sni() + "' refused by the server";
      return GNUTLS_E_RECEIVED_ILLEGAL_PARAMETER;
    }
    if (tls.sni_ && !gnutls_accepts_host_name(*tls.sni_)) {
      // GnuTLS is about to abort; say why in terms the operator can act on.
      tls.failure_reason_ =
          "SNI '" + *tls.sni_ +
          "' refused by GnuTLS (server names may only contain letters, digits, '-' and '.')";
    }
    return 0;
  });
}

int TlsSession::verify_server_certificate(gnutls_session_t session) {
  return c_boundary("GnuTLS verify_server_certificate", int{GNUTLS_E_INTERNAL_ERROR}, [&]() -> int {
    TlsSession& tls = from(session);
    unsigned count = 0;
    const gnutls_datum_t* certs = gnutls_certificate_get_peers(session, &count);
    if (certs == nullptr || count == 0) {
      tls.failure_reason_ = "the server sent no certificate";
      return GNUTLS_E_NO_CERTIFICATE_FOUND;
    }
    ByteArray<32> digest{};
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, certs[0].data, certs[0].size, digest.data()) !=
        GNUTLS_E_SUCCESS) {
      tls.failure_reason_ = "hashing the server certificate failed";
      return GNUTLS_E_CERTIFICATE_ERROR;
    }
    tls.peer_sha256_ = digest;
    if (tls.pinned_sha256_ && *tls.pinned_sha256_ != digest) {
      tls.failure_reason_ = "server certificate SHA-256 " + to_hex(digest) + " does not match the pinned " +
                            to_hex(*tls.pinned_sha256_);
      return GNUTLS_E_CERTIFICATE_ERROR;
    }
    return 0;  // no chain or name checks: the reference accepts any certificate
  });
}

}  // namespace wzp::transport

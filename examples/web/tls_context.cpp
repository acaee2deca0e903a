#include "tls_context.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace {

std::string openssl_error(const char* what) {
  char buf[256] = {0};
  const unsigned long e = ERR_get_error();
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  return std::string(what) + (buf[0] ? std::string(": ") + buf : std::string());
}

// Installs a self-signed certificate and its key into ctx; false with *error set otherwise.
bool self_signed(SSL_CTX* ctx, std::string* error) {
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, void (*)(X509*)> cert(X509_new(), X509_free);
  if (!key || !cert) {
    *error = openssl_error("cannot generate a key");
    return false;
  }
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) {
    *error = openssl_error("no random serial");
    return false;
  }
  serial[0] &= 0x7f;  // a positive serial
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:localhost,DNS:wzp,IP:127.0.0.1,IP:::1");
  if (san == nullptr) {
    *error = openssl_error("cannot build the certificate's names");
    return false;
  }
  X509_add_ext(cert.get(), san, -1);
  X509_EXTENSION_free(san);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0 || SSL_CTX_use_certificate(ctx, cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key.get()) != 1) {
    *error = openssl_error("cannot install the self-signed certificate");
    return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert, const std::string& key,
                                                            std::string* error) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (cert.empty()) {
    if (!self_signed(native, error)) return nullptr;
  } else {
    if (SSL_CTX_use_certificate_chain_file(native, cert.c_str()) != 1) {
      *error = openssl_error(("cannot use the certificate " + cert).c_str());
      return nullptr;
    }
    if (SSL_CTX_use_PrivateKey_file(native, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(native) != 1) {
      *error = openssl_error(("cannot use the key " + key).c_str());
      return nullptr;
    }
  }
  return ctx;
}

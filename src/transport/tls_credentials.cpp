#include "transport/tls_credentials.hpp"

#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/wipe.hpp"
#include "transport/tls_credentials_native.hpp"

namespace wzp::transport {
namespace {

Error tls_error(const std::string& what, int rv) {
  return make_error(Errc::tls, what + ": " + gnutls_strerror(rv));
}

struct PrivkeyDeleter {
  void operator()(gnutls_x509_privkey_t key) const { gnutls_x509_privkey_deinit(key); }
};
struct CrtDeleter {
  void operator()(gnutls_x509_crt_t crt) const { gnutls_x509_crt_deinit(crt); }
};
using PrivkeyPtr = std::unique_ptr<std::remove_pointer_t<gnutls_x509_privkey_t>, PrivkeyDeleter>;
using CrtPtr = std::unique_ptr<std::remove_pointer_t<gnutls_x509_crt_t>, CrtDeleter>;

// Takes ownership of a GnuTLS-allocated datum (wiped first: it may hold a private key).
std::string take_string(gnutls_datum_t& datum) {
  std::string out(reinterpret_cast<const char*>(datum.data), datum.size);
  wipe_memory(datum.data, datum.size);
  gnutls_free(datum.data);
  datum.data = nullptr;
  return out;
}

// Plain reads into one buffer, so a private key leaves no copy in stream buffers.
Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::io, "cannot open '" + path + "': " + std::strerror(errno));
  std::string text;
  struct ::stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) text.reserve(static_cast<size_t>(st.st_size) + 1);
  char chunk[4096];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      wipe_memory(chunk, sizeof chunk);
      ::close(fd);
      if (n == 0) return text;
      wipe_string(text);
      return make_error(Errc::io, "cannot read '" + path + "': " + std::strerror(err));
    }
    append_wiping(text, std::string_view(chunk, static_cast<size_t>(n)));
  }
}

// 1975-01-01T00:00:00Z, the reference's not-before date.
constexpr time_t kNotBefore = 157766400;

}  // namespace

TlsCredentials::TlsCredentials() : native_(std::make_unique<Native>()) {}
TlsCredentials::~TlsCredentials() { wipe_string(private_key_pem_); }

Result<std::shared_ptr<const TlsCredentials>> TlsCredentials::from_pem(std::string_view certificate_pem,
                                                                       std::string_view private_key_pem) {
  std::shared_ptr<TlsCredentials> creds(new TlsCredentials());
  int rv = gnutls_certificate_allocate_credentials(&creds->native_->credentials);
  if (rv != GNUTLS_E_SUCCESS) return tls_error("allocating certificate credentials", rv);
  gnutls_datum_t cert{reinterpret_cast<unsigned char*>(const_cast<char*>(certificate_pem.data())),
                      static_cast<unsigned>(certificate_pem.size())};
  gnutls_datum_t key{reinterpret_cast<unsigned char*>(const_cast<char*>(private_key_pem.data())),
                     static_cast<unsigned>(private_key_pem.size())};
  rv = gnutls_certificate_set_x509_key_mem2(creds->native_->credentials, &cert, &key, GNUTLS_X509_FMT_PEM,
                                            nullptr, 0);
  if (rv < 0) return tls_error("loading PEM certificate and key", rv);
  gnutls_datum_t der{};
  rv = gnutls_certificate_get_crt_raw(creds->native_->credentials, static_cast<unsigned>(rv), 0, &der);
  if (rv != GNUTLS_E_SUCCESS) return tls_error("reading the loaded certificate", rv);
  creds->der_.assign(der.data, der.data + der.size);  // points into the credentials: copy, do not free
  rv = gnutls_hash_fast(GNUTLS_DIG_SHA256, creds->der_.data(), creds->der_.size(), creds->sha256_.data());
  if (rv != GNUTLS_E_SUCCESS) return tls_error("hashing the certificate", rv);
  creds->certificate_pem_ = std::string(certificate_pem);
  creds->private_key_pem_ = std::string(private_key_pem);
  return std::shared_ptr<const TlsCredentials>(std::move(creds));
}

Result<std::shared_ptr<const TlsCredentials>> TlsCredentials::from_pem_files(
    const std::string& certificate_path, const std::string& private_key_path) {
  auto cert = read_file(certificate_path);
  if (!cert) return std::move(cert).error();
  auto key = read_file(private_key_path);
  if (!key) return std::move(key).error();
  auto creds = from_pem(*cert, *key);
  wipe_string(*key);
  return creds;
}

Result<std::shared_ptr<const TlsCredentials>> TlsCredentials::generate_self_signed(
    std::string_view dns_name) {
  gnutls_x509_privkey_t raw_key = nullptr;
  int rv = gnutls_x509_privkey_init(&raw_key);
  if (rv != GNUTLS_E_SUCCESS) return tls_error("creating a private key", rv);
  PrivkeyPtr key(raw_key);
  rv = gnutls_x509_privkey_generate(key.get(), GNUTLS_PK_ECDSA,
                                    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
  if (rv != GNUTLS_E_SUCCESS) return tls_error("generating a P-256 key", rv);

  gnutls_x509_crt_t raw_crt = nullptr;
  rv = gnutls_x509_crt_init(&raw_crt);
  if (rv != GNUTLS_E_SUCCESS) return tls_error("creating a certificate", rv);
  CrtPtr crt(raw_crt);
  uint8_t serial[16];
  gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
  serial[0] &= 0x7f;  // a positive INTEGER
  std::string name(dns_name);
  const char* common_name = "wzp self signed cert";
  if ((rv = gnutls_x509_crt_set_version(crt.get(), 3)) != GNUTLS_E_SUCCESS ||
      (rv = gnutls_x509_crt_set_serial(crt.get(), serial, sizeof serial)) != GNUTLS_E_SUCCESS ||
      (rv = gnutls_x509_crt_set_activation_time(crt.get(), kNotBefore)) != GNUTLS_E_SUCCESS ||
      (rv = gnutls_x509_crt_set_expiration_time(crt.get(), static_cast<time_t>(-1))) != GNUTLS_E_SUCCESS ||
      (rv = gnutls_x509_crt_set_dn_by_oid(
           crt.get(), GNUTLS_OID_X520_COMMON_NAME, 0, common_name,
           static_cast<unsigned>(std::char_traits<char>::length(common_name)))) != GNUTLS_E_SUCCESS ||
      (rv = gnutls_x509_crt_set_basic_constraints(crt.get(), 0, -1)) != GNUTLS_E_SUCCESS ||
      (rv = gnutls_x509_crt_set_key_usage(crt.get(), GNUTLS_KEY_DIGITAL_SIGNATURE)) != GNUTLS_E_SUCCESS ||
      (rv = gnutls_x509_crt_set_key(crt.get(), key.get())) != GNUTLS_E_SUCCESS) {
    return tls_error("filling the certificate", rv);
  }
  if (!name.empty()) {
    rv = gnutls_x509_crt_set_subject_alt_name(crt.get(), GNUTLS_SAN_DNSNAME, name.data(),
                                              static_cast<unsigned>(name.size()), GNUTLS_FSAN_SET);
    if (rv != GNUTLS_E_SUCCESS) return tls_error("setting the subject alternative name", rv);
  }
  rv = gnutls_x509_crt_sign2(crt.get(), crt.get(), key.get(), GNUTLS_DIG_SHA256, 0);
  if (rv != GNUTLS_E_SUCCESS) return tls_error("self-signing the certificate", rv);

  gnutls_datum_t cert_pem{};
  rv = gnutls_x509_crt_export2(crt.get(), GNUTLS_X509_FMT_PEM, &cert_pem);
  if (rv != GNUTLS_E_SUCCESS) return tls_error("exporting the certificate", rv);
  std::string cert_text = take_string(cert_pem);
  gnutls_datum_t key_pem{};
  rv =
      gnutls_x509_privkey_export2_pkcs8(key.get(), GNUTLS_X509_FMT_PEM, nullptr, GNUTLS_PKCS_PLAIN, &key_pem);
  if (rv != GNUTLS_E_SUCCESS) return tls_error("exporting the private key", rv);
  std::string key_text = take_string(key_pem);
  auto creds = from_pem(cert_text, key_text);
  wipe_string(key_text);
  return creds;
}

}  // namespace wzp::transport

// The server's TLS certificate and private key: either a fresh self-signed
// ECDSA P-256 certificate (what the reference relay does at every start) or
// PEM files. The SHA-256 of the leaf certificate's DER is exposed so clients
// can pin it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"

namespace wzp::transport {

class TlsCredentials {
 public:
  /// New P-256 key and self-signed certificate (subject alternative name
  /// `dns_name`, signature ecdsa-with-SHA256, not a CA).
  static Result<std::shared_ptr<const TlsCredentials>> generate_self_signed(
      std::string_view dns_name = "localhost");
  /// PEM certificate (leaf first, optional chain) and PEM private key.
  static Result<std::shared_ptr<const TlsCredentials>> from_pem(std::string_view certificate_pem,
                                                                std::string_view private_key_pem);
  static Result<std::shared_ptr<const TlsCredentials>> from_pem_files(const std::string& certificate_path,
                                                                      const std::string& private_key_path);

  ~TlsCredentials();
  TlsCredentials(const TlsCredentials&) = delete;
  TlsCredentials& operator=(const TlsCredentials&) = delete;

  /// DER of the leaf certificate.
  [[nodiscard]] const Bytes& certificate_der() const noexcept { return der_; }
  /// SHA-256 of certificate_der(), for pinning.
  [[nodiscard]] const ByteArray<32>& certificate_sha256() const noexcept { return sha256_; }
  [[nodiscard]] const std::string& certificate_pem() const noexcept { return certificate_pem_; }
  /// The private key in PEM (PKCS#8 for generated keys; as given otherwise).
  [[nodiscard]] const std::string& private_key_pem() const noexcept { return private_key_pem_; }

  /// Library handle, defined in tls_credentials_native.hpp (transport internals only).
  struct Native;
  [[nodiscard]] const Native& native() const noexcept { return *native_; }

 private:
  TlsCredentials();

  std::unique_ptr<Native> native_;
  Bytes der_;
  ByteArray<32> sha256_{};
  std::string certificate_pem_;
  std::string private_key_pem_;
};

}  // namespace wzp::transport

#include "transport/tls_credentials.hpp"

#include <gtest/gtest.h>

#include <gnutls/crypto.h>

namespace wzp::transport {
namespace {

TEST(TlsCredentials, SelfSignedCertificateIsFreshAndHashed) {
  auto a = TlsCredentials::generate_self_signed();
  auto b = TlsCredentials::generate_self_signed();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE((*a)->certificate_sha256(), (*b)->certificate_sha256());
  EXPECT_FALSE((*a)->certificate_der().empty());
  EXPECT_EQ((*a)->certificate_der()[0], 0x30);  // DER SEQUENCE
  ByteArray<32> digest{};
  ASSERT_EQ(gnutls_hash_fast(GNUTLS_DIG_SHA256, (*a)->certificate_der().data(),
                             (*a)->certificate_der().size(), digest.data()),
            0);
  EXPECT_EQ(digest, (*a)->certificate_sha256());
  EXPECT_NE((*a)->certificate_pem().find("BEGIN CERTIFICATE"), std::string::npos);
  EXPECT_NE((*a)->private_key_pem().find("PRIVATE KEY"), std::string::npos);
}

TEST(TlsCredentials, PemRoundTrip) {
  auto a = TlsCredentials::generate_self_signed("example.test");
  ASSERT_TRUE(a.ok());
  auto reloaded = TlsCredentials::from_pem((*a)->certificate_pem(), (*a)->private_key_pem());
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_EQ((*reloaded)->certificate_sha256(), (*a)->certificate_sha256());
  EXPECT_EQ((*reloaded)->certificate_der(), (*a)->certificate_der());
}

TEST(TlsCredentials, MismatchedOrBrokenInputIsRefused) {
  auto a = TlsCredentials::generate_self_signed();
  auto b = TlsCredentials::generate_self_signed();
  ASSERT_TRUE(a.ok() && b.ok());
  auto mismatched = TlsCredentials::from_pem((*a)->certificate_pem(), (*b)->private_key_pem());
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.error().code, Errc::tls);
  EXPECT_FALSE(TlsCredentials::from_pem("not a certificate", (*a)->private_key_pem()).ok());
  EXPECT_FALSE(TlsCredentials::from_pem((*a)->certificate_pem(), "").ok());
  auto missing = TlsCredentials::from_pem_files("/nonexistent/cert.pem", "/nonexistent/key.pem");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::io);
}

}  // namespace
}  // namespace wzp::transport

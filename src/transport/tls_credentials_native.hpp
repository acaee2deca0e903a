// Internal to src/transport: the GnuTLS handle behind TlsCredentials.
#pragma once

#include <gnutls/gnutls.h>

#include "transport/tls_credentials.hpp"

namespace wzp::transport {

struct TlsCredentials::Native {
  gnutls_certificate_credentials_t credentials = nullptr;

  Native() = default;
  ~Native() {
    if (credentials != nullptr) gnutls_certificate_free_credentials(credentials);
  }
  Native(const Native&) = delete;
  Native& operator=(const Native&) = delete;
};

}  // namespace wzp::transport

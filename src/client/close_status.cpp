#include "client/close_status.hpp"

#include "wire/close_codes.hpp"

namespace wzp::client {

namespace {
// RFC 9001 §4.8: CRYPTO_ERROR is 0x100 + the TLS alert.
constexpr uint64_t kCryptoErrorFirst = 0x100;
constexpr uint64_t kCryptoErrorLast = 0x1ff;

Errc transport_status(uint64_t code) noexcept {
  return code >= kCryptoErrorFirst && code <= kCryptoErrorLast ? Errc::tls : Errc::transport;
}
}  // namespace

Errc close_status(const transport::CloseInfo& info) noexcept {
  switch (info.kind) {
    case transport::CloseKind::application: return wire::close_code_errc(info.code);
    case transport::CloseKind::local:
      return info.transport_code ? transport_status(info.code) : wire::close_code_errc(info.code);
    case transport::CloseKind::transport: return transport_status(info.code);
    case transport::CloseKind::idle_timeout: return Errc::closed;
  }
  return Errc::closed;
}

}  // namespace wzp::client

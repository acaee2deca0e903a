// Why a connection ended, as reported to on_closed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wzp::transport {

enum class CloseKind {
  application,   ///< the peer sent CONNECTION_CLOSE with an application error code
  transport,     ///< the peer sent a transport CONNECTION_CLOSE (e.g. a TLS alert), or a stateless reset
  idle_timeout,  ///< no packet within the idle timeout (or the handshake timed out)
  local,         ///< this side closed it: close(), shutdown(), or a local protocol/TLS error
};

struct CloseInfo {
  CloseKind kind = CloseKind::local;
  /// The error code in the CONNECTION_CLOSE frame (received, or sent for `local`).
  uint64_t code = 0;
  /// For `local`: true when `code` is a QUIC transport error code (a local
  /// protocol or TLS failure), false when it is an application code.
  bool transport_code = false;
  /// The peer's reason phrase, or ours (for `local`, a description of the failure).
  std::string reason;
};

std::string_view close_kind_name(CloseKind kind) noexcept;
/// "application code 0 (normal close)" style one-liner for logs.
std::string describe(const CloseInfo& info);

}  // namespace wzp::transport

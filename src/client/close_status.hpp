// What a client's close means as a status (wzp_client_wait_joined's result).
#pragma once

#include "core/status.hpp"
#include "transport/close_info.hpp"

namespace wzp::client {

/// Application closes (the relay's refusals, the client's own deadlines): the
/// code's status (wire::close_code_errc). QUIC transport closes: tls for TLS
/// alerts (crypto errors 0x100-0x1ff), transport otherwise. Idle timeout: closed.
Errc close_status(const transport::CloseInfo& info) noexcept;

}  // namespace wzp::client

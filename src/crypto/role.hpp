// Which end of a call handshake this side is.
#pragma once

namespace wzp::crypto {

/// Caller: opened the connection and sent the CallOffer. Callee: answered it
/// (in the reference this is always the relay).
enum class Role { caller, callee };

}  // namespace wzp::crypto

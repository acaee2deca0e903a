// HKDF-SHA256 (RFC 5869) on libsodium's HMAC-SHA256; libsodium 1.0.18 has no
// HKDF API of its own. WZP always uses L = 32 and either no salt (= 32 zero
// bytes, which HMAC treats the same as an empty salt) or a 32-byte key.
#pragma once

#include <string_view>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "crypto/secret.hpp"

namespace wzp::crypto::hkdf {

using Prk = Secret<32>;
using Okm32 = Secret<32>;

/// Maximum output length of one expand (255 blocks of 32 bytes).
inline constexpr size_t kMaxOutput = size_t{255} * 32;

/// Extract: PRK = HMAC-SHA256(key = salt, message = ikm). An empty salt means
/// "no salt" (equivalent to 32 zero bytes). Salts of any length are accepted.
Prk extract(ByteView salt, ByteView ikm);

/// Expand: fills `out` with T(1) || T(2) || ... (T(n) = HMAC(prk, T(n-1) || info || n)).
/// Errors: Errc::invalid_argument if out.size() > kMaxOutput.
Status expand(const Prk& prk, ByteView info, MutableByteView out);

/// Expand to exactly 32 bytes (one block; cannot fail).
Okm32 expand32(const Prk& prk, std::string_view info);

/// extract + expand32 in one call.
Okm32 derive32(ByteView salt, ByteView ikm, std::string_view info);

}  // namespace wzp::crypto::hkdf
